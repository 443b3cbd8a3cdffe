"""``perfume-kiosk middleware|device|ledger ...`` subcommands."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    del sub
