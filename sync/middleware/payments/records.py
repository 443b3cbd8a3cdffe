"""Idempotent payment requests and the canonical transaction record (pure database work).

:class:`PaymentRecords` runs short transactions (``write_transaction``, retried on conflicts):

- :meth:`~PaymentRecords.begin` stores a request *before* the gateway is called: a new key
  becomes a ``pending`` row; a known key returns its stored reply, ``pending`` state or an
  ``idempotency_conflict`` (other parameters). New requests are checked against the record
  first (refund never above captured, pending refunds counted; an uncaptured payment is voided
  not refunded: ``not_captured``; capture/void only of an authorized payment).
- :meth:`~PaymentRecords.complete` stores the reply and applies the result to ``transactions``
  with one ``transaction_history`` row, in one transaction, before anything is answered.
- :meth:`~PaymentRecords.mark_unresolved` moves a sale to ``manual_review`` when the gateway's
  outcome could not be learned; a later resolution moves it on.

POS transaction ids are sequential per store (``pos_sequences``): ``{storeId}-{n:08d}``, the
store being the authorization's ``storeId`` metadata or else the device id.

The ledger path (``sync.middleware.sales``) writes the same records; precedence: this path
owns the settlement of gateway payments (``payment_mode`` gateway) and everything it applies
(reader refunds included); an authorization may meet a record the ledger created for an
offline sale (``offline_pending``). A capture of an authorization the 24-hour rule voided
(``expired_at``, ``sync.middleware.payments.expiry``) is refused ``expired``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.canonical import (
    AUTHORIZED,
    CAPTURED,
    FAILED,
    GATEWAY,
    MANUAL_REVIEW,
    OFFLINE_PENDING,
    PARTIALLY_REFUNDED,
    READER,
    REFUNDED,
    VOIDED,
    create_record,
    history_row,
)
from sync.middleware.db import write_transaction
from sync.middleware.ingest import as_utc, utc_now
from sync.middleware.payments.replies import Reply as Reply
from sync.middleware.payments.replies import refused as refused
from sync.middleware.payments.requests import PaymentOp
from sync.payments import PaymentStatus
from sync.protocol import canonical_json

EXPIRED_24H = "expired_24h"  # history reason of a void the expiry sweeper made
FENCED = "fenced"  # a payment_requests state: an authorization the device gave up on


ABANDONED = refused(
    "abandoned", "the device stopped waiting for this authorization; it was not sent on"
)


@dataclass(frozen=True)
class Begun:
    kind: Literal["new", "stored", "pending", "refused"]
    reply: Reply | None = None  # "stored" and "refused"
    owner: str | None = None  # "pending": who is working on it, since when
    since: datetime | None = None
    auth_id: str | None = None  # "new"/"pending": the authorization on the record


@dataclass(frozen=True)
class StoredRequest:
    op: PaymentOp  # rebuilt from the stored parameters (without the token)
    state: str
    reply: Reply | None
    owner: str
    updated_at: datetime


class PaymentRecords:
    def __init__(
        self, engine: Engine, instance: str, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.engine = engine
        self.instance = instance
        self._clock = clock
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    # -- requests --------------------------------------------------------------------------
    def begin(self, op: PaymentOp) -> Begun:
        return write_transaction(self.engine, lambda conn: self._begin(conn, op))

    def _begin(self, conn: Connection, op: PaymentOp) -> Begun:
        r = t.payment_requests.c
        query = select(t.payment_requests).where(r.idempotency_key == op.key).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            txn = self._txn(conn, op.global_txn_id, lock=True)
            problem = self._check(conn, op, txn)
            if problem is not None:
                return Begun("refused", problem)
            if self._insert_pending(conn, op):
                return Begun("new", auth_id=None if txn is None else txn.payment_auth_id)
            row = conn.execute(query).one()  # another instance began this key meanwhile
        if row.state == FENCED:
            return Begun("refused", ABANDONED)
        if row.params_hash != op.params_hash():
            return Begun("refused", refused("idempotency_conflict", "key reused"))
        if row.state == "done":
            return Begun("stored", Reply.from_json(row.reply))
        txn = self._txn(conn, op.global_txn_id, lock=False)
        auth = None if txn is None else txn.payment_auth_id
        return Begun("pending", owner=row.owner, since=as_utc(row.updated_at), auth_id=auth)

    def _insert_pending(self, conn: Connection, op: PaymentOp) -> bool:
        """Store the request ``pending``; False when the key exists (a concurrent begin)."""
        now = self._clock()
        stmt = self._insert(t.payment_requests).values(
            idempotency_key=op.key,
            device_id=op.device_id,
            global_txn_id=op.global_txn_id,
            method=op.method,
            params_hash=op.params_hash(),
            params=canonical_json(op.stored_params()),
            amount_minor=op.amount_minor,
            state="pending",
            owner=self.instance,
            created_at=now,
            updated_at=now,
        )
        key = t.payment_requests.c.idempotency_key
        added = conn.execute(stmt.on_conflict_do_nothing().returning(key)).first()
        return added is not None  # (not rowcount: psycopg reports -1 here)

    def _check(self, conn: Connection, op: PaymentOp, txn: Any) -> Reply | None:
        """Why ``op`` must not reach the gateway, or None."""
        status = None if txn is None else str(txn.settlement_status)
        if op.operation == "authorize":
            # an offline sale's record (the ledger path made it) waits for this authorization
            if txn is not None and (status != OFFLINE_PENDING or txn.payment_auth_id is not None):
                return refused("invalid_state", f"transaction already {status}")
            return None
        if op.operation == "reader_refund":
            if txn is not None and txn.payment_mode == GATEWAY:
                return refused("invalid_state", "a gateway payment: use payment.refund")
            if txn is not None and txn.payment_mode != READER:  # paid with points: no money
                return refused("invalid_state", f"a {txn.payment_mode} payment: nothing to refund")
            return None
        if txn is None or txn.payment_mode != GATEWAY or txn.payment_auth_id is None:
            return refused("not_found", f"no authorized payment for {op.global_txn_id}")
        if op.auth_id is not None and op.auth_id != txn.payment_auth_id:
            return refused("bad_request", "authId does not match the transaction")
        if op.operation == "capture":
            if txn.expired_at is not None:
                return refused("expired", "not settled within 24 h: the authorization was voided")
            if status not in (AUTHORIZED, MANUAL_REVIEW) or int(txn.captured_minor):
                return refused("invalid_state", f"payment is {status}")
            if (op.amount_minor or 0) > int(txn.amount_minor):
                return refused("bad_request", "capture exceeds the authorized amount")
            return None
        if op.operation == "void":
            if int(txn.captured_minor) or status in (CAPTURED, REFUNDED, PARTIALLY_REFUNDED):
                return refused("invalid_state", "captured payments are refunded, not voided")
            if status not in (AUTHORIZED, MANUAL_REVIEW):
                return refused("invalid_state", f"payment is {status}")
            return None
        # refund
        captured = int(txn.captured_minor)
        if captured == 0:
            if status in (AUTHORIZED, MANUAL_REVIEW):
                return refused("not_captured", "the payment was never captured: void it")
            return refused("invalid_state", f"payment is {status}")
        r = t.payment_requests.c
        pending = conn.execute(
            select(func.coalesce(func.sum(r.amount_minor), 0)).where(
                r.global_txn_id == op.global_txn_id,
                r.method == "payment.refund",
                r.state == "pending",
            )
        ).scalar_one()
        left = captured - int(txn.refunded_minor) - int(pending)
        if (op.amount_minor or 0) > left:
            return refused("refund_exceeds_captured", f"at most {max(left, 0)} can be refunded")
        return None

    def fence(self, key: str) -> bool:
        """Fence the authorization ``key`` ("{device}:{txn}:authorize") that was never
        received: a copy arriving later is refused ``abandoned``. False if the key exists
        (it arrived meanwhile, possibly at another instance)."""
        device_id, txn_id, _operation = key.rsplit(":", 2)
        now = self._clock()
        stmt = self._insert(t.payment_requests).values(
            idempotency_key=key,
            device_id=device_id,
            global_txn_id=f"{device_id}:{txn_id}",
            method="payment.authorize",
            params_hash=FENCED,
            params=canonical_json({"txnId": txn_id, "fenced": True}),
            state=FENCED,
            owner=self.instance,
            reply=ABANDONED.to_json(),
            created_at=now,
            updated_at=now,
            completed_at=now,
        )
        column = t.payment_requests.c.idempotency_key

        def work(conn: Connection) -> bool:
            return conn.execute(stmt.on_conflict_do_nothing().returning(column)).first() is not None

        return write_transaction(self.engine, work)

    def lookup(self, key: str) -> StoredRequest | None:
        r = t.payment_requests.c
        with self.engine.connect() as conn:
            row = conn.execute(select(t.payment_requests).where(r.idempotency_key == key)).first()
        if row is None:
            return None
        p = json.loads(row.params)
        op = PaymentOp(
            operation=str(row.method).removeprefix("payment."),
            device_id=str(row.device_id),
            txn_id=str(p["txnId"]),
            key=key,
            amount_minor=p.get("amountMinor"),
            currency=p.get("currency"),
            auth_id=p.get("authId"),
            reader_reference=p.get("readerReference"),
            metadata=p.get("metadata") or {},
        )
        reply = None if row.reply is None else Reply.from_json(row.reply)
        return StoredRequest(op, str(row.state), reply, str(row.owner), as_utc(row.updated_at))

    def take_over(self, key: str) -> None:
        """This instance now works on a pending request (another one gave up or died)."""
        r = t.payment_requests.c
        values = {"owner": self.instance, "updated_at": self._clock()}
        write_transaction(
            self.engine,
            lambda conn: conn.execute(
                update(t.payment_requests).where(r.idempotency_key == key).values(**values)
            ),
        )

    # -- results ---------------------------------------------------------------------------
    def complete(self, op: PaymentOp, reply: Reply) -> Reply:
        """Store ``reply`` for the key and apply it to the record; returns the reply stored
        (the first one, if another instance completed the key meanwhile)."""
        return write_transaction(self.engine, lambda conn: self._complete(conn, op, reply))

    def _complete(self, conn: Connection, op: PaymentOp, reply: Reply) -> Reply:
        r = t.payment_requests.c
        row = conn.execute(
            select(r.state, r.reply).where(r.idempotency_key == op.key).with_for_update()
        ).first()
        if row is not None and row.state == "done":
            return Reply.from_json(row.reply)
        now = self._clock()
        conn.execute(
            update(t.payment_requests)
            .where(r.idempotency_key == op.key)
            .values(state="done", reply=reply.to_json(), completed_at=now, updated_at=now)
        )
        if reply.result is not None:
            self._apply(conn, op, reply.result, now)
        return reply

    def mark_unresolved(self, op: PaymentOp, why: str) -> None:
        def work(conn: Connection) -> None:
            now = self._clock()
            txn = self._txn(conn, op.global_txn_id, lock=True)
            before = None if txn is None else str(txn.settlement_status)
            if txn is None and not self._create(conn, op, MANUAL_REVIEW, now):
                txn = self._txn(conn, op.global_txn_id, lock=True)  # the ledger path made it
                before = str(txn.settlement_status)
            if before == MANUAL_REVIEW:
                return
            if txn is not None:
                self._move(conn, op, MANUAL_REVIEW, {}, now)
            details = {"key": op.key, "unresolved": why}
            self._history(conn, op, before, MANUAL_REVIEW, details, now)

        write_transaction(self.engine, work)

    def _apply(self, conn: Connection, op: PaymentOp, res: dict[str, Any], now: datetime) -> None:
        status = PaymentStatus(res["status"])
        txn = self._txn(conn, op.global_txn_id, lock=True)
        before = None if txn is None else str(txn.settlement_status)
        values: dict[str, Any] = {}
        amount = int(res.get("amountMinor") or op.amount_minor or 0)
        if op.operation == "authorize":
            after = AUTHORIZED if status is PaymentStatus.APPROVED else FAILED
            if status is PaymentStatus.APPROVED:
                values = {"payment_auth_id": res.get("authId"), "authorized_at": now}
        elif op.operation == "capture":
            after = CAPTURED if status is PaymentStatus.CAPTURED else MANUAL_REVIEW
            if status is PaymentStatus.CAPTURED:
                values = {"captured_minor": amount}
        elif op.operation == "void":
            after = VOIDED if status is PaymentStatus.VOIDED else MANUAL_REVIEW
        elif status is PaymentStatus.REFUNDED:
            refunded = amount + (0 if txn is None else int(txn.refunded_minor))
            captured = int(txn.captured_minor) if txn is not None else 0
            full = op.operation == "reader_refund" or refunded >= captured
            after = REFUNDED if full else PARTIALLY_REFUNDED
            values = {"refunded_minor": refunded}
        else:
            after = MANUAL_REVIEW
        if txn is None and not self._create(conn, op, after, now, **values):
            return self._apply(conn, op, res, now)  # the ledger path created it meanwhile
        if txn is not None:
            self._move(conn, op, after, values, now)
        details: dict[str, Any] = {"key": op.key, "result": res}
        expired = op.operation == "void" and txn is not None and txn.expired_at is not None
        if expired:
            details["reason"] = EXPIRED_24H
        source = f"expiry:{op.method}" if expired else None
        self._history(conn, op, before, after, details, now, source=source)

    # -- transactions ----------------------------------------------------------------------
    def _txn(self, conn: Connection, global_txn_id: str, *, lock: bool) -> Any:
        query = select(t.transactions).where(t.transactions.c.global_txn_id == global_txn_id)
        return conn.execute(query.with_for_update() if lock else query).first()

    def _create(
        self, conn: Connection, op: PaymentOp, status: str, now: datetime, **values: Any
    ) -> bool:
        """Create the record; False when it exists already (the ledger path made it)."""
        row = {
            "global_txn_id": op.global_txn_id,
            "device_id": op.device_id,
            "txn_id": op.txn_id,
            **op.record_fields(),
            "amount_minor": op.amount_minor or 0,
            "currency": op.currency,
            "reader_reference": op.reader_reference,
            "payment_mode": READER if op.operation == "reader_refund" else GATEWAY,
            "settlement_status": status,
            "created_at": now,
            "updated_at": now,
            **values,
        }
        return create_record(conn, self._insert, row)

    def _move(
        self,
        conn: Connection,
        op: PaymentOp,
        after: str,
        values: dict[str, Any],
        now: datetime,
    ) -> None:
        conn.execute(
            update(t.transactions)
            .where(t.transactions.c.global_txn_id == op.global_txn_id)
            .values(settlement_status=after, updated_at=now, **values)
        )

    def _history(
        self,
        conn: Connection,
        op: PaymentOp,
        before: str | None,
        after: str,
        details: dict[str, Any],
        now: datetime,
        *,
        source: str | None = None,
    ) -> None:
        row = history_row(
            op.global_txn_id,
            at=now,
            before=before,
            after=after,
            source=source or f"rpc:{op.method}",
            details=details,
        )
        conn.execute(t.transaction_history.insert().values(**row))
