"""``perfume-kiosk ledger ...`` subcommands.

``ledger status --data-dir DIR`` prints the device ledger's state as JSON (last and acked
sequence, pending count and bytes, per-SKU on-hand, paused or not). The middleware's own
commands live in ``sync.middleware.cli``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    ledger = sub.add_parser("ledger", help="inspect the device ledger")
    actions = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="print the ledger's state as JSON")
    status.add_argument("--data-dir", type=Path, required=True)
    status.set_defaults(handler=_ledger_status)


def _ledger_status(args: argparse.Namespace) -> int:
    from sync.ledger import Ledger

    ledger = Ledger.open(args.data_dir, None)
    try:
        status = ledger.status().to_json()
    finally:
        ledger.close()
    print(json.dumps(status, indent=2, sort_keys=True))
    return 0
