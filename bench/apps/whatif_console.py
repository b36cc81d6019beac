"""The console with the fixes bench/README.md proposed, for `measure.py --whatif`.

The three fixes it used to patch in at run time have landed in deskconsole (a pane's border
subtitle is assigned only when it changes; the call(status, received_at) index; fromisoformat in
db.UTCDateTimeField), so it now runs deskconsole as it is. It stays as the place to try the next
proposed fixes before they land. Run it like the console:

    .venv/bin/python bench/apps/whatif_console.py --db PATH --operator R1
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

try:  # as the `deskconsole` command starts (deskconsole.__main__.main): OpenSSL kept out
    from deskconsole import openssl  # noqa: E402
    openssl.keep_out()
except ImportError:  # an older copy of the package (a "before")
    pass
from deskconsole import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli.main())
