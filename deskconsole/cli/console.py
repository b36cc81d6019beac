"""`deskconsole` without a sub-command: the console on the configured database."""
from __future__ import annotations

import os
import sys

from .. import db, people
from ..config import Config, ConfigError
from .common import open_db


def theme_problem(config: Config) -> str | None:
    """The site file's theme, if the console has no theme of that name."""
    if config.theme is None:
        return None
    from textual.theme import BUILTIN_THEMES  # the themes DeskApp has: it registers none of its own
    if config.theme not in BUILTIN_THEMES:
        return f"site file: theme {config.theme!r} is not a theme; the themes are: {', '.join(BUILTIN_THEMES)}"
    return None


def start_problems(config: Config) -> list[str]:
    """What the console builds at start from the site file, built now: each problem in one line.
    `deskconsole check` runs this, so "check: ok" means the console will start. (The console itself
    builds the SLA engine in a thread once the sign-on screen is up, see DeskApp.prefetch.)"""
    problems = []
    try:
        config.sla_engine()
    except ConfigError as exc:
        problems.append(str(exc))
    problems += [p for p in (theme_problem(config),) if p]
    return problems


class NoTerminal(ConfigError):
    """The console was started without a terminal (`ssh host cmd`, scp, sftp, a pipe)."""


def need_terminal() -> None:
    """The console draws on a terminal and reads keys from it: without one on standard input and output
    (`ssh host cmd`, scp or sftp against the ForceCommand) it would wait for ever, spinning. Say so
    in one line instead. A console of `deskconsole serve` draws through textual-serve's web driver over
    pipes: it needs none."""
    if "web_driver" in os.environ.get("TEXTUAL_DRIVER", ""):
        return
    for stream in (sys.stdin, sys.stdout):
        try:
            ok = stream is not None and stream.isatty()
        except (ValueError, OSError):
            ok = False
        if not ok:
            raise NoTerminal("the console needs a terminal (ssh -t, or a login session); "
                             "the sub-commands work without one: deskconsole --help")


# Frames per second Textual may paint at (its default is 60): after a key, the screen is painted on the
# next frame, and a change that takes two (a form closing, then the new row) waits for two. At 120 a
# saved call, a filtered pane or a search is on the screen up to 8 ms a frame sooner; an idle console
# paints nothing either way. A TEXTUAL_FPS set in the environment wins.
FRAMES_PER_SECOND = "120"


# glibc's M_ARENA_MAX: at most this many malloc heaps. By default a thread that allocates while another does
# gets a heap of its own (up to 8 a core), and what the reads leave in a worker's heap stays there: with two,
# a console's peak memory is ≈1.6 MB lower (bench/README.md), sign-on as fast.
MALLOC_ARENAS = 2


def _fewer_malloc_heaps() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        ctypes.CDLL(None).mallopt(-8, MALLOC_ARENAS)   # -8: M_ARENA_MAX; before the console starts threads
    except (OSError, AttributeError):
        pass   # not glibc: its own malloc, left as it is


def run(config: Config, args) -> int:
    os.environ.setdefault("TEXTUAL_FPS", FRAMES_PER_SECOND)   # before Textual is imported
    problem = theme_problem(config)
    if problem:
        raise ConfigError(problem)
    open_db(config)   # a migration, if any, with SQLite's default cache
    db.console_cache()
    need_terminal()
    _fewer_malloc_heaps()
    from ..app import DeskApp  # Textual only when a console is wanted
    app = DeskApp(config, operator_code=args.operator)
    app.freeze_heap = True   # the process is this console's alone (see DeskApp._pause_collector)
    people.HASH_IN_CHILD = True   # scrypt's 16 MB in a child, not on top of the console (people._scrypt)
    app.run()
    if app.farewell:
        print(f"deskconsole: {app.farewell}", file=sys.stderr)
    return app.return_code or 0  # 129 when the terminal went away
