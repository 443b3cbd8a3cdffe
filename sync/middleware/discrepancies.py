"""Reviewing snapshot discrepancies: list them, resolve each one once with a recorded decision.

:func:`list_discrepancies` reads them (by device and status); :func:`resolve` closes one open
discrepancy with an action, the operator, a note and the time, all kept on the discrepancy
row. Columns rather than a history table: a discrepancy goes from open to resolved exactly once
and is never reopened (a difference that persists comes back from the next snapshot as a new
row), so the row itself is the whole, queryable trail. The actions:

- ``accept_device``: the device's figure is right. The middleware's projection is corrected,
  never silently: a ``projection_adjustments`` row (the discrepancy id, operator, time, the
  signed delta from the discrepancy's ``seq`` on) and the same delta on the projection, in one
  transaction. The delta brings the projection *at that seq* to the device's quantity, so it is
  computed from the projection as it is now, not from the stored difference. Only the latest
  discrepancy of a SKU can be accepted this way (an older one is superseded: dismiss it), and
  only a ``quantity`` or ``missing_in_middleware`` one: a ``unit`` mismatch has no numeric
  correction, and a SKU missing on the device cannot be removed from the middleware's events.
- ``accept_middleware``: the middleware's figure is right; the device's counter must be put
  right on the device. Recorded only; the next snapshot shows whether it was.
- ``dismiss``: reviewed, nothing to correct. Recorded only.

Every refusal (unknown id, already resolved, an action that does not apply) is a
:class:`ReviewError` with one clear line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from sync.errors import ConfigError, SyncError
from sync.middleware import schema as t
from sync.middleware.db import write_transaction
from sync.middleware.ingest import as_utc
from sync.middleware.messages import StreamKey
from sync.middleware.report import iso_utc
from sync.middleware.snapshots import MISSING_IN_MIDDLEWARE, QUANTITY, projection_at

OPEN = "open"
RESOLVED = "resolved"
ACCEPT_DEVICE = "accept_device"
ACCEPT_MIDDLEWARE = "accept_middleware"
DISMISS = "dismiss"
ACTIONS = (ACCEPT_DEVICE, ACCEPT_MIDDLEWARE, DISMISS)
STATUSES = (OPEN, RESOLVED, "all")
OPERATOR_MAX = 64


class ReviewError(SyncError):
    """A resolve that cannot be done: unknown id, already resolved, or a refused action."""


@dataclass(frozen=True)
class Adjustment:
    delta: int
    seq: int


@dataclass(frozen=True)
class Discrepancy:
    """One discrepancy as stored; a side's quantity is None when the SKU is missing there."""

    id: int
    device_id: str
    epoch: int
    seq: int
    snapshot_id: int
    sku: str
    kind: str
    device_qty: int | None
    device_unit: str | None
    middleware_qty: int | None
    middleware_unit: str | None
    detected_at: datetime
    status: str
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    note: str | None
    adjustment: Adjustment | None

    def to_json(self) -> dict[str, Any]:
        resolution = None
        if self.status == RESOLVED:
            adj = self.adjustment
            resolution = {
                "action": self.resolution,
                "operator": self.resolved_by,
                "at": iso_utc(self.resolved_at),
                "note": self.note,
                "adjustment": {"delta": adj.delta, "seq": adj.seq} if adj else None,
            }
        return {
            "id": self.id,
            "deviceId": self.device_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "snapshotId": self.snapshot_id,
            "sku": self.sku,
            "kind": self.kind,
            "device": _side(self.device_qty, self.device_unit),
            "middleware": _side(self.middleware_qty, self.middleware_unit),
            "detectedAt": iso_utc(self.detected_at),
            "status": self.status,
            "resolution": resolution,
        }

    def to_line(self) -> str:
        """One line for a terminal: what differs, and how it was resolved if it was."""
        line = (
            f"#{self.id} {self.device_id} epoch {self.epoch} seq {self.seq} {self.sku}"
            f" {self.kind}: device {_text(self.device_qty, self.device_unit)},"
            f" middleware {_text(self.middleware_qty, self.middleware_unit)};"
            f" {self.status}"
        )
        if self.status == RESOLVED:
            line += f" ({self.resolution} by {self.resolved_by} at {iso_utc(self.resolved_at)})"
        return line


def list_discrepancies(
    engine: Engine, *, device_id: str | None = None, status: str = OPEN
) -> tuple[Discrepancy, ...]:
    """Discrepancies by id, of one device or all, ``open``, ``resolved`` or ``all``."""
    if status not in STATUSES:
        raise ConfigError(f"bad status {status!r}: one of {', '.join(STATUSES)}")
    query = _query()
    x = t.discrepancies.c
    if device_id is not None:
        query = query.where(x.device_id == device_id)
    if status != "all":
        query = query.where(x.status == status)
    with engine.connect() as conn:
        return tuple(_discrepancy(row) for row in conn.execute(query.order_by(x.id)))


