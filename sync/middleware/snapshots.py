"""Device snapshots checked against the middleware's projection (inside the ingest transaction).

A snapshot is stored as *pending*; once the stream's high-water mark ``H`` reaches its
``lastSeq`` it is compared with the projection *at lastSeq*: the current projection minus the
stock effects of the stored events in ``(lastSeq, H]``. Every differing SKU becomes one open
discrepancy (a SKU missing on one side counts as 0). Nothing is corrected automatically.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.messages import StreamKey
from sync.protocol import EventType, Snapshot, canonical_json, stock_delta

log = logging.getLogger(__name__)

InsertFactory = Callable[[Any], Any]  # postgresql.insert or sqlite.insert (ON CONFLICT aware)

PENDING = "pending"
MATCHED = "matched"
MISMATCHED = "mismatched"


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


def projection_at(conn: Connection, key: StreamKey, seq: int, high: int) -> dict[str, int]:
    """On-hand per SKU after every event up to ``seq`` (requires ``seq <= H``)."""
    p = t.projection.c
    current: dict[str, int] = defaultdict(int)
    for sku, qty in conn.execute(
        select(p.sku, p.qty).where(p.device_id == key.device_id, p.epoch == key.epoch)
    ):
        current[str(sku)] = int(qty)
    e = t.events.c
    later = conn.execute(
        select(e.type, e.sku, e.qty).where(
            e.device_id == key.device_id,
            e.epoch == key.epoch,
            e.seq > seq,
            e.seq <= high,
            e.sku.is_not(None),
        )
    )
    for kind, sku, qty in later:
        current[str(sku)] -= stock_delta(EventType(kind), int(qty))
    return dict(current)


def check_pending_snapshots(
    conn: Connection, insert: InsertFactory, key: StreamKey, high: int, now: datetime
) -> None:
    """Compare every pending snapshot of ``key`` whose ``lastSeq <= H``; record discrepancies."""
    s = t.snapshots.c
    pending = conn.execute(
        select(s.id, s.last_seq, s.on_hand)
        .where(
            s.device_id == key.device_id,
            s.epoch == key.epoch,
            s.status == PENDING,
            s.last_seq <= high,
        )
        .order_by(s.id)
    ).all()
    for snapshot_id, last_seq, on_hand_text in pending:
        ours = projection_at(conn, key, int(last_seq), high)
        theirs = {sku: int(v["qty"]) for sku, v in json.loads(on_hand_text).items()}
        differing = sorted(
            sku for sku in set(ours) | set(theirs) if ours.get(sku, 0) != theirs.get(sku, 0)
        )
        for sku in differing:
            log.warning(
                "snapshot discrepancy on %s epoch %d at seq %d: %s device %d, middleware %d",
                key.device_id,
                key.epoch,
                last_seq,
                sku,
                theirs.get(sku, 0),
                ours.get(sku, 0),
            )
            conn.execute(
                insert(t.discrepancies)
                .values(
                    device_id=key.device_id,
                    epoch=key.epoch,
                    sku=sku,
                    device_qty=theirs.get(sku, 0),
                    middleware_qty=ours.get(sku, 0),
                    seq=last_seq,
                    snapshot_id=snapshot_id,
                    detected_at=now,
                    status="open",
                )
                .on_conflict_do_nothing()
            )
        conn.execute(
            update(t.snapshots)
            .where(and_(s.id == snapshot_id))
            .values(status=MISMATCHED if differing else MATCHED, checked_at=now)
        )
