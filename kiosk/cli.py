"""The ``perfume-kiosk`` command: one console script with subcommands.

Each area registers its own subcommands (``hardware.cli``, ``sync.cli``, ``kiosk.run``); this
module parses, sets up logging, and turns every expected failure into one clear error line and
a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from hardware.common.errors import HardwareError
from hardware.common.pan import RedactingFilter
from sync.errors import SyncError

log = logging.getLogger("perfume-kiosk")


# Each top-level command and the module that registers it. Only the module of the command
# being run is imported, so a device's ``perfume-kiosk device simulate`` does not pay for the
# middleware's or every driver's imports at each (re)start.
COMMANDS = {
    "run": "kiosk.run",
    "device": "kiosk.devicesim",
    "ledger": "sync.cli",
    "middleware": "sync.middleware.cli",
    "hardware": "hardware.cli",
    "screenshots": "kiosk.ui.screenshots",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfume-kiosk", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is None or only == name:
            importlib.import_module(module).register(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    words = list(argv)
    for i, word in enumerate(words):
        if word == "--log-level":
            continue
        if i and words[i - 1] == "--log-level":
            continue
        if word.startswith("-"):
            return None
        return word if word in COMMANDS else None
    return None


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(words))
    args = parser.parse_args(words)
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
