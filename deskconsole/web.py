"""`deskconsole serve`: the console in a browser tab, through textual-serve.

Each tab (each websocket) starts a console process of its own, with its own sign-on screen, on the
configured database. textual-serve's server is used as it is, subclassed where the desk needs more:
- the page is the console's own (webpage/index.html): nothing is fetched from outside (the font is
  textual-serve's bundled Roboto Mono; Chinese comes from the PC's fonts, else from a font file
  this server has), the websocket address is taken from the page's own, so a reverse proxy with
  TLS works unchanged, and closing a tab with a console in it asks first;
- at most `[serve] max_consoles` consoles at once; a console whose tab closed is stopped, and
  killed if it has not ended a few seconds later; one whose server died gets SIGTERM (Linux);
- the log says which console opened from which address, who signed on and off there, and when it
  ended; it never prints a traceback or its local variables.
No Textual import: the consoles are other processes.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from .config import Config, ConfigError
from .i18n import _

log = logging.getLogger("deskconsole.serve")

PAGE_DIR = Path(__file__).parent / "webpage"
# Fonts that draw Chinese in a terminal cell, tried in this order on the server when the site file
# names none: Debian's fonts-droid-fallback, fonts-wqy-microhei, fonts-noto-cjk.
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".ttc": "font/collection", ".woff2": "font/woff2",
              ".woff": "font/woff"}
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def cjk_font(config: Config) -> Path | None:
    """The font file this server offers for Chinese, when the PC has none of its own."""
    if config.serve_cjk_font:
        path = Path(config.serve_cjk_font).expanduser()
        if not path.is_file():
            raise ConfigError(f"site file: serve.cjk_font: no font file at {path}")
        return path
    return next((Path(p) for p in CJK_FONT_FILES if Path(p).is_file()), None)


def client_address(request) -> str:
    """The peer, and whom a proxy says it forwards for (logged, never trusted for anything)."""
    peer = request.remote or "?"
    forwarded = request.headers.get("X-Forwarded-For", "").strip()
    return _("{address} via {proxy}", address=forwarded, proxy=peer) if forwarded else peer


def same_origin(request) -> bool:
    """A page of another site may not open consoles here (a browser sends its Origin on a websocket)."""
    origin = request.headers.get("Origin")
    if not origin:
        return True  # not a browser
    return urlsplit(origin).hostname == urlsplit(f"//{request.host}").hostname


def _die_with_parent() -> None:
    """In the console process before it starts: SIGTERM when the server dies (Linux), so no console
    outlives its server, even one killed with SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _server_classes():
    """textual-serve is imported only when `serve` runs."""
    from . import openssl
    openssl.let_in()   # aiohttp's TLS (the consoles it starts keep it out: they are `deskconsole` processes)
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class ConsoleService(AppService):
        """One console process, started without a shell, its end logged, killed if it will not stop."""

        STOP_GRACE = 3.0  # seconds a console has to end after its tab closed

        def __init__(self, argv: list[str], env: dict[str, str], number: int, address: str, **kwargs) -> None:
            super().__init__(" ".join(argv), **kwargs)
            self.argv, self.extra_env, self.number, self.address = argv, env, number, address
            self.operator = ""

        started = 0.0
        stopping = False

        async def _open_app_process(self, width: int = 80, height: int = 24):
            self.started = time.monotonic()
            environment = self._build_environment(width=width, height=height)
            environment.update(self.extra_env)
            PIPE = asyncio.subprocess.PIPE
            self._process = await asyncio.create_subprocess_exec(
                *self.argv, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=environment,
                preexec_fn=_die_with_parent)
            self._stdin = self._process.stdin
            return self._process

        @property
        def pid(self) -> int | None:
            return self._process.pid if self._process is not None else None

        async def run(self) -> None:
            await super().run()
            # The console ended by itself (Ctrl+Q, or it failed): the page says so at once.
            await self.remote_close()

        async def stop(self) -> None:
            process = self._process
            if self.stopping:
                return
            self.stopping = True
            try:
                await asyncio.wait_for(super().stop(), self.STOP_GRACE)
            except asyncio.TimeoutError:
                pass
            if process is not None and process.returncode is None:
                try:
                    process.kill()
                except ProcessLookupError:
                    pass
                log.info(_("console {number}: did not end by itself, killed", number=self.number))
            if process is not None:
                await process.wait()

        async def on_meta(self, data: bytes) -> None:
            import json
            meta = json.loads(data)
            if meta.get("type") != "deskconsole":
                await super().on_meta(data)
                return
            code = str(meta.get("code", ""))[:12]
            if meta.get("event") == "ready":
                log.info(_("console {number}: sign-on screen up after {seconds:.1f} s", number=self.number,
                           seconds=time.monotonic() - self.started))
            elif meta.get("event") == "signed_on":
                self.operator = code
                log.info(_("console {number}: {code} signed on from {address}",
                           number=self.number, code=code, address=self.address))
            elif meta.get("event") == "signed_off":
                log.info(_("console {number}: {code} signed off (no key for a while)", number=self.number,
                           code=code))

    class DeskServer(Server):
        def __init__(self, config: Config, host: str, port: int, site: str | None) -> None:
            super().__init__("deskconsole", host=host, port=port, title=config.site_name)
            self.config = config
            self.site = site
            self.consoles: dict[int, ConsoleService] = {}
            self.numbers = itertools.count(1)
            self.cjk_font = cjk_font(config)
            import jinja2
            self.pages = jinja2.Environment(loader=jinja2.FileSystemLoader(PAGE_DIR), autoescape=True)

        def initialize_logging(self) -> None:
            # One plain line per event (textual-serve's handler prints tracebacks with their locals).
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                                datefmt="%Y-%m-%d %H:%M:%S", stream=sys.stderr, force=True)
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
            # serve's own lines go to its standard error too: the support log's logger ("deskconsole", the
            # parent of this one) keeps its lines off the terminal, so the root logger never sees them.
            if not any(getattr(h, "deskconsole_serve", False) for h in log.handlers):
                stderr = logging.StreamHandler(sys.stderr)
                stderr.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S"))
                stderr.deskconsole_serve = True
                log.addHandler(stderr)
            log.setLevel(logging.INFO)

        def console_argv(self) -> tuple[list[str], dict[str, str]]:
            """The console's command line, and where its database is (in the environment: a
            PostgreSQL URL may hold a password, which a command line would show to `ps`)."""
            argv = [sys.executable, "-m", "deskconsole", "--lang", self.config.language]
            env = {"DESKCONSOLE_DB": self.config.db_url}
            if self.site:
                env["DESKCONSOLE_SITE"] = str(Path(self.site).resolve())
            return argv, env

        async def _make_app(self):
            app = web.Application()
            app.add_routes([
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/fonts/cjk", self.handle_cjk_font, name="cjk_font"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ])
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def on_startup(self, app) -> None:
            where = f"http://{'[' + self.host + ']' if ':' in self.host else self.host}:{self.port}/"
            log.info(_("deskconsole serve: {url} (at most {n} consoles at once; Ctrl+C stops)",
                       url=where, n=self.config.serve_max_consoles))
            if self.host not in LOOPBACK:
                log.warning(_("Listening beyond this machine: anyone who reaches the port gets a sign-on screen, unencrypted. Put a proxy with TLS and a login in front (README: In a browser)."))

        async def on_shutdown(self, app) -> None:
            await asyncio.gather(*(console.stop() for console in list(self.consoles.values())))

        def page(self, **context) -> "web.Response":
            texts = {
                "title": self.config.site_name, "lang": "zh-CN" if self.config.language == "zh" else "en",
                "connecting": _("Connecting to the console…"), "ended": _("The console has ended."),
                "restart": _("New console"), "start": _("Start"),
                "cjk_font_url": "fonts/cjk" if self.cjk_font else "",
            }
            html = self.pages.get_template("index.html").render(**texts, **context)
            headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                       "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}
            return web.Response(text=html, content_type="text/html", status=context.get("status", 200),
                                headers=headers)

        def busy(self) -> bool:
            return len(self.consoles) >= self.config.serve_max_consoles

        async def handle_index(self, request):
            font_size = request.query.get("fontsize", "16")
            font_size = int(font_size) if font_size.isdigit() and 8 <= int(font_size) <= 48 else 16
            if self.busy():
                return self.page(status=503, font_size=font_size, busy=_(
                    "All {n} consoles are in use. Close a console in another tab, then reload this page.",
                    n=self.config.serve_max_consoles))
            return self.page(font_size=font_size, busy="")

        async def handle_cjk_font(self, request):
            if self.cjk_font is None:
                raise web.HTTPNotFound()
            content_type = FONT_TYPES.get(self.cjk_font.suffix.lower(), "application/octet-stream")
            return web.FileResponse(self.cjk_font, headers={"Content-Type": content_type,
                                                            "Cache-Control": "max-age=86400"})

        async def handle_websocket(self, request):
            if not same_origin(request):
                log.warning(_("refused a console to a page of another site ({origin}) from {address}",
                              origin=request.headers.get("Origin", ""), address=client_address(request)))
                raise web.HTTPForbidden()
            if self.busy():
                raise web.HTTPServiceUnavailable()
            width = _cells(request.query.get("width"), 80)
            height = _cells(request.query.get("height"), 24)
            websocket = web.WebSocketResponse(heartbeat=15)
            number = next(self.numbers)
            address = client_address(request)
            argv, env = self.console_argv()
            console = ConsoleService(argv, env, number, address, write_bytes=websocket.send_bytes,
                                     write_str=websocket.send_str, close=websocket.close,
                                     download_manager=self.download_manager)
            self.consoles[number] = console
            try:
                await websocket.prepare(request)
                await console.start(width, height)
                log.info(_("console {number} opened from {address} (process {pid}; {open} of {n} open)",
                           number=number, address=address, pid=console.pid, open=len(self.consoles),
                           n=self.config.serve_max_consoles))
                await self._process_messages(websocket, console)
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # a bad message from a page: that console ends, the server goes on
                log.warning(_("console {number}: {error}", number=number, error=type(exc).__name__))
            finally:
                await console.stop()
                del self.consoles[number]
                await websocket.close()
                log.info(_("console {number} ended (process {pid}{who})", number=number, pid=console.pid,
                           who=f", {console.operator}" if console.operator else ""))
            return websocket

    return DeskServer


def _cells(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and 10 <= int(value) <= 1000 else default

