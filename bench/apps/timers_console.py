"""The console with some of its timers left out (BENCH_SKIP_TIMERS="tick,feed,terminal,idle": names given
to set_interval), for bench/idle_parts.py: what each timer costs an idle console. deskconsole itself is
not changed.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

try:  # as the `deskconsole` command starts (deskconsole.__main__.main): OpenSSL kept out
    from deskconsole import openssl  # noqa: E402
    openssl.keep_out()
except ImportError:  # an older copy of the package (a "before")
    pass
from deskconsole import app as app_module, cli  # noqa: E402

SKIP = set(filter(None, os.environ.get("BENCH_SKIP_TIMERS", "").split(",")))
_set_interval = app_module.DeskApp.set_interval


def set_interval(self, interval, callback=None, *, name=None, **kwargs):
    if name in SKIP:
        return None
    return _set_interval(self, interval, callback, name=name, **kwargs)


app_module.DeskApp.set_interval = set_interval

if __name__ == "__main__":
    sys.exit(cli.main())
