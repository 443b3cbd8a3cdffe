"""``perfume-kiosk hardware ...`` subcommands: probe configured devices, serve simulators."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "hardware", help="card readers, dispenser, scanner"
    )
    parser.add_subparsers(dest="hardware_command", required=True, metavar="ACTION")
