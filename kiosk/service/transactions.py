"""Recent transactions, refunds and voids, and manual-review resolution, for the service menu.

Read from the ledger's journal (``sync.ledger_journal``): a transaction's state is its latest
journal step (a message key: ``captured``, ``voided``, ``manual_review``...). Refunds and voids
go through :mod:`kiosk.purchase.refunds` (``request_refund`` / ``void_payment``), which owns the
rules and hands the settlement to the settlement worker. A sale paid only with loyalty points
(mode ``points``) has no money to refund: :meth:`TransactionsService.refund` refuses it
(``points_only``) and :meth:`TransactionsService.refund_points` gives its points back
(:mod:`kiosk.purchase.points_refunds`: recorded and closed at once, nothing to settle).
``can_refund``/``can_refund_points``/``can_void`` on a summary are only hints for the buttons.

Resolving a manual review commits, in one ledger transaction, a ``PAYMENT`` journal event with
step ``review_resolved`` that closes the transaction (technician id and note in its data) and
the ``AUDIT`` event. ``review_resolved`` is deliberately not a ``kiosk.purchase.journal.Step``:
``fold`` skips steps it does not know, so to the settlement worker and recovery the
transaction still ends in ``manual_review`` — nothing to do — while the journal's latest step
(and so ``LedgerStatus.manual_review``) no longer counts it as waiting for a technician.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kiosk.purchase.journal import Mode, Step, fold
from kiosk.purchase.points_refunds import refund_points
from kiosk.purchase.refunds import (
    RESTORE,
    NotCapturedError,
    PointsOnlyError,
    RefundError,
    request_refund,
    void_payment,
)
from kiosk.purchase.settlement import SettlementWorker
from kiosk.service.audit import AuditAction, AuditTrail
from kiosk.service.errors import TransactionError
from kiosk.service.session import ServiceSession
from sync.engine import SyncEngine
from sync.ledger import EventDraft
from sync.protocol import Event, EventType, parse_event

REVIEW_RESOLVED = "review_resolved"
NOTE_MAX = 500


@dataclass(frozen=True)
class TransactionSummary:
    txn_id: str
    kind: str  # "sale" or "refund"
    started_ts: str  # UTC ISO-8601
    updated_ts: str
    step: str  # latest journal step: the state's message key
    open: bool  # still being settled
    mode: str | None  # reader, gateway, offline, points
    sku: str | None
    amount_minor: int
    currency: str | None
    refunded_minor: int  # refunds requested so far (sales)
    dispensed: bool | None
    original_txn: str | None = None  # refunds: the sale they refund
    can_refund: bool = False
    can_void: bool = False
    points_spent: int = 0  # sales: the loyalty points its SALE spent
    points_restored: int = 0  # given back by a points-only sale's refunds so far, or by this one
    can_refund_points: bool = False  # a sale paid only with points with some left to give back

    @property
    def needs_review(self) -> bool:
        return self.step == Step.MANUAL_REVIEW.value


@dataclass(frozen=True)
class RefundRequested:
    refund_txn_id: str
    original_txn_id: str
    amount_minor: int  # 0 for a points refund
    points: int = 0  # a points refund: the points given back


class TransactionsService:
    def __init__(
        self, *, engine: SyncEngine, settlement: SettlementWorker, audit: AuditTrail
    ) -> None:
        self.engine = engine
        self.settlement = settlement
        self.audit = audit

    async def recent(
        self, session: ServiceSession, limit: int = 50, scan_events: int = 2000
    ) -> list[TransactionSummary]:
        """The ``limit`` transactions most recently touched, newest first, found among the
        last ``scan_events`` ledger events."""
        await session.authorize()
        ledger = self.engine.ledger
        last = ledger.last_seq
        rows = await self.engine.call_ledger(
            ledger.events_between, max(1, last - scan_events + 1), last
        )
        seen: list[str] = []
        for _seq, wire in reversed(rows):
            txn = parse_event(json.loads(wire))[0].txn_id
            if txn is not None and txn not in seen:
                seen.append(txn)
                if len(seen) >= limit:
                    break
        return [await self.summary(txn) for txn in seen]

    async def summary(self, txn_id: str) -> TransactionSummary:
        ledger = self.engine.ledger
        events = await self.engine.call_ledger(ledger.transaction_events, txn_id)
        entry = await self.engine.call_ledger(ledger.journal_entry, txn_id)
        if not events:
            raise TransactionError("no_such_transaction", f"there is no transaction {txn_id}")
        view = fold(txn_id, events)
        refund = view.has(Step.REFUND_REQUESTED)
        refunded, spent, restored = 0, 0, _restored(events)
        if not refund:
            earlier = await self.engine.call_ledger(
                ledger.events_where, EventType.REFUND, "original_txn", txn_id
            )
            refunded = sum(e.amount_minor for e in earlier)
            if view.mode is Mode.POINTS:  # one more ledger scan, for the sales it matters to
                moved = await self.engine.call_ledger(
                    ledger.events_where, EventType.LOYALTY, "original_txn", txn_id
                )
                restored = _restored(moved)
            sold = next(
                (e.data.get("points_redeemed") for e in events if e.type is EventType.SALE), 0
            )
            spent = sold if type(sold) is int else 0
        amount = _amount(view.details, events, refund)
        captured = view.last is Step.CAPTURED
        points_only = view.mode is Mode.POINTS
        return TransactionSummary(
            txn_id=txn_id,
            kind="refund" if refund else "sale",
            started_ts=events[0].ts,
            updated_ts=events[-1].ts,
            step=entry.step if entry else (view.last.value if view.last else ""),
            open=bool(entry and entry.open),
            mode=view.mode.value if view.mode else None,
            sku=view.details.get("sku"),
            amount_minor=amount,
            currency=view.currency,
            refunded_minor=refunded,
            dispensed=view.dispense_ok,
            original_txn=view.details.get("original_txn") if refund else None,
            can_refund=not refund and captured and refunded < amount and not points_only,
            can_void=(
                view.has(Step.AUTHORIZED)
                and not view.has(Step.CAPTURED)
                and not view.has(Step.VOIDED)
                and not view.dispense_ok
                and not (entry and entry.open)
            ),
            points_spent=spent,
            points_restored=restored,
            can_refund_points=points_only and captured and restored < spent,
        )

    async def refund(
        self, session: ServiceSession, txn_id: str, amount_minor: int, reason: str
    ) -> RefundRequested:
        """Refund (part of) a captured sale; settled by the settlement worker. A sale paid
        only with points is refused (``points_only``): :meth:`refund_points` is its refund."""
        tech = await session.authorize()

        async def refund_money(why: str) -> RefundRequested:
            ticket = await request_refund(
                self.engine,
                self.settlement,
                original_txn=txn_id,
                amount_minor=amount_minor,
                operator_id=tech,
                reason=why,
            )
            return RefundRequested(ticket.refund_txn_id, txn_id, ticket.amount_minor)

        details = {"txn_id": txn_id, "amount_minor": amount_minor, "reason": reason}
        return await self._refunding(tech, details, refund_money)

    async def refund_points(
        self, session: ServiceSession, txn_id: str, reason: str, points: int | None = None
    ) -> RefundRequested:
        """Give back ``points`` (None: all those not given back yet) of a sale paid only with
        loyalty points; recorded and closed at once (no money, nothing to settle)."""
        tech = await session.authorize()

        async def give_back(why: str) -> RefundRequested:
            ticket = await refund_points(
                self.engine, original_txn=txn_id, operator_id=tech, reason=why, points=points
            )
            return RefundRequested(ticket.refund_txn_id, txn_id, 0, ticket.points)

        details = {"txn_id": txn_id, "points": points, "reason": reason}
        return await self._refunding(tech, details, give_back)

    async def _refunding(
        self,
        tech: str,
        details: dict[str, Any],
        record: Callable[[str], Awaitable[RefundRequested]],
    ) -> RefundRequested:
        """Check the reason, ``record`` the refund with it, and audit the outcome; the purchase
        rules' refusals become message keys."""
        reason = details["reason"]
        try:
            if not isinstance(reason, str) or not reason.strip() or len(reason) > NOTE_MAX:
                raise TransactionError("reason_required", "give a reason for the refund")
            done = await record(reason.strip())
        except RefundError as exc:
            key = _refusal_key(exc)
            await self.audit.refused(
                AuditAction.REFUND, technician_id=tech, key=key, details=details
            )
            raise TransactionError(key, str(exc)) from None
        except TransactionError as exc:
            await self.audit.refused(
                AuditAction.REFUND, technician_id=tech, key=exc.key, details=details
            )
            raise
        outcome = {**details, "refund_txn_id": done.refund_txn_id}
        if done.points:
            outcome["points"] = done.points
        await self.audit.record(AuditAction.REFUND, technician_id=tech, details=outcome)
        return done

    async def void(self, session: ServiceSession, txn_id: str) -> None:
        """Void an authorization left open (e.g. a manual review); settled by the worker."""
        tech = await session.authorize()
        try:
            await void_payment(self.engine, self.settlement, txn_id=txn_id, operator_id=tech)
        except RefundError as exc:
            await self.audit.refused(
                AuditAction.VOID, technician_id=tech, key="void_refused", details={"txn_id": txn_id}
            )
            raise TransactionError("void_refused", str(exc)) from None
        await self.audit.record(AuditAction.VOID, technician_id=tech, details={"txn_id": txn_id})

    async def review_items(self, session: ServiceSession) -> list[TransactionSummary]:
        """Transactions closed for a technician to review (latest step ``manual_review``)."""
        await session.authorize()
        ledger = self.engine.ledger
        flagged = await self.engine.call_ledger(
            ledger.events_where, EventType.PAYMENT, "step", Step.MANUAL_REVIEW.value
        )
        items = []
        for txn in dict.fromkeys(e.txn_id for e in flagged if e.txn_id):
            entry = await self.engine.call_ledger(ledger.journal_entry, txn)
            if entry is not None and entry.step == Step.MANUAL_REVIEW.value:
                items.append(await self.summary(txn))
        return items

    async def resolve_review(self, session: ServiceSession, txn_id: str, note: str) -> None:
        """Close a manual review with the technician's note (see the module docstring)."""
        tech = await session.authorize()
        entry = await self.engine.call_ledger(self.engine.ledger.journal_entry, txn_id)
        details = {"txn_id": txn_id}
        try:
            if entry is None or entry.step != Step.MANUAL_REVIEW.value:
                raise TransactionError("not_in_review", f"{txn_id} is not waiting for a review")
            if not isinstance(note, str) or not note.strip() or len(note) > NOTE_MAX:
                raise TransactionError("note_required", f"write a note of 1-{NOTE_MAX} characters")
        except TransactionError as exc:
            await self.audit.refused(
                AuditAction.REVIEW_RESOLVED, technician_id=tech, key=exc.key, details=details
            )
            raise
        data = {"technician_id": tech, "note": note.strip()}
        step = EventDraft(
            EventType.PAYMENT, txn_id=txn_id, step=REVIEW_RESOLVED, closes=True, data=data
        )
        await self.audit.record_with(
            [step], AuditAction.REVIEW_RESOLVED, technician_id=tech, details={**details, **data}
        )


def _refusal_key(exc: RefundError) -> str:
    if isinstance(exc, NotCapturedError):
        return "not_captured"
    return "points_only" if isinstance(exc, PointsOnlyError) else "refund_refused"


def _restored(events: list[Event]) -> int:
    """The points these (a refund's, or a sale's refunds') LOYALTY events gave back."""
    moves = (e for e in events if e.type is EventType.LOYALTY and e.data.get("kind") == RESTORE)
    return sum(int(e.data.get("points", 0)) for e in moves)


def _amount(details: object, events: list[Event], refund: bool) -> int:
    if refund:
        return sum(e.amount_minor for e in events if e.type is EventType.REFUND)
    assert isinstance(details, dict)
    return int(details.get("approved_minor") or details.get("amount_minor") or 0)
