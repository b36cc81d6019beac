"""`deskconsole serve`: the console in a browser tab, driven in headless Chromium over the DevTools
protocol (tools/browser.py), and the server's own rules checked with aiohttp's client."""
from __future__ import annotations

import asyncio
import base64
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from deskconsole import cli, db

sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))
from browser import CTRL, FIELD_PAUSE, Chromium, Serve, end, find_chromium, free_port  # noqa: E402

README = Path(__file__).parent.parent / "README.md"
no_chromium = pytest.mark.skipif(find_chromium() is None,
                                 reason="no Chromium on this machine (apt-get install chromium)")

CALLER = "王[b]小明"
PHONE = "13912345678"
SAID = "厨房水管漏水，请尽快派人。[/x]"


@pytest.fixture
def desk_file(tmp_path, seeded_file) -> Path:
    path = tmp_path / "desk.db"
    shutil.copy(seeded_file, path)
    return path


@pytest.fixture
def serve(desk_file, tmp_path, request):
    site = getattr(request, "param", None)
    site_path = None
    if site is not None:
        site_path = tmp_path / "site.toml"
        site_path.write_text(site, "utf-8")
    server = Serve(desk_file, site=site_path)
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def saved_call(desk_file: Path):
    db.connect("sqlite:///" + str(desk_file), migrate_schema=False)
    try:
        return (db.Call.select(db.Call, db.Unit.code.alias("unit_code"), db.Staff.code.alias("by"))
                .join_from(db.Call, db.Unit).join_from(db.Call, db.Staff, on=db.Call.taken_by)
                .where(db.Call.phone == PHONE).dicts().first())
    finally:
        db.close()


@no_chromium
def test_a_call_logged_in_chromium_is_saved_and_closing_the_tab_ends_its_console(serve, desk_file, tmp_path):
    async def scenario():
        async with Chromium(size=(1280, 800)) as browser:
            tab = await browser.open(serve.url)
            opened = await serve.wait_for_async(r"console (\d+) opened from 127\.0\.0\.1 \(process (\d+)")
            number, pid = opened.group(1), int(opened.group(2))
            await serve.wait_for_async(rf"console {number}: sign-on screen up")
            await tab.fill("R1", "0000", then="Enter")
            await serve.wait_for_async(rf"console {number}: R1 signed on from 127\.0\.0\.1")
            await asyncio.sleep(1.0)  # the console screen takes its first keys once it is mounted
            await tab.type("n")
            await asyncio.sleep(1.0)
            await tab.fill(PHONE, CALLER, "1-101", "r", "")
            await tab.type(SAID)
            # Ctrl+S is a priority binding: it must not overtake the characters still on their way
            # into the field (see the report on issue 23).
            await asyncio.sleep(FIELD_PAUSE)
            await tab.press("s", CTRL)
            for _ in range(300):
                call = saved_call(desk_file)
                if call is not None:
                    break
                await asyncio.sleep(0.2)
            else:
                await tab.screenshot(tmp_path / "unsaved.png")
                pytest.fail(f"the call was not saved; the page: {tmp_path / 'unsaved.png'}")
            # Everything the page asked for came from the console's server.
            assert [u for u in tab.fetched() if not u.startswith(serve.url)] == []
            await tab.close()
            await serve.wait_for_async(rf"console {number} ended \(process {pid}, R1\)")
            return call, pid

    call, pid = asyncio.run(scenario())
    assert (call["caller"], call["text"], call["unit_code"], call["category"], call["phone"], call["by"]) == \
        (CALLER, SAID, "1-101", "repair", PHONE, "R1")
    assert gone(pid)


async def _get(url: str, **kwargs) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as response:
        return response.status, await response.text()


def test_the_page_fetches_nothing_from_outside_and_names_a_chinese_font(serve):
    status, page = asyncio.run(_get(serve.url))
    assert status == 200
    assert "googleapis" not in page and "https://" not in page
    assert 'local("Microsoft YaHei")' in page and "unicode-range" in page
    assert 'href="static/css/xterm.css"' in page  # relative: the same page works behind a proxy's path


import textual_serve  # noqa: E402

A_FONT = Path(textual_serve.__file__).parent / "static" / "fonts" / "RobotoMono-VariableFont_wght.ttf"


@pytest.mark.parametrize("serve", [f'[serve]\ncjk_font = "{A_FONT}"\n'], indirect=True)
def test_the_site_files_chinese_font_is_offered_after_the_pcs_own(serve):
    async def fetch():
        async with aiohttp.ClientSession() as session, session.get(serve.url + "fonts/cjk") as response:
            return response.status, response.content_type, await response.read()
    status, page = asyncio.run(_get(serve.url))
    assert status == 200
    assert re.search(r'local\("Microsoft YaHei"\).*local\("Droid Sans Fallback"\), url\("fonts/cjk"\)', page, re.S)
    assert asyncio.run(fetch()) == (200, "font/ttf", A_FONT.read_bytes())


