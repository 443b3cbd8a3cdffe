"""The middleware's loyalty RPCs: ``loyalty.balance``, ``loyalty.redeem``, ``loyalty.release``.

:class:`LoyaltyBook` runs each as one short database transaction (``write_transaction``):

- ``balance``: the member's balance (earned − redeemed), open holds and what is available;
- ``redeem``: a hold keyed ``{deviceId}:{txnId}:redeem`` (the key derived from the topic's
  device id, so a device only ever uses its own keys), refused with ``insufficient_points``
  when balance − holds < points. The answer, a refusal included, is stored with the hold, so
  a duplicate request gets the same answer; the same key with other parameters is an
  ``idempotency_conflict``; a released key (also one released before it was ever held: a
  tombstone) is ``invalid_state``, so a late, delayed redeem can never hold points again;
- ``release``: drops a ``held`` hold; a hold never seen becomes a tombstone; a ``final`` hold
  (its SALE was recorded) is ``invalid_state``.

The hold becomes final when the transaction's SALE arrives (``sync.middleware.loyalty``).
:class:`LoyaltyRpc` parses the requests and registers itself with the RPC dispatcher
(:meth:`sync.middleware.payments.rpc.PaymentsRpc.register`), which runs it on its database
threads, never on the loop.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from sync.loyalty import HELD, MAX_POINTS, MEMBER_ID_RE, RELEASED, hold_key
from sync.middleware import schema as t
from sync.middleware.db import write_transaction
from sync.middleware.ingest import as_utc, utc_now
from sync.middleware.loyalty import (
    ADJUSTMENT,
    H_FINAL,
    H_HELD,
    H_REFUSED,
    H_RELEASED,
    add_entry,
    insert_factory,
    lock_account,
    lock_hold,
    move_account,
    set_hold,
    valid_member,
)
from sync.middleware.payments.records import Reply, refused
from sync.middleware.payments.requests import BadRequest, RpcCall
from sync.payments import TXN_ID_RE
from sync.protocol import canonical_json

log = logging.getLogger(__name__)

METHODS = ("loyalty.balance", "loyalty.redeem", "loyalty.release")


def _redeem_hash(member_id: str, points: int) -> str:
    body = canonical_json({"memberId": member_id, "points": points, "op": "redeem"})
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Balance:
    member_id: str
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held

    def to_json(self) -> dict[str, Any]:
        return {
            "memberId": self.member_id,
            "balance": self.balance,
            "held": self.held,
            "available": self.available,
        }


class LoyaltyBook:
    """Short transactions on the loyalty tables (run on a database thread, never the loop)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._insert = insert_factory(engine)

    def balance(self, member_id: str) -> Balance:
        a = t.loyalty_accounts.c
        with self.engine.connect() as conn:
            row = conn.execute(select(t.loyalty_accounts).where(a.member_id == member_id)).first()
        if row is None:
            return Balance(member_id, 0, 0)
        return Balance(member_id, int(row.balance), int(row.held))

    def redeem(self, device_id: str, txn_id: str, member_id: str, points: int) -> Reply:
        return write_transaction(
            self.engine, lambda conn: self._redeem(conn, device_id, txn_id, member_id, points)
        )

    def _redeem(
        self, conn: Connection, device_id: str, txn_id: str, member_id: str, points: int
    ) -> Reply:
        now, key = self._clock(), hold_key(device_id, txn_id)
        account = lock_account(conn, self._insert, member_id, now)
        hold = lock_hold(conn, key)
        digest = _redeem_hash(member_id, points)
        if hold is not None:
            if hold.params_hash is not None and hold.params_hash != digest:
                return refused("idempotency_conflict", "key reused with other parameters")
            if hold.state == H_RELEASED or hold.reply is None:  # also a tombstone, an offline sale
                return refused("invalid_state", f"this transaction's points are {hold.state}")
            return Reply.from_json(str(hold.reply))
        available = int(account.balance) - int(account.held)
        if available < points:
            reply = refused("insufficient_points", f"{max(available, 0)} points available")
            state = H_REFUSED
        else:
            result = {"status": HELD, "memberId": member_id, "points": points}
            reply = Reply(result={**result, "available": available - points})
            state = H_HELD
            move_account(conn, member_id, now, held=points)
        conn.execute(
            self._insert(t.loyalty_holds).values(
                hold_key=key,
                device_id=device_id,
                txn_id=txn_id,
                member_id=member_id,
                points=points,
                state=state,
                params_hash=digest,
                reply=reply.to_json(),
                created_at=now,
                updated_at=now,
            )
        )
        return reply

    def release(self, device_id: str, txn_id: str, member_id: str) -> Reply:
        return write_transaction(
            self.engine, lambda conn: self._release(conn, device_id, txn_id, member_id)
        )

    def _release(self, conn: Connection, device_id: str, txn_id: str, member_id: str) -> Reply:
        now, key = self._clock(), hold_key(device_id, txn_id)
        account = lock_account(conn, self._insert, member_id, now)
        hold = lock_hold(conn, key)
        released = 0
        if hold is None:  # never placed (or still on its way): a late redeem must be refused
            conn.execute(
                self._insert(t.loyalty_holds).values(
                    hold_key=key,
                    device_id=device_id,
                    txn_id=txn_id,
                    member_id=member_id,
                    points=0,
                    state=H_RELEASED,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif hold.member_id != member_id:
            return refused("bad_request", "memberId does not match the hold")
        elif hold.state == H_FINAL:
            return refused("invalid_state", "the hold is final: its sale was recorded")
        elif hold.state == H_HELD:
            released = int(hold.points)
            move_account(conn, member_id, now, held=-released)
            set_hold(conn, key, H_RELEASED, now)
        available = int(account.balance) - int(account.held) + released
        result = {"status": RELEASED, "memberId": member_id, "points": released}
        return Reply(result={**result, "available": available})

    def expire_holds(self, cutoff: datetime) -> list[str]:
        """Release every hold still ``held`` since before ``cutoff`` (a kiosk that never came
        back to sell or release it); the keys released. Each in its own transaction, under
        the account's and the hold's locks, so a release or a SALE arriving meanwhile wins. A
        SALE arriving after the expiry still debits its points (``_finalize`` logs it)."""
        h = t.loyalty_holds.c
        query = (
            select(h.hold_key)
            .where(h.state == H_HELD, h.updated_at < cutoff)
            .order_by(h.updated_at, h.hold_key)
        )
        with self.engine.connect() as conn:
            keys = [str(k) for k in conn.execute(query).scalars()]
        return [k for k in keys if write_transaction(self.engine, partial(self._expire, k, cutoff))]

    def _expire(self, key: str, cutoff: datetime, conn: Connection) -> bool:
        h = t.loyalty_holds.c
        member = conn.execute(select(h.member_id).where(h.hold_key == key)).scalar_one()
        now = self._clock()
        lock_account(conn, self._insert, str(member), now)  # accounts before holds, as _release
        hold = lock_hold(conn, key)
        if hold is None or hold.state != H_HELD or as_utc(hold.updated_at) >= cutoff:
            return False
        move_account(conn, str(member), now, held=-int(hold.points))
        set_hold(conn, key, H_RELEASED, now)
        log.warning(
            "%s: %d points held since %s released (expired)", key, hold.points, hold.updated_at
        )
        return True

    def adjust(self, member_id: str, points: int, *, reason: str, operator_id: str) -> Balance:
        """An operator's correction or goodwill grant (signed points), journalled."""
        if valid_member(member_id) is None or type(points) is not int or points == 0:
            raise ValueError("adjust needs a member id and a non-zero number of points")

        def work(conn: Connection) -> None:
            now = self._clock()
            lock_account(conn, self._insert, member_id, now)
            details = {"reason": reason, "operatorId": operator_id}
            add_entry(
                conn,
                self._insert,
                member_id=member_id,
                kind=ADJUSTMENT,
                points=points,
                now=now,
                details=details,
            )
            move_account(conn, member_id, now, balance=points)

        write_transaction(self.engine, work)
        return self.balance(member_id)

    def holds(self, member_id: str | None = None) -> list[dict[str, Any]]:
        """Holds (all, or one member's), oldest first: for operators and tests."""
        h = t.loyalty_holds.c
        query = select(t.loyalty_holds).order_by(h.created_at, h.hold_key)
        if member_id is not None:
            query = query.where(h.member_id == member_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        keys = ("hold_key", "device_id", "txn_id", "member_id", "points", "state")
        return [{k: row[k] for k in keys} for row in rows]


# -- requests ----------------------------------------------------------------------------------
def _member_param(params: Mapping[str, Any], corr: str) -> str:
    value = params.get("memberId")
    if not isinstance(value, str) or not MEMBER_ID_RE.fullmatch(value):
        raise BadRequest("'memberId' must be 1-32 of letters, digits, '_', '-'", corr)
    return value


def _txn_param(params: Mapping[str, Any], corr: str) -> str:
    value = params.get("txnId")
    if not isinstance(value, str) or not TXN_ID_RE.fullmatch(value):
        raise BadRequest("'txnId' is missing or malformed", corr)
    return value


def _points_param(params: Mapping[str, Any], corr: str) -> int:
    value = params.get("points")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_POINTS:
        raise BadRequest(f"'points' must be an integer in 1..{MAX_POINTS}", corr)
    return value


class Registry(Protocol):
    def register(
        self, methods: tuple[str, ...], handler: Callable[[str, RpcCall], Reply]
    ) -> None: ...


class LoyaltyRpc:
    """Handles ``loyalty.*`` calls (synchronous: the dispatcher runs it on a DB thread)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.book = LoyaltyBook(engine, clock=clock)

    def register(self, registry: Registry) -> LoyaltyRpc:
        registry.register(METHODS, self.handle)
        return self

    def handle(self, device_id: str, call: RpcCall) -> Reply:
        """One request from ``device_id``; :class:`BadRequest` when malformed."""
        params, corr = call.params, call.corr
        member_id = _member_param(params, corr)
        if call.method == "loyalty.balance":
            return Reply(result=self.book.balance(member_id).to_json())
        txn_id = _txn_param(params, corr)
        if call.method == "loyalty.redeem":
            return self.book.redeem(device_id, txn_id, member_id, _points_param(params, corr))
        return self.book.release(device_id, txn_id, member_id)