def resolve(
    engine: Engine,
    discrepancy_id: int,
    *,
    operator: str,
    note: str,
    action: str,
    now: datetime | None = None,
) -> Discrepancy:
    """Resolve one open discrepancy with ``action`` in one transaction; return it resolved."""
    operator, note = operator.strip(), note.strip()
    if not operator or len(operator) > OPERATOR_MAX:
        raise ConfigError(f"bad operator {operator!r}: 1-{OPERATOR_MAX} characters")
    if not note:
        raise ConfigError("a resolution needs a --note saying why")
    if action not in ACTIONS:
        raise ConfigError(f"bad action {action!r}: one of {', '.join(ACTIONS)}")
    when = now or datetime.now(UTC)

    def work(conn: Connection) -> Discrepancy:
        x = t.discrepancies.c
        query = _query().where(x.id == discrepancy_id).with_for_update(of=t.discrepancies)
        row = conn.execute(query).first()
        if row is None:
            raise ReviewError(f"no discrepancy {discrepancy_id}")
        found = _discrepancy(row)
        if found.status != OPEN:
            raise ReviewError(
                f"discrepancy {discrepancy_id} is already resolved ({found.resolution} by "
                f"{found.resolved_by} at {iso_utc(found.resolved_at)})"
            )
        if action == ACCEPT_DEVICE:
            _accept_device(conn, found, operator, when)
        conn.execute(
            update(t.discrepancies)
            .where(x.id == discrepancy_id, x.status == OPEN)
            .values(
                status=RESOLVED,
                resolved_at=when,
                resolved_by=operator,
                resolution=action,
                resolution_note=note,
            )
        )
        return _discrepancy(conn.execute(_query().where(x.id == discrepancy_id)).one())

    return write_transaction(engine, work)


def _accept_device(conn: Connection, found: Discrepancy, operator: str, when: datetime) -> None:
    """Move the projection so that, at the discrepancy's seq, it shows the device's quantity."""
    if found.kind not in (QUANTITY, MISSING_IN_MIDDLEWARE) or found.device_qty is None:
        raise ReviewError(
            f"discrepancy {found.id} ({found.kind}) cannot be resolved with {ACCEPT_DEVICE}: "
            f"use {ACCEPT_MIDDLEWARE} or {DISMISS} and put the device right"
        )
    x = t.discrepancies.c
    later = conn.execute(
        select(x.id, x.seq)
        .where(
            x.device_id == found.device_id,
            x.epoch == found.epoch,
            x.sku == found.sku,
            x.seq > found.seq,
        )
        .order_by(x.seq.desc())
        .limit(1)
    ).first()
    if later is not None:
        raise ReviewError(
            f"discrepancy {found.id} is superseded by discrepancy {later.id} (seq {later.seq}) "
            f"for {found.sku}: accept the latest one and dismiss this"
        )
    s = t.streams.c
    key = StreamKey(found.device_id, found.epoch)
    high = conn.execute(  # the ingest locks this row too: no snapshot check runs meanwhile
        select(s.high_water)
        .where(s.device_id == key.device_id, s.epoch == key.epoch)
        .with_for_update()
    ).scalar_one()
    current = projection_at(conn, key, found.seq, int(high)).get(found.sku)
    if current is not None and current.unit != found.device_unit:
        raise ReviewError(
            f"discrepancy {found.id}: the middleware now counts {found.sku} in "
            f"{current.unit!r}, the device in {found.device_unit!r}: no numeric correction"
        )
    delta = found.device_qty - (current.qty if current else 0)
    conn.execute(
        t.projection_adjustments.insert().values(
            device_id=key.device_id,
            epoch=key.epoch,
            sku=found.sku,
            seq=found.seq,
            delta=delta,
            unit=found.device_unit,
            discrepancy_id=found.id,
            operator=operator,
            at=when,
        )
    )
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(t.projection).values(
        device_id=key.device_id, epoch=key.epoch, sku=found.sku, qty=delta
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["device_id", "epoch", "sku"],
            set_={"qty": t.projection.c.qty + stmt.excluded.qty},
        )
    )


def _query() -> Any:
    x, a = t.discrepancies.c, t.projection_adjustments.c
    joined = t.discrepancies.outerjoin(t.projection_adjustments, a.discrepancy_id == x.id)
    return select(t.discrepancies, a.delta.label("adj_delta"), a.seq.label("adj_seq")).select_from(
        joined
    )


def _discrepancy(row: Row[Any]) -> Discrepancy:
    return Discrepancy(
        id=int(row.id),
        device_id=str(row.device_id),
        epoch=int(row.epoch),
        seq=int(row.seq),
        snapshot_id=int(row.snapshot_id),
        sku=str(row.sku),
        kind=str(row.kind),
        device_qty=_int(row.device_qty),
        device_unit=row.device_unit,
        middleware_qty=_int(row.middleware_qty),
        middleware_unit=row.middleware_unit,
        detected_at=as_utc(row.detected_at),
        status=str(row.status),
        resolved_at=None if row.resolved_at is None else as_utc(row.resolved_at),
        resolved_by=row.resolved_by,
        resolution=row.resolution,
        note=row.resolution_note,
        adjustment=None
        if row.adj_delta is None
        else Adjustment(int(row.adj_delta), int(row.adj_seq)),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _side(qty: int | None, unit: str | None) -> dict[str, Any] | None:
    return None if qty is None else {"qty": qty, "unit": unit}


def _text(qty: int | None, unit: str | None) -> str:
    return "missing" if qty is None else f"{qty} {unit or '(no unit)'}"