def test_a_page_of_another_site_gets_no_console(serve):
    async def connect():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(serve.url + "ws", headers={"Origin": "http://elsewhere.example"})
            return refused.value.status
    assert asyncio.run(connect()) == 403
    serve.wait_for(r"refused a console to a page of another site \(http://elsewhere\.example\)")


@pytest.mark.parametrize("serve", ["[serve]\nmax_consoles = 1\n"], indirect=True)
def test_consoles_beyond_the_limit_are_refused_and_a_closed_socket_ends_its_console(serve):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            first = await session.ws_connect(serve.url + "ws?width=80&height=24",
                                             headers={"Origin": serve.url.rstrip("/")})
            opened = await serve.wait_for_async(r"console (\d+) opened from 127\.0\.0\.1 \(process (\d+); 1 of 1")
            status, page = await _get(serve.url)
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(serve.url + "ws")
            await first.close()
            await serve.wait_for_async(rf"console {opened.group(1)} ended")
            return status, page, refused.value.status, int(opened.group(2))
    status, page, refused, pid = asyncio.run(scenario())
    assert (status, refused) == (503, 503)
    assert "All 1 consoles are in use" in page
    assert gone(pid)


def readme_section() -> str:
    text = README.read_text("utf-8")
    start = text.index("## In a browser")
    end_at = text.find("\n## ", start + 3)
    return text[start:end_at if end_at > 0 else None]


def test_the_readme_command_lines_parse():
    lines = [line for block in re.findall(r"```sh\n(.*?)```", readme_section(), flags=re.S)
             for line in block.splitlines() if "bin/deskconsole" in line]
    assert len(lines) == 2
    for line in lines:
        words = shlex.split(line.split(" #")[0])
        args = cli._parser(words[1:]).parse_args(words[1:])
        assert args.command in ("init", "serve")


@no_chromium
@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="no nginx or openssl on this machine (apt-get install nginx-light openssl)")
def test_through_the_readme_nginx_with_tls_and_a_password(serve, tmp_path):
    """The README's nginx block, on loopback with a self-signed certificate: no password, no page;
    with it, a console signs on over wss: at /desk/, and serve logs whom nginx forwards for."""
    block = re.search(r"```nginx\n(.*?)```", readme_section(), flags=re.S).group(1)
    port = free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    hashed = subprocess.run(["openssl", "passwd", "-apr1", "correct horse"], check=True, capture_output=True,
                            text=True).stdout.strip()
    (tmp_path / "htpasswd").write_text(f"desk:{hashed}\n")
    for old, new in (("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
                     ("/etc/ssl/desk/fullchain.pem", str(tmp_path / "cert.pem")),
                     ("/etc/ssl/desk/privkey.pem", str(tmp_path / "key.pem")),
                     ("/etc/nginx/desk.htpasswd", str(tmp_path / "htpasswd")),
                     ("127.0.0.1:8000", f"127.0.0.1:{serve.port}")):
        assert old in block
        block = block.replace(old, new)
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    (tmp_path / "nginx.conf").write_text(
        # Run as root (CI), nginx's workers would be `nobody`, who cannot read pytest's private folder.
        ("user root;\n" if os.geteuid() == 0 else "") +
        f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp}; "
        f"uwsgi_temp_path {temp}; scgi_temp_path {temp};\n{block}\n}}\n")
    nginx = subprocess.Popen(["nginx", "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://127.0.0.1:{port}/desk/"
    password = {"Authorization": "Basic " + base64.b64encode(b"desk:correct horse").decode()}

    async def scenario():
        async with aiohttp.ClientSession() as session:
            for _ in range(100):  # until nginx listens
                try:
                    async with session.get(url, ssl=False) as response:
                        refused = response.status
                        break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.1)
        async with Chromium() as browser:
            await browser.send("Security.setIgnoreCertificateErrors", ignore=True)
            tab = await browser.open(url, headers=password)
            opened = await serve.wait_for_async(r"console (\d+) opened from 127\.0\.0\.1 via 127\.0\.0\.1")
            number = opened.group(1)
            await serve.wait_for_async(rf"console {number}: sign-on screen up")
            await tab.fill("R1", "0000", then="Enter")
            await serve.wait_for_async(rf"console {number}: R1 signed on from 127\.0\.0\.1 via 127\.0\.0\.1")
            socket_url = await tab.evaluate("document.getElementById('terminal').dataset.sessionWebsocketUrl")
            await tab.close()
            await serve.wait_for_async(rf"console {number} ended")
            return refused, socket_url
    try:
        refused, socket_url = asyncio.run(scenario())
    finally:
        end(nginx)
    assert refused == 401
    assert socket_url == f"wss://127.0.0.1:{port}/desk/ws"
