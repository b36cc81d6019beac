"""OpenSSL is kept out of the `deskconsole` process until something needs it.

`hashlib` and `asyncio` load OpenSSL (libcrypto and libssl, through `_hashlib` and `ssl`) on import,
and a console touches 4.7 MB of them (of 60 MB at most, issue 21) for nothing: its SHA-256 comes from
Python's own `_sha256`, its PIN's scrypt runs in a child process (people._scrypt) and it speaks no TLS.
The command's entry (`deskconsole.__main__.main`) calls `keep_out` before anything is imported;
`let_in` undoes it where OpenSSL is wanted: the PIN's scrypt computed in this process, a PostgreSQL
connection (libpq's TLS), the browser console's web server. A process that never called `keep_out`
(the tests, a script importing the package) is not affected.
"""
from __future__ import annotations

import importlib
import sys

_MODULES = ("_hashlib", "ssl")


def keep_out() -> None:
    """Make `import _hashlib` and `import ssl` fail until `let_in`: hashlib falls back on Python's own
    digests, asyncio and the others on no TLS. Does nothing to a module already imported."""
    for name in _MODULES:
        sys.modules.setdefault(name, None)


def let_in() -> None:
    """Undo `keep_out`; hashlib is loaded again so that it has OpenSSL's functions (scrypt)."""
    kept_out = [name for name in _MODULES if name in sys.modules and sys.modules[name] is None]
    for name in kept_out:
        del sys.modules[name]
    if "_hashlib" in kept_out and "hashlib" in sys.modules:
        importlib.reload(sys.modules["hashlib"])


def scrypt():
    """hashlib.scrypt (OpenSSL's), letting OpenSSL in if it was kept out."""
    import hashlib
    if not hasattr(hashlib, "scrypt"):
        let_in()
    return hashlib.scrypt
