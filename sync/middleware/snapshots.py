"""Device snapshots checked against the middleware's projection (inside the ingest transaction).

A snapshot is stored as *pending*; once the stream's high-water mark ``H`` reaches its
``lastSeq`` it is compared with the projection *at lastSeq*: the current projection minus the
stock effects of the stored events in ``(lastSeq, H]`` and of the review corrections
(``projection_adjustments``) recorded after ``lastSeq``. Every differing SKU becomes one open
discrepancy of one kind: ``missing_on_device`` / ``missing_in_middleware`` (that side's
quantity NULL, never a silent 0), ``unit`` (the two sides count the SKU in different units, so
the quantities are not compared), or ``quantity``. Nothing is corrected automatically: a
review does that (:mod:`sync.middleware.discrepancies`).

The middleware knows a SKU at ``lastSeq`` when the device must have an on-hand row for it: a
stored event up to ``lastSeq`` that moves its stock (or any ``RESTOCK``, even of 0, which the
device's ledger also opens a row for), or a review correction. Its unit is the unit of the
first such event, as on the device, whose row takes the unit of the event that creates it.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.messages import StreamKey
from sync.protocol import EventType, Snapshot, canonical_json, stock_delta

log = logging.getLogger(__name__)

InsertFactory = Callable[[Any], Any]  # postgresql.insert or sqlite.insert (ON CONFLICT aware)

PENDING = "pending"
MATCHED = "matched"
MISMATCHED = "mismatched"

# Discrepancy kinds (column ``discrepancies.kind``).
QUANTITY = "quantity"
UNIT = "unit"
MISSING_ON_DEVICE = "missing_on_device"
MISSING_IN_MIDDLEWARE = "missing_in_middleware"

_MOVING = tuple(k.value for k in EventType if stock_delta(k, 1) != 0)  # per the stock rule


@dataclass(frozen=True)
class Holding:
    """One SKU's on-hand on one side: a quantity in ``unit`` (None: the event gave none)."""

    qty: int
    unit: str | None


@dataclass(frozen=True)
class Difference:
    """One SKU that differs; a side's holding is None when the SKU is missing there."""

    sku: str
    kind: str
    device: Holding | None
    middleware: Holding | None


def record_snapshot(conn: Connection, snap: Snapshot, now: datetime) -> None:
    on_hand = {sku: {"qty": qty, "unit": unit} for sku, (qty, unit) in snap.on_hand.items()}
    conn.execute(
        t.snapshots.insert().values(
            device_id=snap.device_id,
            epoch=snap.epoch,
            last_seq=snap.last_seq,
            ts=snap.ts,
            on_hand=canonical_json(on_hand),
            received_at=now,
            status=PENDING,
        )
    )


def compare(device: Mapping[str, Holding], middleware: Mapping[str, Holding]) -> list[Difference]:
    """Every SKU that differs, sorted; quantities are compared only in the same unit."""
    found = []
    for sku in sorted(set(device) | set(middleware)):
        theirs, ours = device.get(sku), middleware.get(sku)
        if ours is None:
            kind = MISSING_IN_MIDDLEWARE
        elif theirs is None:
            kind = MISSING_ON_DEVICE
        elif theirs.unit != ours.unit:
            kind = UNIT
        elif theirs.qty != ours.qty:
            kind = QUANTITY
        else:
            continue
        found.append(Difference(sku, kind, theirs, ours))
    return found


def projection_at(conn: Connection, key: StreamKey, seq: int, high: int) -> dict[str, Holding]:
    """The SKUs the middleware knows after every event up to ``seq`` (requires ``seq <= H``),
    with their on-hand and unit."""
    units = _units_at(conn, key, seq)
    p = t.projection.c
    qty: dict[str, int] = defaultdict(int)
    for sku, value in conn.execute(
        select(p.sku, p.qty).where(p.device_id == key.device_id, p.epoch == key.epoch)
    ):
        qty[str(sku)] = int(value)
    e = t.events.c
    later = conn.execute(
        select(e.type, e.sku, e.qty).where(
            _in_stream(e, key), e.seq > seq, e.seq <= high, e.sku.is_not(None)
        )
    )
    for kind, sku, value in later:
        qty[str(sku)] -= stock_delta(EventType(kind), int(value))
    a = t.projection_adjustments.c
    for sku, delta in conn.execute(select(a.sku, a.delta).where(_in_stream(a, key), a.seq > seq)):
        qty[str(sku)] -= int(delta)
    return {sku: Holding(qty[sku], unit) for sku, unit in units.items()}


