"""The canonical transaction record's shared vocabulary and writes (pure database work).

Two paths write ``transactions`` and ``transaction_history``: the payment RPC path
(``sync.middleware.payments.records``: gateway authorizations, captures, voids, refunds) and
the ledger path (``sync.middleware.sales``: the device's journal events, at ingest). Both use
what is here: the settlement states, the payment modes, the per-store POS numbers
(``{storeId}-{n:08d}``, ``pos_sequences``), the race-free creation of a record, the history
row, and the checks on values a device sends. Precedence between the paths: docs/payments.md.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sync.middleware import schema as t
from sync.middleware.payments.cards import looks_like_pan
from sync.middleware.payments.requests import MAX_AMOUNT
from sync.middleware.snapshots import InsertFactory
from sync.protocol import canonical_json

log = logging.getLogger(__name__)
_REF_RE = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")  # as payment.reader_refund accepts
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

AUTHORIZED, CAPTURED, VOIDED = "authorized", "captured", "voided"
REFUNDED, PARTIALLY_REFUNDED = "refunded", "partially_refunded"
FAILED, MANUAL_REVIEW = "failed", "manual_review"
OFFLINE_PENDING = "offline_pending"  # dispensed, card accepted offline, not yet authorized
SETTLEMENT_STATES = (
    AUTHORIZED,
    CAPTURED,
    VOIDED,
    REFUNDED,
    PARTIALLY_REFUNDED,
    FAILED,
    MANUAL_REVIEW,
    OFFLINE_PENDING,
)

GATEWAY, READER = "gateway", "reader"  # payment_mode: who authorized and settles the money
POINTS = "points"  # payment_mode: loyalty points paid it all; no money moved


def pos_number(conn: Connection, insert: InsertFactory, store: str) -> str:
    """The next POS transaction number of ``store`` (row-locked until the commit)."""
    return pos_numbers(conn, insert, store, 1)[0]


def pos_numbers(conn: Connection, insert: InsertFactory, store: str, count: int) -> list[str]:
    """The next ``count`` POS transaction numbers of ``store``, in order (one statement)."""
    p = t.pos_sequences.c
    take = (
        update(t.pos_sequences)
        .where(p.store_id == store)
        .values(last_no=p.last_no + count)
        .returning(p.last_no)
    )
    last = conn.execute(take).scalar()
    if last is None:  # the store's first sale
        stmt = insert(t.pos_sequences).values(store_id=store, last_no=0)
        conn.execute(stmt.on_conflict_do_nothing())
        last = conn.execute(take).scalar_one()
    return [f"{store}-{n:08d}" for n in range(int(last) - count + 1, int(last) + 1)]


def create_record(conn: Connection, insert: InsertFactory, values: dict[str, Any]) -> bool:
    """Insert a new record with the next POS number of ``values["store_id"]``.

    False, with nothing written (not even a POS number used), when another writer created
    the same ``global_txn_id`` first: the caller then reads that row and updates it. The POS
    number is always taken before the row is inserted, on both paths, so two writers cannot
    deadlock on ``pos_sequences`` and the primary key."""
    gid = values["global_txn_id"]
    try:
        with conn.begin_nested():
            number = pos_number(conn, insert, str(values["store_id"]))
            conn.execute(t.transactions.insert().values(**values, pos_txn_id=number))
    except IntegrityError:
        x = t.transactions.c
        if conn.execute(select(x.global_txn_id).where(x.global_txn_id == gid)).first() is None:
            raise  # not a concurrent creation
        return False
    return True


def history_row(
    global_txn_id: str,
    *,
    at: datetime,
    before: str | None,
    after: str,
    source: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    return {
        "global_txn_id": global_txn_id,
        "at": at,
        "from_status": before,
        "to_status": after,
        "source": source,
        "details": canonical_json(details),
    }


# -- values from devices (never trusted: a wrong shape becomes None) ---------------------------
def amount_or_none(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AMOUNT
    return value if ok else None


def currency_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and _CURRENCY_RE.fullmatch(value) else None


def identifier_or_none(value: Any) -> str | None:
    """An operator or store id (1-64 of letters, digits, ``_ . -``)."""
    return value if isinstance(value, str) and _ID_RE.fullmatch(value) else None


def reference_or_none(value: Any) -> str | None:
    """A reader's transaction reference; never anything that looks like a card number."""
    if not isinstance(value, str) or not _REF_RE.fullmatch(value):
        return None
    if looks_like_pan(value):
        log.error("a reader reference that looks like a card number was left out")
        return None
    return value


def device_time(ts: str, default: datetime) -> datetime:
    """An event's ``ts`` (UTC ISO-8601) as a datetime; ``default`` when unreadable."""
    try:
        value = datetime.fromisoformat(ts)
    except ValueError:
        return default
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
