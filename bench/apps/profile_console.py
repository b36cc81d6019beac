"""The console with cProfile around the 1 s tick, the feed poll and the reload's display step
(`_show`), written to $BENCH_PROFILE (a pstats file) when the app exits. For finding where idle CPU
and sign-on time go; deskconsole itself is not changed.

    .venv/bin/python bench/profile.py idle|signon|change      (runs this under a pseudo-terminal)
"""
import atexit
import cProfile
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

try:  # as the `deskconsole` command starts (deskconsole.__main__.main): OpenSSL kept out
    from deskconsole import openssl  # noqa: E402
    openssl.keep_out()
except ImportError:  # an older copy of the package (a "before")
    pass
from deskconsole import app as app_module, cli, console_data  # noqa: E402
from deskconsole.screens import console as console_screen  # noqa: E402

PROFILE = cProfile.Profile()
OUT = os.environ.get("BENCH_PROFILE", "/tmp/deskconsole.prof")


def profiled(cls, name):
    original = getattr(cls, name)

    def wrapper(*args, **kwargs):
        PROFILE.enable()
        try:
            return original(*args, **kwargs)
        finally:
            PROFILE.disable()
    setattr(cls, name, wrapper)


if not os.environ.get("BENCH_PROFILE_SIGNALS"):
    profiled(console_screen.ConsoleScreen, "tick")
    profiled(app_module.DeskApp, "poll_feed")
    profiled(app_module.DeskApp, "_show")
if os.environ.get("BENCH_PROFILE_LOAD"):
    # The reload thread: profiled on its own (cProfile follows one thread).
    _load = console_data.load
    LOAD = cProfile.Profile()

    def load(*args, **kwargs):
        LOAD.enable()
        try:
            return _load(*args, **kwargs)
        finally:
            LOAD.disable()
            LOAD.dump_stats(OUT + ".load")
    console_data.load = load
atexit.register(lambda: PROFILE.dump_stats(OUT))
if os.environ.get("BENCH_PROFILE_SIGNALS"):
    # `profile.py change`: the whole main thread (Textual's paint included) from SIGUSR1 to SIGUSR2.
    import signal
    signal.signal(signal.SIGUSR1, lambda *_: PROFILE.enable())
    signal.signal(signal.SIGUSR2, lambda *_: PROFILE.disable())

if __name__ == "__main__":
    sys.exit(cli.main())
