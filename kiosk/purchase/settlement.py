"""The settlement worker: brings every open transaction in the ledger to a closed state.

It is the only code that captures, voids and refunds, and that releases loyalty points held
for a transaction that ended without a sale (``release_requested`` → ``loyalty.release``,
idempotent by the transaction's hold key). The flow (and recovery) journal a
``*_requested`` step and ``kick()`` it; the worker acts at once when the middleware is
reachable and retries every ``retry_s`` otherwise, so a void lands within seconds of a failure
when online and is durably queued (it is the ledger) when not. Each call carries an
idempotency key derived from the local transaction id (sync.payments), so a retry after a
crash or a lost answer can never capture, void or refund twice. It skips the transaction the
live flow is working on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from kiosk.purchase.dispensing import record_step
from kiosk.purchase.journal import Action, Mode, Step, TxnView, fold, next_action
from kiosk.purchase.policy import OfflineUsage
from sync.engine import SyncEngine
from sync.errors import SyncError
from sync.loyalty import LoyaltyAnswer, LoyaltyRefusedError

log = logging.getLogger(__name__)
AUTH_ALERT_AGE_S = 20 * 3600.0  # every authorization must be settled within 24 h


@dataclass(frozen=True)
class Answer:
    """What the middleware answered, as the flow needs it (see kiosk.purchase.middleware)."""

    approved: bool = False  # an authorization was granted
    settled: bool = False  # the capture / void / refund asked for is done
    auth_id: str | None = None
    reason: str | None = None


class GatewayAuthorizer(Protocol):
    async def authorize(
        self,
        *,
        txn_id: str,
        token: str,
        amount_minor: int,
        currency: str,
        metadata: Mapping[str, Any],
    ) -> Answer: ...


class Payments(GatewayAuthorizer, Protocol):
    async def capture(self, *, txn_id: str, auth_id: str, amount_minor: int) -> Answer: ...

    async def void(self, *, txn_id: str, auth_id: str) -> Answer: ...

    async def refund(self, *, txn_id: str, refund_id: str, amount_minor: int) -> Answer: ...

    async def reader_refund(
        self, *, txn_id: str, reader_reference: str, amount_minor: int
    ) -> Answer: ...

    async def authorization_status(self, *, txn_id: str) -> Answer: ...


class PointsReleaser(Protocol):
    """Releases a transaction's points hold (``sync.loyalty.LoyaltyClient`` implements it)."""

    async def release(self, *, txn_id: str, member_id: str) -> LoyaltyAnswer: ...


def _age_s(ts: str) -> float:
    try:
        when = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return 0.0
    return (datetime.now(UTC) - when).total_seconds()


async def offline_usage(engine: SyncEngine) -> OfflineUsage:
    """Offline card sales not yet authorized, and today's offline total (UTC day)."""
    ledger = engine.ledger
    entries = await engine.call_ledger(ledger.open_transactions)
    pending, oldest = 0, None
    for entry in entries:
        events = await engine.call_ledger(ledger.transaction_events, entry.txn_id)
        if fold(entry.txn_id, events).mode is Mode.OFFLINE:
            pending += 1
            age = _age_s(events[0].ts)
            oldest = age if oldest is None else max(oldest, age)
    midnight = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00.000Z")
    _count, total = await engine.call_ledger(
        ledger.step_totals_since, Step.OFFLINE_ACCEPTED.value, midnight
    )
    return OfflineUsage(pending, oldest, total)


