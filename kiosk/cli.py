"""The ``perfume-kiosk`` command: one console script with subcommands.

Each area registers its own subcommands (``hardware.cli``, ``sync.cli``, ``kiosk.run``); this
module parses, sets up logging, and turns every expected failure into one clear error line and
a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from hardware.common.errors import HardwareError
from hardware.common.pan import RedactingFilter
from sync.errors import SyncError

log = logging.getLogger("perfume-kiosk")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfume-kiosk", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from hardware import cli as hardware_cli
    from sync import cli as sync_cli

    sync_cli.register(sub)
    hardware_cli.register(sub)
    from kiosk import devicesim
    from kiosk import run as run_cli

    devicesim.register(sub)
    run_cli.register(sub)
    return parser


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    try:
        return int(args.handler(args) or 0)
    except (SyncError, HardwareError, OSError) as exc:
        log.debug("command failed", exc_info=True)
        print(f"perfume-kiosk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
