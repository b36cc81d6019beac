"""`deskconsole serve`: the console in a browser tab (deskconsole.web does the serving)."""
from __future__ import annotations

from .. import web
from ..config import Config


def register(sub, common) -> None:
    serve = sub.add_parser("serve", parents=[common],
                           help="the console in a browser tab, one console per tab (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: put a proxy with TLS and a login in front)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.set_defaults(handler=run_serve)


def run_serve(config: Config, args) -> int:
    from .. import db
    db.connect(config.db_url)  # the schema is made or migrated once, here, not by the first tab
    db.close()
    server = web._server_classes()(config, host=args.host, port=args.port, site=args.site)
    server.serve()
    return 0
