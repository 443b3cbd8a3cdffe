"""The 24-hour rule, enforced: authorizations left open too long are voided by the middleware.

Every authorization must be captured or voided within 24 h (docs/payments.md). The device
alerts at 20 h and ``middleware status`` lists old ones; :class:`AuthorizationExpiry` acts:
every ``interval_s`` it finds gateway payments still ``authorized`` (nothing captured) whose
authorization is older than ``threshold_s`` (default 23 h, an hour of margin) and voids each
through :meth:`PaymentsRpc.perform` with the key the device itself would use for that void
(``{deviceId}:{txnId}:void``). So:

- the void runs exactly as a device's would: stored ``pending`` before the gateway is called,
  resolved with the gateway's status after a lost answer, never sent twice; a device's own
  later void is a duplicate of it (the stored answer), and two middleware instances sweeping
  at once send one void (the second finds the key in flight);
- a first transaction marks the record (``expired_at``) only if no capture or void was asked
  for yet, under the record's row lock, which the RPC path takes too: from then on the
  device's capture is refused ``expired`` (its settlement worker puts the sale in manual
  review), and a capture already asked for is never raced by a void;
- the history row of the void reads ``expiry:payment.void`` with reason ``expired_24h``.

A marked record whose void is still unresolved (gateway down) is retried on the next passes.
The same pass releases loyalty points holds left ``held`` longer than ``hold_threshold_s``
(default 72 h): a kiosk that never came back to sell or release them would otherwise keep a
member's points out of reach for good (``LoyaltyBook.expire_holds``).

The owner (:class:`~sync.middleware.service.MiddlewareService`) starts it and ``close()``\\ s it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.canonical import AUTHORIZED, GATEWAY, MANUAL_REVIEW
from sync.middleware.db import write_transaction
from sync.middleware.ingest import as_utc, utc_now
from sync.middleware.loyalty_rpc import LoyaltyBook
from sync.middleware.payments.requests import PaymentOp
from sync.middleware.payments.rpc import PaymentsRpc
from sync.payments import idempotency_key

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD_S = 23 * 3600.0
DEFAULT_INTERVAL_S = 300.0
DEFAULT_HOLD_THRESHOLD_S = 72 * 3600.0


@dataclass(frozen=True)
class SweepResult:
    voided: tuple[str, ...]  # global transaction ids voided in this pass
    unsettled: tuple[str, ...]  # marked, but the void is not done (retried next pass)
    holds_released: tuple[str, ...] = ()  # loyalty hold keys released in this pass


class AuthorizationExpiry:
    """Owns the sweeper task; :meth:`sweep_once` is one pass (tests call it directly)."""

    def __init__(
        self,
        payments: PaymentsRpc,
        *,
        threshold_s: float = DEFAULT_THRESHOLD_S,
        interval_s: float = DEFAULT_INTERVAL_S,
        holds: LoyaltyBook | None = None,
        hold_threshold_s: float = DEFAULT_HOLD_THRESHOLD_S,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if threshold_s <= 0 or interval_s <= 0 or hold_threshold_s <= 0:
            raise ValueError("the expiry thresholds and interval must be positive")
        self.payments = payments
        self.holds = holds
        self.hold_threshold = timedelta(seconds=hold_threshold_s)
        self.threshold = timedelta(seconds=threshold_s)
        self.interval_s = interval_s
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mw-expiry")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except Exception:  # task root: log, try again next interval
                log.exception("authorization expiry pass failed")
            await asyncio.sleep(self.interval_s)

    async def sweep_once(self) -> SweepResult:
        """Void every authorization past the threshold; returns what happened."""
        now = self._clock()
        candidates = await self.payments.run_db(self._candidates, now - self.threshold)
        voided, unsettled = [], []
        for global_txn_id in candidates:
            op = await self.payments.run_db(self._mark, global_txn_id, now)
            if op is None:
                continue  # captured, voided or being settled by the device meanwhile
            reply = await self.payments.perform(op)
            status = None if reply.result is None else reply.result.get("status")
            if status == "VOIDED":
                voided.append(global_txn_id)
                log.warning("%s: authorization not settled within 24 h: voided", global_txn_id)
            else:
                unsettled.append(global_txn_id)
                why = reply.error or status
                log.error("%s: expired authorization not voided yet (%s)", global_txn_id, why)
        released: list[str] = []
        if self.holds is not None:
            cutoff = now - self.hold_threshold
            released = await self.payments.run_db(self.holds.expire_holds, cutoff)
        return SweepResult(tuple(voided), tuple(unsettled), tuple(released))

    # -- database (PaymentsRpc's threads) ----------------------------------------------------
    def _candidates(self, cutoff: datetime) -> list[str]:
        x = t.transactions.c
        old = (x.settlement_status == AUTHORIZED) & (x.authorized_at < cutoff)
        retry = x.expired_at.is_not(None) & x.settlement_status.in_((AUTHORIZED, MANUAL_REVIEW))
        query = (
            select(x.global_txn_id)
            .where(
                x.payment_mode == GATEWAY,
                x.payment_auth_id.is_not(None),
                x.captured_minor == 0,
                or_(old, retry),
            )
            .order_by(x.authorized_at)
        )
        with self.payments.records.engine.connect() as conn:
            return [str(gid) for gid in conn.execute(query).scalars()]

    def _mark(self, global_txn_id: str, now: datetime) -> PaymentOp | None:
        return write_transaction(
            self.payments.records.engine, lambda conn: self._mark_in(conn, global_txn_id, now)
        )

    def _mark_in(self, conn: Connection, global_txn_id: str, now: datetime) -> PaymentOp | None:
        """Under the record's lock: still due? mark it expired; the void to send, or None."""
        x = t.transactions.c
        row = conn.execute(
            select(t.transactions).where(x.global_txn_id == global_txn_id).with_for_update()
        ).first()
        if row is None or row.payment_mode != GATEWAY or row.payment_auth_id is None:
            return None
        if int(row.captured_minor) or row.settlement_status not in (AUTHORIZED, MANUAL_REVIEW):
            return None
        device_id, txn_id = str(row.device_id), str(row.txn_id)
        void_key = idempotency_key(device_id, txn_id, "void")
        keys = (void_key, idempotency_key(device_id, txn_id, "capture"))
        r = t.payment_requests.c
        query = select(r.idempotency_key, r.state).where(r.idempotency_key.in_(keys))
        asked = {str(key): str(state) for key, state in conn.execute(query)}
        if row.expired_at is None:
            since = row.authorized_at
            too_young = since is None or as_utc(since) >= now - self.threshold
            if asked or row.settlement_status != AUTHORIZED or too_young:
                return None  # the device is settling it (or it is not due)
            conn.execute(
                update(t.transactions)
                .where(x.global_txn_id == global_txn_id)
                .values(expired_at=now, updated_at=now)
            )
        elif asked.get(void_key) == "done":
            return None  # voided or failed for good: the record says which
        return PaymentOp("void", device_id, txn_id, void_key, auth_id=row.payment_auth_id)
