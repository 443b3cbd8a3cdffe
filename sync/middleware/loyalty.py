"""Members' loyalty points at the middleware: accounts, redemption holds, the points journal.

Accounts are a projection of what the devices record (docs/protocol.md, "Loyalty"):

- a ``LOYALTY`` event with ``data.kind = "accrual"`` credits ``data.points`` to
  ``data.member_id``;
- a ``SALE`` event with ``data.points_redeemed > 0`` debits them from ``data.member_id`` and
  makes the transaction's hold final (an offline redemption has no hold: it is debited as is,
  and the balance may go below zero — the kiosk's offline cap bounds that);
- a ``LOYALTY`` event of a refund transaction with ``data.kind = "reversal"`` debits
  ``data.points`` (the share of a refunded sale's accrual the device took back; the member may
  have spent them already, so the balance may go below zero, and the log says so), and one
  with ``data.kind = "restore"`` credits them (the share of the points the sale spent).
  The device computes both shares (``kiosk.purchase.refunds``, and ``points_refunds`` for a
  sale paid only with points); the middleware only applies
  them, as it applies accruals.

:func:`project_loyalty` is called by the ingest in the same database transaction that moves
the stream's high-water mark, for exactly the events that move it, so each event counts once;
every change is also a ``loyalty_entries`` row unique per ``(device, epoch, seq, kind)``, a
second guard. The account and hold helpers here are shared with the RPC side
(``sync.middleware.loyalty_rpc``). Lock order everywhere: the account row, then the hold row.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from sync.loyalty import MAX_POINTS, MEMBER_ID_RE, hold_key
from sync.middleware import schema as t
from sync.middleware.messages import StreamKey
from sync.middleware.snapshots import InsertFactory
from sync.payments import TXN_ID_RE
from sync.protocol import EventType, canonical_json

log = logging.getLogger(__name__)

# hold states
H_HELD, H_FINAL, H_RELEASED, H_REFUSED = "held", "final", "released", "refused"
ACCRUAL, REDEMPTION, ADJUSTMENT = "accrual", "redemption", "adjustment"
REVERSAL, RESTORE = "reversal", "restore"  # a refund takes earned points back / gives spent back
# the LOYALTY kinds the projection applies as is, with the sign of their change of the balance
POINTS_MOVES = {ACCRUAL: 1, RESTORE: 1, REVERSAL: -1}


def valid_points(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_POINTS
    return value if ok else None


def valid_member(value: Any) -> str | None:
    return value if isinstance(value, str) and MEMBER_ID_RE.fullmatch(value) else None


def insert_factory(engine: Engine) -> InsertFactory:
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


# -- accounts (shared by the projection and the RPCs) ------------------------------------------
def lock_account(conn: Connection, insert: InsertFactory, member_id: str, now: datetime) -> Any:
    """The member's account row, created empty if new, locked for this transaction."""
    conn.execute(
        insert(t.loyalty_accounts)
        .values(member_id=member_id, balance=0, held=0, updated_at=now)
        .on_conflict_do_nothing()
    )
    a = t.loyalty_accounts.c
    return conn.execute(
        select(t.loyalty_accounts).where(a.member_id == member_id).with_for_update()
    ).one()


def move_account(
    conn: Connection, member_id: str, now: datetime, *, balance: int = 0, held: int = 0
) -> None:
    a = t.loyalty_accounts.c
    conn.execute(
        update(t.loyalty_accounts)
        .where(a.member_id == member_id)
        .values(balance=a.balance + balance, held=a.held + held, updated_at=now)
    )


def lock_hold(conn: Connection, key: str) -> Any:
    h = t.loyalty_holds.c
    return conn.execute(select(t.loyalty_holds).where(h.hold_key == key).with_for_update()).first()


def set_hold(conn: Connection, key: str, state: str, now: datetime) -> None:
    h = t.loyalty_holds.c
    conn.execute(
        update(t.loyalty_holds).where(h.hold_key == key).values(state=state, updated_at=now)
    )