def _units_at(conn: Connection, key: StreamKey, seq: int) -> dict[str, str | None]:
    """SKU -> unit of the first event up to ``seq`` that opens its on-hand row on the device,
    then of the first correction for SKUs no event opened."""
    e = t.events.c
    opens = or_(e.type == EventType.RESTOCK.value, and_(e.type.in_(_MOVING), e.qty != 0))
    first = (
        select(e.sku, func.min(e.seq).label("seq"))
        .where(_in_stream(e, key), e.seq <= seq, e.sku.is_not(None), opens)
        .group_by(e.sku)
        .subquery()
    )
    rows = conn.execute(
        select(e.sku, e.unit).join(
            first, and_(_in_stream(e, key), e.sku == first.c.sku, e.seq == first.c.seq)
        )
    )
    units: dict[str, str | None] = {str(sku): unit for sku, unit in rows}
    a = t.projection_adjustments.c
    for sku, unit in conn.execute(
        select(a.sku, a.unit).where(_in_stream(a, key), a.seq <= seq).order_by(a.seq, a.id)
    ):
        units.setdefault(str(sku), unit)
    return units


def _in_stream(columns: Any, key: StreamKey) -> Any:
    return and_(columns.device_id == key.device_id, columns.epoch == key.epoch)


def check_pending_snapshots(
    conn: Connection, insert: InsertFactory, key: StreamKey, high: int, now: datetime
) -> None:
    """Compare every pending snapshot of ``key`` whose ``lastSeq <= H``; record discrepancies."""
    s = t.snapshots.c
    pending = conn.execute(
        select(s.id, s.last_seq, s.on_hand)
        .where(_in_stream(s, key), s.status == PENDING, s.last_seq <= high)
        .order_by(s.id)
    ).all()
    for snapshot_id, last_seq, on_hand_text in pending:
        ours = projection_at(conn, key, int(last_seq), high)
        theirs = {
            sku: Holding(int(v["qty"]), v.get("unit"))
            for sku, v in json.loads(on_hand_text).items()
        }
        differences = compare(theirs, ours)
        for diff in differences:
            _record(conn, insert, key, diff, int(last_seq), int(snapshot_id), now)
        conn.execute(
            update(t.snapshots)
            .where(s.id == snapshot_id)
            .values(status=MISMATCHED if differences else MATCHED, checked_at=now)
        )


def _record(
    conn: Connection,
    insert: InsertFactory,
    key: StreamKey,
    diff: Difference,
    seq: int,
    snapshot_id: int,
    now: datetime,
) -> None:
    theirs, ours = diff.device, diff.middleware
    log.warning(
        "snapshot discrepancy (%s) on %s epoch %d at seq %d: %s device %s, middleware %s",
        diff.kind,
        key.device_id,
        key.epoch,
        seq,
        diff.sku,
        _show(theirs),
        _show(ours),
    )
    conn.execute(
        insert(t.discrepancies)
        .values(
            device_id=key.device_id,
            epoch=key.epoch,
            sku=diff.sku,
            kind=diff.kind,
            device_qty=theirs.qty if theirs else None,
            device_unit=theirs.unit if theirs else None,
            middleware_qty=ours.qty if ours else None,
            middleware_unit=ours.unit if ours else None,
            seq=seq,
            snapshot_id=snapshot_id,
            detected_at=now,
            status="open",
        )
        .on_conflict_do_nothing()
    )


def _show(holding: Holding | None) -> str:
    return "missing" if holding is None else f"{holding.qty} {holding.unit or '(no unit)'}"
