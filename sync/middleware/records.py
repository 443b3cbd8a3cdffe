"""Rows the ingest transaction writes for single events: the stored event itself, and the
conflict record for a same-``(deviceId, epoch, seq)`` event whose hash differs (recorded once
per distinct body, for a human; never stored as a second event)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.snapshots import InsertFactory
from sync.protocol import Event, canonical_json

log = logging.getLogger(__name__)


def event_row(event: Event, digest: str, now: datetime) -> dict[str, Any]:
    return {
        "device_id": event.device_id,
        "epoch": event.epoch,
        "seq": event.seq,
        "type": event.type.value,
        "ts": event.ts,
        "sku": event.sku,
        "qty": event.qty,
        "unit": event.unit.value if event.unit else None,
        "amount_minor": event.amount_minor,
        "currency": event.currency,
        "txn_id": event.txn_id,
        "data": canonical_json(dict(event.data)),
        "hash": digest,
        "received_at": now,
    }


def record_conflict(
    conn: Connection,
    insert: InsertFactory,
    event: Event,
    stored: str,
    digest: str,
    now: datetime,
) -> int:
    """Record a same-seq, different-hash event once; 1 when it is a new conflict, else 0."""
    c = t.conflicts.c
    seen = conn.execute(
        select(c.id).where(
            c.device_id == event.device_id,
            c.epoch == event.epoch,
            c.seq == event.seq,
            c.received_hash == digest,
        )
    ).first()
    if seen is not None:
        return 0
    log.error(
        "hash conflict on %s epoch %d seq %d: stored %s, received %s",
        event.device_id,
        event.epoch,
        event.seq,
        stored[:12],
        digest[:12],
    )
    row = {
        "device_id": event.device_id,
        "epoch": event.epoch,
        "seq": event.seq,
        "stored_hash": stored,
        "received_hash": digest,
        "received_body": event.to_wire(),
        "detected_at": now,
    }
    conn.execute(insert(t.conflicts).values(**row).on_conflict_do_nothing())
    return 1