class SettlementWorker:
    def __init__(
        self,
        *,
        engine: SyncEngine,
        payments: Payments | None,
        retry_s: float = 5.0,
        loyalty: PointsReleaser | None = None,
    ) -> None:
        self.engine = engine
        self.payments = payments
        self.loyalty = loyalty
        self.retry_s = retry_s
        self.busy: set[str] = set()  # transactions the live flow owns right now
        self._wake = asyncio.Event()
        self._pass = asyncio.Lock()  # one pass at a time (recovery's and the task's)
        self._task: asyncio.Task[None] | None = None
        self._alerted: set[str] = set()

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # task root: log, keep settling
                log.exception("settlement pass failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.retry_s):
                    await self._wake.wait()
            self._wake.clear()

    async def run_once(self) -> int:
        """One pass over the open transactions, oldest first; returns how many moved on."""
        async with self._pass:
            return await self._pass_once()

    async def _pass_once(self) -> int:
        ledger = self.engine.ledger
        moved = 0
        for entry in await self.engine.call_ledger(ledger.open_transactions):
            if entry.txn_id in self.busy:
                continue
            events = await self.engine.call_ledger(ledger.transaction_events, entry.txn_id)
            view = fold(entry.txn_id, events)
            self._alert_if_old(view, events[0].ts if events else "")
            try:
                if await self._act(view, next_action(view)):
                    moved += 1
            except SyncError as exc:
                log.info("settlement of %s deferred: %s", view.txn_id, exc)
        return moved

    def _alert_if_old(self, view: TxnView, first_ts: str) -> None:
        pending = (
            view.has(Step.AUTHORIZED)
            and view.last is not Step.RELEASE_REQUESTED
            and view.txn_id not in self._alerted
        )
        if pending and _age_s(first_ts) > AUTH_ALERT_AGE_S:
            self._alerted.add(view.txn_id)
            log.error("authorization %s is older than 20 h and still not settled", view.txn_id)

    async def _close(self, view: TxnView, step: Step, **data: Any) -> bool:
        await record_step(self.engine, view.txn_id, step, data, closes=True)
        self.kick()  # a points hold may now wait for its release
        return True

    async def _act(self, view: TxnView, action: Action) -> bool:
        if action in (Action.NONE, Action.QUERY_DISPENSER):
            return False
        if action is Action.CLOSE_CANCELLED:
            return await self._close(view, Step.CANCELLED, reason="nothing_charged")
        if action is Action.CLOSE_CAPTURED:
            by = "points" if view.mode is Mode.POINTS else "reader"
            return await self._close(view, Step.CAPTURED, by=by)
        if action is Action.MANUAL_REVIEW:
            return await self._close(view, Step.MANUAL_REVIEW, reason="reader_outcome_unknown")
        if action is Action.RELEASE_POINTS:
            return await self._release_points(view)
        payments = self.payments
        if payments is None or not self.engine.connected:
            return False
        final = Step.MANUAL_REVIEW if view.details.get("review") else None
        if action is Action.RESOLVE_AUTHORIZATION:
            answer = await payments.authorization_status(txn_id=view.txn_id)
            if answer.approved:
                await record_step(
                    self.engine,
                    view.txn_id,
                    Step.AUTHORIZED,
                    {"auth_id": answer.auth_id, "resolved": True},
                )
                return await self._act(fold_again(view, answer.auth_id), Action.VOID)
            return await self._close(view, Step.CANCELLED, reason="not_authorized")
        if action is Action.CAPTURE:
            answer = await payments.capture(
                txn_id=view.txn_id, auth_id=view.auth_id or "", amount_minor=view.amount_minor
            )
            if answer.settled:
                return await self._close(view, Step.CAPTURED, by="gateway")
            return await self._close(view, Step.MANUAL_REVIEW, reason=f"capture_{answer.reason}")
        if action is Action.VOID:
            answer = await payments.void(txn_id=view.txn_id, auth_id=view.auth_id or "")
            if answer.settled:
                return await self._close(view, final or Step.VOIDED, voided=True)
            return await self._close(view, Step.MANUAL_REVIEW, reason=f"void_{answer.reason}")
        if action is Action.READER_REFUND:
            answer = await payments.reader_refund(
                txn_id=view.txn_id,
                reader_reference=view.reader_reference or "",
                amount_minor=view.amount_minor,
            )
            if answer.settled:
                return await self._close(view, final or Step.READER_REFUNDED, refunded=True)
            return await self._close(view, Step.MANUAL_REVIEW, reason=f"refund_{answer.reason}")
        if action is Action.AUTHORIZE_AND_CAPTURE:
            return await self._forward_offline(view, payments)
        if action is Action.REFUND:
            d = view.details
            if d.get("original_mode") == Mode.READER.value:
                answer = await payments.reader_refund(
                    txn_id=view.txn_id,
                    reader_reference=str(d.get("reader_reference") or ""),
                    amount_minor=int(d["refund_minor"]),
                )
            else:
                answer = await payments.refund(
                    txn_id=str(d["original_txn"]),
                    refund_id=view.txn_id,
                    amount_minor=int(d["refund_minor"]),
                )
            if answer.settled:
                return await self._close(view, Step.REFUNDED)
            return await self._close(view, Step.MANUAL_REVIEW, reason=f"refund_{answer.reason}")
        return False

    async def _release_points(self, view: TxnView) -> bool:
        """The transaction sold nothing: give its member the held points back."""
        member = view.details.get("member_id")
        if not member:  # nothing identifies the hold: a human must look
            return await self._close(view, Step.MANUAL_REVIEW, reason="release_no_member")
        if self.loyalty is None or not self.engine.connected:
            return False
        try:
            answer = await self.loyalty.release(txn_id=view.txn_id, member_id=str(member))
        except LoyaltyRefusedError as exc:  # e.g. invalid_state: the hold was made final
            return await self._close(view, Step.MANUAL_REVIEW, reason=f"release_{exc.code}")
        return await self._close(view, Step.POINTS_RELEASED, points=answer.points)

    async def _forward_offline(self, view: TxnView, payments: Payments) -> bool:
        """An offline sale whose perfume was delivered: authorize its token, then capture."""
        answer = await payments.authorize(
            txn_id=view.txn_id,
            token=view.token or "",
            amount_minor=view.amount_minor,
            currency=view.currency or "",
            metadata={"offline": True},
        )
        if not answer.approved:
            return await self._close(
                view, Step.MANUAL_REVIEW, reason=f"offline_declined:{answer.reason}"
            )
        await record_step(self.engine, view.txn_id, Step.AUTHORIZED, {"auth_id": answer.auth_id})
        captured = await payments.capture(
            txn_id=view.txn_id, auth_id=answer.auth_id or "", amount_minor=view.amount_minor
        )
        if captured.settled:
            return await self._close(view, Step.CAPTURED, by="gateway", offline=True)
        return await self._close(view, Step.MANUAL_REVIEW, reason=f"capture_{captured.reason}")


def fold_again(view: TxnView, auth_id: str | None) -> TxnView:
    from dataclasses import replace

    return replace(view, auth_id=auth_id, steps=(*view.steps, Step.AUTHORIZED))
