"""What the service view-model hands the screens besides the domain's own results: markers
for actions that return nothing (a void, a closed review, the maintenance switch, a restart, a
new PIN), everything the diagnostics section shows read at once, and the keypad's number
parser."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kiosk.service import (
    ChannelStock,
    DepthSample,
    DeviceInfo,
    FaultRecord,
    HourBucket,
    SyncStatus,
    Versions,
)


@dataclass(frozen=True)
class Voided:
    txn_id: str


@dataclass(frozen=True)
class ReviewResolved:
    txn_id: str


@dataclass(frozen=True)
class MaintenanceSet:
    on: bool


@dataclass(frozen=True)
class RestartRequested:
    pass


@dataclass(frozen=True)
class PinChanged:
    pass


@dataclass(frozen=True)
class Diagnosis:
    """Everything the diagnostics section shows, read at once."""

    devices: tuple[DeviceInfo, ...]
    faults: tuple[FaultRecord, ...]
    sync: SyncStatus
    versions: Versions
    sales: tuple[HourBucket, ...]
    levels: tuple[ChannelStock, ...]
    depth: tuple[DepthSample, ...]
    ports: tuple[str, ...]


def parse_decimal(text: str) -> Decimal | None:
    """A number typed on the keypad ("12.5", "12,5"); None if it is not one."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
