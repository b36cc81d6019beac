"""The support log: what a support person needs to know afterwards, in a rotating file.

One file per user account, `deskconsole.log` in the platform's log folder (platformdirs; on Linux
~/.local/state/deskconsole/log), or the folder $DESKCONSOLE_LOG_DIR names. Each line carries the
console (user, host, process, terminal) and the operator signed on there. It records sign-ons and
sign-offs, refusals, store errors, the database going away, migrations and crashes (their traceback
without local variables). It never holds a PIN, and long digit runs (ID numbers, phone numbers) are
cut to their last four digits. A log folder that cannot be written leaves the program working,
without a log.
"""
from __future__ import annotations

import getpass
import logging
import logging.handlers
import os
import re
import socket
import traceback
from pathlib import Path

import platformdirs

from .i18n import _
from .text import clean

ENV_LOG_DIR = "DESKCONSOLE_LOG_DIR"
FILE_NAME = "deskconsole.log"
MAX_BYTES = 1_000_000
BACKUPS = 5

logger = logging.getLogger("deskconsole")
logger.propagate = False  # never onto a terminal through the root logger
logger.addHandler(logging.NullHandler())  # nor through logging's last resort, before setup()
_operator = "-"
_handler: logging.Handler | None = None

# Six digits or more (an ID number may end in X): only the last four are kept.
_LONG_RUN = re.compile(r"\d{6,}[Xx]?")


def redact(text: str) -> str:
    """Digit runs of six or more (ID numbers, phone numbers) cut to their last four digits."""
    return _LONG_RUN.sub(lambda m: "…" + m.group(0)[-4:], str(text))


def log_dir() -> Path:
    return Path(os.environ.get(ENV_LOG_DIR) or platformdirs.user_log_dir("deskconsole"))


def log_path() -> Path:
    return log_dir() / FILE_NAME


def console_id() -> str:
    """Who and where this console is: user@host, process id, terminal."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    tty = "-"
    for fd in (0, 1):
        try:
            tty = os.ttyname(fd).removeprefix("/dev/")
            break
        except OSError:
            continue
    return f"{user}@{socket.gethostname()} pid {os.getpid()} {tty}"


class _Context(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.console = console_id()

    def filter(self, record: logging.LogRecord) -> bool:
        record.console = self.console
        record.operator = _operator
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def setup() -> Path | None:
    """Start writing the log (once per process); the file's path, or None when it cannot be written."""
    global _handler
    if _handler is not None:
        return Path(getattr(_handler, "baseFilename", "")) or None
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8", delay=False)
    except OSError:
        _handler = logging.NullHandler()
        logger.addHandler(_handler)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(console)s] [%(operator)s] %(message)s"))
    handler.addFilter(_Context())
    handler.handleError = lambda record: None  # a full disk must not stop the console
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    _handler = handler
    return path


def stop() -> None:
    """Close the log file (tests start another in another folder)."""
    global _handler
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None


def set_operator(code: str | None) -> None:
    """The operator signed on at this console, recorded on every line after."""
    global _operator
    _operator = code or "-"


def info(message: str) -> None:
    logger.info(message)


def warning(message: str) -> None:
    logger.warning(message)


def crash(error: BaseException) -> str:
    """An error nobody foresaw: its traceback into the log (file, line and code, never the values of
    variables), and the one line a person is shown instead."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    logger.error("unexpected error: %s", text.rstrip())
    first = clean(redact(str(error).splitlines()[0] if str(error) else ""))[:200]
    return _("stopped on an unexpected error ({kind}{error}); what was saved is safe. Details for support: {path}",
             kind=type(error).__name__, error=f": {first}" if first else "", path=log_path())
