"""`deskconsole serve`: the console in a browser tab, driven in headless Chromium over the DevTools
protocol (tools/browser.py), and the server's own rules checked with aiohttp's client."""
from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import aiohttp
import pytest

from deskconsole import db

sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))
from browser import CTRL, FIELD_PAUSE, Chromium, Serve, find_chromium  # noqa: E402

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


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on this machine (apt-get install chromium)")
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
