"""The stock part of the service menu's value types: reason codes, thresholds, per-channel
and per-slot stock with lots, warnings, and the conversions (ml → µl, lots still in stock).
Re-exported by :mod:`kiosk.service.stock`."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.service.errors import StockError
from sync.protocol import Event, EventType, Unit

LOT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,31}")
MAX_REFILL_UL = 5_000_000  # 5 litres in one refill is a typo
MAX_REFILL_UNITS = 500
NOTE_MAX = 200


class AdjustmentReason(enum.Enum):
    DAMAGED = "damaged"
    COUNT_CORRECTION = "count_correction"
    THEFT = "theft"
    EXPIRED = "expired"


class WarningKind(enum.Enum):
    LOW_LEVEL = "low_level"
    EXPIRING = "expiring"
    EXPIRED = "expired"


@dataclass(frozen=True)
class StockThresholds:
    low_ul: int = 5_000  # a channel below 5 ml is low
    low_units: int = 2
    expiry_days: int = 30
    channel_low_ul: Mapping[int, int] = field(default_factory=dict)  # per channel (1-based)
    slot_low_units: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Lot:
    lot: str
    expiry: date | None
    qty: int  # what that refill added
    seq: int


@dataclass(frozen=True)
class ChannelStock:
    channel: int
    sku: str
    product_id: str
    on_hand_ul: int
    dose_ul: int
    low: bool
    lots: tuple[Lot, ...]
    earliest_expiry: date | None

    @property
    def doses_left(self) -> int:
        return max(0, self.on_hand_ul) // self.dose_ul

    @property
    def on_hand_ml(self) -> Decimal:
        return Decimal(self.on_hand_ul) / 1000


@dataclass(frozen=True)
class SlotStock:
    slot: int
    sku: str
    product_id: str
    size_ml: int
    on_hand: int
    low: bool
    lots: tuple[Lot, ...]
    earliest_expiry: date | None


@dataclass(frozen=True)
class StockWarning:
    kind: WarningKind  # its value is the message key
    target: str  # "channel" or "slot"
    position: int  # 1-based
    sku: str
    on_hand: int
    expiry: date | None = None


@dataclass(frozen=True)
class StockOverview:
    channels: tuple[ChannelStock, ...]
    slots: tuple[SlotStock, ...]
    warnings: tuple[StockWarning, ...]


@dataclass(frozen=True)
class StockMoved:
    sku: str
    event_type: EventType
    qty: int  # signed change, in the SKU's unit
    unit: Unit
    seq: int
    on_hand_after: int


def ml_to_ul(value: Decimal) -> int:
    """Millilitres (at most 3 decimals) to integer microlitres; StockError ``bad_quantity``."""
    try:
        ul = Decimal(value) * 1000
        if not ul.is_finite() or ul != ul.to_integral_value():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        raise StockError("bad_quantity", f"{value!r} is not a quantity in ml") from None
    return int(ul)


def lots_in_stock(restocks: list[Event], on_hand: int) -> tuple[Lot, ...]:
    """The lots still in stock: newest refills first until they cover ``on_hand``."""
    lots: list[Lot] = []
    covered = 0
    for event in sorted(restocks, key=lambda e: e.seq, reverse=True):
        if covered >= on_hand:
            break
        expiry = _date_or_none(event.data.get("expiry"))
        lots.append(Lot(str(event.data.get("lot", "")), expiry, event.qty, event.seq))
        covered += event.qty
    return tuple(lots)


def _date_or_none(raw: Any) -> date | None:
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def earliest(lots: tuple[Lot, ...]) -> date | None:
    dates = [lot.expiry for lot in lots if lot.expiry is not None]
    return min(dates) if dates else None
