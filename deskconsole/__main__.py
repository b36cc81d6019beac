"""`deskconsole` (the console script) and `python -m deskconsole`."""
import sys


def main() -> int:
    from . import openssl
    openssl.keep_out()   # before the first import of hashlib or asyncio (see openssl)
    from .cli import main as cli_main
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