def add_entry(
    conn: Connection,
    insert: InsertFactory,
    *,
    member_id: str,
    kind: str,
    points: int,
    now: datetime,
    source: tuple[str, int, int] | None = None,
    txn_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Record one change of a balance; False if that event was already counted."""
    device, epoch, seq = source if source is not None else (None, None, None)
    result = conn.execute(
        insert(t.loyalty_entries)
        .values(
            member_id=member_id,
            kind=kind,
            points=points,
            device_id=device,
            epoch=epoch,
            seq=seq,
            txn_id=txn_id,
            details=canonical_json(details or {}),
            at=now,
        )
        .on_conflict_do_nothing()
        .returning(t.loyalty_entries.c.id)
    )
    return result.first() is not None


# -- the projection (called by the ingest, inside its transaction) -----------------------------
def project_loyalty(
    conn: Connection, insert: InsertFactory, key: StreamKey, after: int, upto: int, now: datetime
) -> None:
    """Apply the loyalty effect of the stream's events ``after < seq ≤ upto``, in order."""
    e = t.events.c
    rows = conn.execute(
        select(e.seq, e.type, e.txn_id, e.data)
        .where(
            and_(e.device_id == key.device_id, e.epoch == key.epoch),
            e.seq > after,
            e.seq <= upto,
            e.type.in_((EventType.LOYALTY.value, EventType.SALE.value)),
        )
        .order_by(e.seq)
    ).all()
    for seq, kind, txn_id, raw in rows:
        try:
            data = json.loads(raw)
        except ValueError:  # pragma: no cover - stored events are canonical JSON
            continue
        source = (key.device_id, key.epoch, int(seq))
        txn = str(txn_id) if txn_id is not None else None
        move = data.get("kind")
        if kind == EventType.LOYALTY.value and isinstance(move, str) and move in POINTS_MOVES:
            _move_points(conn, insert, move, data, source, txn, now)
        elif kind == EventType.SALE.value and data.get("points_redeemed"):
            _finalize(conn, insert, data, source, txn, now)


def _move_points(
    conn: Connection,
    insert: InsertFactory,
    kind: str,
    data: dict[str, Any],
    source: tuple[str, int, int],
    txn: str | None,
    now: datetime,
) -> None:
    """An accrual, or a refund's reversal or restore: move ``data.points`` as the device says."""
    member, points = valid_member(data.get("member_id")), valid_points(data.get("points"))
    if member is None or points is None:
        log.warning("loyalty %s %s:%d:%d ignored: bad member or points", kind, *source)
        return
    account = lock_account(conn, insert, member, now)
    change = POINTS_MOVES[kind] * points
    original = data.get("original_txn")
    details = {"original_txn": original} if kind != ACCRUAL and _is_txn(original) else None
    if not add_entry(
        conn,
        insert,
        member_id=member,
        kind=kind,
        points=change,
        now=now,
        source=source,
        txn_id=txn,
        details=details,
    ):
        return
    move_account(conn, member, now, balance=change)
    after = int(account.balance) + change
    if change < 0 and after < 0:  # the member spent them already: what they owe stays visible
        log.warning(
            "%s: a refund took back %d points, the balance is now %d", member, points, after
        )


def _is_txn(value: Any) -> bool:
    return isinstance(value, str) and TXN_ID_RE.fullmatch(value) is not None


def _finalize(
    conn: Connection,
    insert: InsertFactory,
    data: dict[str, Any],
    source: tuple[str, int, int],
    txn: str | None,
    now: datetime,
) -> None:
    """A SALE that spent points: debit them and make the transaction's hold final."""
    member, points = valid_member(data.get("member_id")), valid_points(data.get("points_redeemed"))
    if member is None or points is None or txn is None or not TXN_ID_RE.fullmatch(txn):
        log.warning("loyalty redemption %s:%d:%d ignored: bad member, points or txn", *source)
        return
    lock_account(conn, insert, member, now)
    offline = data.get("redemption") == "offline"
    details: dict[str, Any] = {"offline": offline}
    if not add_entry(
        conn,
        insert,
        member_id=member,
        kind=REDEMPTION,
        points=-points,
        now=now,
        source=source,
        txn_id=txn,
        details=details,
    ):
        return
    key = hold_key(source[0], txn)
    hold = lock_hold(conn, key)
    held = 0
    if hold is not None and hold.state == H_HELD:
        set_hold(conn, key, H_FINAL, now)
        if hold.member_id == member:
            held = -int(hold.points)
        else:  # not expected: the hold leaves its own member's account
            log.error("%s: held for %s, spent by %s", key, hold.member_id, member)
            move_account(conn, str(hold.member_id), now, held=-int(hold.points))
        if int(hold.points) != points:
            log.warning("%s: sale spent %d points, its hold was %d", key, points, hold.points)
    elif hold is None:
        if not offline:
            log.warning("%s: a sale spent %d points without a hold", key, points)
        conn.execute(
            insert(t.loyalty_holds).values(
                hold_key=key,
                device_id=source[0],
                txn_id=txn,
                member_id=member,
                points=points,
                state=H_FINAL,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        log.error("%s: a sale spent %d points after its hold was %s", key, points, hold.state)
        set_hold(conn, key, H_FINAL, now)
    move_account(conn, member, now, balance=-points, held=held)
