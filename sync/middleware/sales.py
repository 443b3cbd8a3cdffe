"""The canonical transaction record fed by the devices' journals (the ledger path), at ingest.

:func:`apply_journal` runs inside the ingest transaction that moves a stream's high-water mark
``H``, over the events ``H`` just passed: each event is applied exactly once and in the
device's own order, however often and in whatever order it arrived (when its stock effect
reaches the projection, too). One query reads the PAYMENT, DISPENSE and REFUND events with a
transaction id (:data:`JOURNAL_TYPES`); a :class:`~sync.middleware.sales_book.Book` loads the
records and contexts they touch, applies each step by the rules of who owns what (described
there and in docs/payments.md, "The ledger path") and writes the result. When the RPC path
creates one of those records meanwhile, the write fails and the events are applied again.
Values a device sends are checked; what cannot be read is skipped and logged, never a reason
to hold back ingest.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sync.middleware import schema as t
from sync.middleware.messages import StreamKey
from sync.middleware.sales_book import Book, Fact
from sync.middleware.snapshots import InsertFactory
from sync.payments import TXN_ID_RE
from sync.protocol import EventType

log = logging.getLogger(__name__)

# the event types the record is fed from; a SALE is committed with its dispense_succeeded
# step (one ledger transaction), so plain SALEs (simulators, demos) need no reading at all
JOURNAL_TYPES = frozenset(
    k.value for k in (EventType.PAYMENT, EventType.DISPENSE, EventType.REFUND)
)


def apply_journal(
    conn: Connection, insert: InsertFactory, key: StreamKey, after: int, upto: int, now: datetime
) -> None:
    """Apply the journal events ``after < seq <= upto`` of ``key`` to the canonical records."""
    if upto <= after:
        return
    facts = _load_facts(conn, key, after, upto)
    if not facts:
        return
    for attempt in range(1, 4):
        book = Book(conn, insert, key, now)
        book.load(facts)
        for fact in facts:
            book.apply(fact)
        if not (book.history or any(c.new for c in book.ctxs.values())):
            return  # nothing to write (e.g. only dispense_started steps)
        try:
            with conn.begin_nested():
                book.flush()
            return
        except IntegrityError:  # the RPC path created one of these records meanwhile
            if attempt == 3:
                raise
            log.info("%s: a record was created concurrently; applying the journal again", key)


def _load_facts(conn: Connection, key: StreamKey, after: int, upto: int) -> list[Fact]:
    e = t.events.c
    rows = conn.execute(
        select(e.seq, e.type, e.ts, e.amount_minor, e.txn_id, e.data)
        .where(
            e.device_id == key.device_id,
            e.epoch == key.epoch,
            e.seq > after,
            e.seq <= upto,
            e.type.in_(sorted(JOURNAL_TYPES)),
            e.txn_id.is_not(None),
        )
        .order_by(e.seq)
    )
    facts = []
    for seq, kind, ts, amount, txn_id, data in rows:
        parsed = json.loads(data)
        if not TXN_ID_RE.fullmatch(str(txn_id)) or not isinstance(parsed, dict):
            log.warning("%s seq %d: transaction id or data unusable for the record", key, seq)
            continue
        step = parsed.get("step")
        step = step if isinstance(step, str) else None
        facts.append(Fact(int(seq), str(kind), step, str(txn_id), str(ts), int(amount), parsed))
    return facts
