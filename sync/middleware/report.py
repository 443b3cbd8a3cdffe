"""The middleware's status view: per stream and per device, read from the database.

:func:`read_status` returns a frozen :class:`StatusReport`; ``to_json()`` gives the document
``perfume-kiosk middleware status`` prints (fields described in docs/middleware.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.ingest import as_utc


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    online: bool | None  # None until a status message was seen
    last_seen: datetime | None
    queue_depth: int | None  # the device outbox count from its latest telemetry
    telemetry_at: datetime | None
    malformed: int  # every malformed message or event from this device

    def to_json(self) -> dict[str, Any]:
        return {
            "deviceId": self.device_id,
            "online": self.online,
            "lastSeen": iso_utc(self.last_seen),
            "queueDepth": self.queue_depth,
            "telemetryAt": iso_utc(self.telemetry_at),
            "malformed": self.malformed,
        }


@dataclass(frozen=True)
class StreamStatus:
    device_id: str
    epoch: int
    high_water_mark: int
    events_stored: int
    duplicates_dropped: int
    conflicts: int
    gaps_requested: int
    open_gap: tuple[int, int] | None
    beyond_window: int
    malformed: int
    open_discrepancies: int
    last_event_at: datetime | None
    device: DeviceStatus | None

    def to_json(self) -> dict[str, Any]:
        device = self.device
        return {
            "deviceId": self.device_id,
            "epoch": self.epoch,
            "highWaterMark": self.high_water_mark,
            "eventsStored": self.events_stored,
            "duplicatesDropped": self.duplicates_dropped,
            "conflicts": self.conflicts,
            "gapsRequested": self.gaps_requested,
            "openGap": list(self.open_gap) if self.open_gap else None,
            "beyondWindowDropped": self.beyond_window,
            "malformed": self.malformed,
            "openDiscrepancies": self.open_discrepancies,
            "lastEventAt": iso_utc(self.last_event_at),
            "online": device.online if device else None,
            "lastSeen": iso_utc(device.last_seen) if device else None,
            "queueDepth": device.queue_depth if device else None,
        }


@dataclass(frozen=True)
class StatusReport:
    streams: tuple[StreamStatus, ...]
    devices: tuple[DeviceStatus, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "streams": [s.to_json() for s in self.streams],
            "devices": [d.to_json() for d in self.devices],
        }


def read_status(engine: Engine, device_id: str | None = None) -> StatusReport:
    with engine.connect() as conn:
        devices = _devices(conn, device_id)
        return StatusReport(_streams(conn, device_id, devices), tuple(devices.values()))


def _devices(conn: Connection, device_id: str | None) -> dict[str, DeviceStatus]:
    d = t.devices.c
    query = select(t.devices).order_by(d.device_id)
    if device_id is not None:
        query = query.where(d.device_id == device_id)
    found = {}
    for row in conn.execute(query):
        online = None if row.state is None else row.state == "online"
        found[row.device_id] = DeviceStatus(
            device_id=row.device_id,
            online=online,
            last_seen=_utc(row.last_seen),
            queue_depth=row.queue_count,
            telemetry_at=_utc(row.telemetry_at),
            malformed=int(row.malformed),
        )
    return found


def _streams(
    conn: Connection, device_id: str | None, devices: dict[str, DeviceStatus]
) -> tuple[StreamStatus, ...]:
    x = t.discrepancies.c
    open_counts = {
        (str(dev), int(epoch)): int(n)
        for dev, epoch, n in conn.execute(
            select(x.device_id, x.epoch, func.count())
            .where(x.status == "open")
            .group_by(x.device_id, x.epoch)
        )
    }
    s = t.streams.c
    query = select(t.streams).order_by(s.device_id, s.epoch)
    if device_id is not None:
        query = query.where(s.device_id == device_id)
    result = []
    for row in conn.execute(query):
        gap = None if row.gap_from is None else (int(row.gap_from), int(row.gap_to))
        result.append(
            StreamStatus(
                device_id=row.device_id,
                epoch=int(row.epoch),
                high_water_mark=int(row.high_water),
                events_stored=int(row.events_stored),
                duplicates_dropped=int(row.duplicates_dropped),
                conflicts=int(row.conflicts),
                gaps_requested=int(row.gaps_requested),
                open_gap=gap,
                beyond_window=int(row.beyond_window),
                malformed=int(row.malformed),
                open_discrepancies=open_counts.get((row.device_id, int(row.epoch)), 0),
                last_event_at=_utc(row.last_seen),
                device=devices.get(row.device_id),
            )
        )
    return tuple(result)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def iso_utc(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC with milliseconds and ``Z`` (None stays None)."""
    if value is None:
        return None
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
