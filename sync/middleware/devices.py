"""Per-device bookkeeping inside the ingest transaction: last seen, malformed count, the
latest status (online/offline, from the retained status topic) and the latest telemetry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.messages import StatusReceived, TelemetryReceived
from sync.middleware.snapshots import InsertFactory


@dataclass
class DeviceChange:
    """What one batch changes for one device (mutable while a batch is being planned)."""

    malformed: int = 0
    status: StatusReceived | None = None
    telemetry: TelemetryReceived | None = None


def update_device(
    conn: Connection, insert: InsertFactory, device_id: str, change: DeviceChange, now: datetime
) -> None:
    """Upsert the device row: refresh last_seen, add malformed, keep the latest status."""
    values: dict[str, Any] = {"last_seen": now}
    if change.status is not None:
        values.update(state=change.status.state, status_ts=change.status.ts, status_at=now)
    if change.telemetry is not None:
        values.update(
            telemetry=change.telemetry.body,
            telemetry_at=now,
            queue_count=change.telemetry.queue_count,
        )
    stmt = insert(t.devices).values(device_id=device_id, malformed=change.malformed, **values)
    updates = dict(values, malformed=t.devices.c.malformed + change.malformed)
    conn.execute(stmt.on_conflict_do_update(index_elements=["device_id"], set_=updates))
