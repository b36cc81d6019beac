"""Drive `deskconsole serve` in a real browser: Debian's Chromium, headless, over the DevTools
protocol with aiohttp's websocket client (aiohttp comes with textual-serve).

Used by tests/test_serve_browser.py and tools/browser_screenshot.py. Everything runs on loopback.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--mute-audio", "--hide-scrollbars")
# The keys a test presses: DevTools key, code and Windows key code (what xterm.js reads).
KEYS = {"Enter": ("Enter", 13, "\r"), "Tab": ("Tab", 9, "\t"), "Escape": ("Escape", 27, ""),
        "Backspace": ("Backspace", 8, "")}
CTRL = 2
# Seconds after a Tab before the next field is typed: Textual moves the focus once it has handled the
# Tab, and a key that arrives sooner still goes to the field before (a person is never that quick).
FIELD_PAUSE = 0.5


def find_chromium() -> str | None:
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def end(process: subprocess.Popen) -> None:
    """Stop a child of ours: politely, then for sure."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Serve:
    """`deskconsole serve` as a child process, its log lines collected as they come."""

    def __init__(self, db_path: Path, *, lang: str = "en", site: Path | None = None, port: int | None = None,
                 env: dict | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        argv = [sys.executable, "-m", "deskconsole", "--db", str(db_path), "--lang", lang]
        if site is not None:
            argv += ["--site", str(site)]
        argv += ["serve", "--port", str(self.port)]
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        threading.Thread(target=self._read, daemon=True).start()

    def wait_until_listening(self, timeout: float = 60.0) -> None:
        """The server says where it serves before its socket is open: wait for the socket."""
        self.wait_for(r"deskconsole serve[:：] ?http", timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError("the server never listened; its log:\n" + "\n".join(self.lines))
                time.sleep(0.1)

    def _read(self) -> None:
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = 60.0, after: int = 0) -> re.Match:
        """The first log line from line `after` on that matches `pattern` (a regular expression)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    if found := re.search(pattern, line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"no log line like {pattern!r}; the log:\n" + "\n".join(self.lines))
                self._changed.wait(left)

    async def wait_for_async(self, pattern: str, timeout: float = 60.0, after: int = 0) -> re.Match:
        return await asyncio.to_thread(self.wait_for, pattern, timeout, after)

    def stop(self) -> None:
        end(self.process)


class Chromium:
    """Headless Chromium with a fresh profile, and one DevTools connection to it."""

    def __init__(self, executable: str | None = None, size: tuple[int, int] = (1280, 800)) -> None:
        self.executable = executable or find_chromium()
        if self.executable is None:
            raise RuntimeError("no Chromium: apt-get install chromium")
        self.size = size
        self.profile = tempfile.TemporaryDirectory(prefix="deskconsole-chromium-")
        self.process: subprocess.Popen | None = None
        self.session: aiohttp.ClientSession | None = None
        self.ws = None
        self._ids = iter(range(1, 1 << 30))
        self._pending: dict[int, asyncio.Future] = {}
        self._listeners: list[tuple[str, str | None, asyncio.Queue]] = []
        self._reader: asyncio.Task | None = None

    async def __aenter__(self) -> "Chromium":
        width, height = self.size
        self.process = subprocess.Popen(
            [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile.name}",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = Path(self.profile.name) / "DevToolsActivePort"
        for _ in range(300):  # Chromium writes its port here once it listens
            if active.exists() and len(active.read_text().splitlines()) >= 2:
                break
            if self.process.poll() is not None:
                raise RuntimeError(f"Chromium exited with {self.process.returncode}")
            await asyncio.sleep(0.1)
        port, path = active.read_text().splitlines()[:2]
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self.session is not None:
            await self.session.close()
        if self.process is not None:
            end(self.process)
        # Chromium's helpers (crash handler, renderers) outlive its main process by a moment and may
        # still be writing into the profile: try again rather than fail a test on its cleanup.
        for _ in range(20):
            try:
                self.profile.cleanup()
                return
            except OSError:
                await asyncio.sleep(0.25)
        shutil.rmtree(self.profile.name, ignore_errors=True)

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(RuntimeError(f"DevTools: {data['error']}"))
                    else:
                        future.set_result(data.get("result", {}))
            else:
                for method, session, queue in self._listeners:
                    if data.get("method") == method and session in (None, data.get("sessionId")):
                        queue.put_nowait(data.get("params", {}))

    async def send(self, method: str, session: str | None = None, **params) -> dict:
        number = next(self._ids)
        message = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        future = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        await self.ws.send_str(json.dumps(message))
        return await asyncio.wait_for(future, 60)

    def listen(self, method: str, session: str | None = None) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        self._listeners.append((method, session, queue))
        return queue

    async def open(self, url: str, headers: dict[str, str] | None = None) -> "Tab":
        """A new tab at `url`; `headers` go with every request it makes (a proxy's password)."""
        width, height = self.size
        target = (await self.send("Target.createTarget", url="about:blank"))["targetId"]
        session = (await self.send("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
        tab = Tab(self, target, session)
        await self.send("Page.enable", session)
        await self.send("Runtime.enable", session)
        await self.send("Network.enable", session)
        if headers:
            await self.send("Network.setExtraHTTPHeaders", session, headers=headers)
        # A headless window never has the system's focus: without this the page gets no keys.
        await self.send("Emulation.setFocusEmulationEnabled", session, enabled=True)
        await self.send("Page.bringToFront", session)
        await self.send("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                        deviceScaleFactor=1, mobile=False)
        await self.send("Page.navigate", session, url=url)
        return tab


class Tab:
    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session
        self.dialogs = browser.listen("Page.javascriptDialogOpening", session)
        self.requests = browser.listen("Network.requestWillBeSent", session)

    async def send(self, method: str, **params) -> dict:
        return await self.browser.send(method, self.session, **params)

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return result.get("result", {}).get("value")

    async def wait_until(self, expression: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not await self.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never had {expression}")
            await asyncio.sleep(0.1)

    async def type(self, text: str) -> None:
        """Text as a keyboard (or an input method, for Chinese) would give it to the page."""
        await self.send("Input.insertText", text=text)

    async def press(self, key: str, modifiers: int = 0) -> None:
        """A key by name (Enter, Tab, Escape, Backspace), or Ctrl with a letter: press("s", CTRL)."""
        if key in KEYS:
            code, vk, text = KEYS[key]
            name = key
        else:
            code, vk, text, name = f"Key{key.upper()}", ord(key.upper()), "", key
        down = {"type": "rawKeyDown" if modifiers else "keyDown", "key": name, "code": code,
                "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk, "modifiers": modifiers}
        if text and not modifiers:
            down["text"] = text
        await self.send("Input.dispatchKeyEvent", **down)
        await self.send("Input.dispatchKeyEvent", type="keyUp", key=name, code=code, windowsVirtualKeyCode=vk,
                        nativeVirtualKeyCode=vk, modifiers=modifiers)

    async def fill(self, *values: str, then: str = "Tab") -> None:
        """Form fields in order: each value typed, then Tab (or Enter)."""
        for value in values:
            if value:
                await self.type(value)
            await self.press(then)
            await asyncio.sleep(FIELD_PAUSE)

    async def screenshot(self, path: Path) -> None:
        import base64
        data = (await self.send("Page.captureScreenshot", format="png"))["data"]
        Path(path).write_bytes(base64.b64decode(data))

    async def close(self) -> None:
        """Close the tab as a person would; the page asks first while a console is open in it, and
        the person says yes."""
        await self.browser.send("Target.closeTarget", targetId=self.target)
        for _ in range(600):
            targets = (await self.browser.send("Target.getTargets"))["targetInfos"]
            if all(t["targetId"] != self.target for t in targets):
                return
            try:
                await asyncio.wait_for(self.dialogs.get(), 0.1)
            except asyncio.TimeoutError:
                continue
            await self.send("Page.handleJavaScriptDialog", accept=True)
        raise AssertionError("the tab did not close")

    def fetched(self) -> list[str]:
        """Every address the page has asked for so far."""
        urls = []
        while not self.requests.empty():
            urls.append(self.requests.get_nowait()["request"]["url"])
        return urls
