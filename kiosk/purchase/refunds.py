"""Refunds and voids a technician (or the POS) asks for, by original transaction.

Rules: a refund names the original transaction; the refunds of one sale never total more than
was captured; an uncaptured payment is voided, never refunded; every refund is its own
journaled transaction (``refund_requested`` → ``refunded``) with a ``REFUND`` ledger event,
settled by the settlement worker under an idempotency key derived from its id.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.purchase.dispensing import record_step
from kiosk.purchase.journal import Mode, Step, fold
from kiosk.purchase.settlement import SettlementWorker
from sync.engine import SyncEngine
from sync.ledger import EventDraft
from sync.protocol import EventType


class RefundError(Exception):
    """The refund was refused; the message says why in one sentence."""


class NotCapturedError(RefundError):
    """The payment was never captured: void it instead."""


@dataclass(frozen=True)
class RefundTicket:
    refund_txn_id: str
    original_txn_id: str
    amount_minor: int


async def request_refund(
    engine: SyncEngine,
    settlement: SettlementWorker,
    *,
    original_txn: str,
    amount_minor: int,
    operator_id: str,
    reason: str,
) -> RefundTicket:
    ledger = engine.ledger
    view = fold(original_txn, await engine.call_ledger(ledger.transaction_events, original_txn))
    if not view.steps:
        raise RefundError(f"there is no transaction {original_txn}")
    if amount_minor <= 0:
        raise RefundError("a refund amount must be positive")
    if view.last is not Step.CAPTURED:
        if view.has(Step.AUTHORIZED) and not view.has(Step.VOIDED):
            raise NotCapturedError(f"{original_txn} was not captured: void it instead")
        raise RefundError(f"{original_txn} has nothing captured to refund ({view.last})")
    captured = int(view.details.get("approved_minor", view.amount_minor))
    earlier = await engine.call_ledger(
        ledger.events_where, EventType.REFUND, "original_txn", original_txn
    )
    refunded = sum(e.amount_minor for e in earlier)
    if refunded + amount_minor > captured:
        raise RefundError(
            f"refunds would total {refunded + amount_minor}, more than the {captured} captured"
        )
    refund_txn = f"{original_txn}.r{len(earlier) + 1}"
    data = {
        "original_txn": original_txn,
        "refund_minor": amount_minor,
        "operator_id": operator_id,
        "reason": reason,
        "original_mode": (view.mode or Mode.GATEWAY).value,
        "reader_reference": view.reader_reference,
    }
    await engine.record_many(
        [
            EventDraft(
                EventType.PAYMENT, txn_id=refund_txn, step=Step.REFUND_REQUESTED.value, data=data
            ),
            EventDraft(
                EventType.REFUND,
                sku=view.details.get("sku"),
                amount_minor=amount_minor,
                currency=view.currency,
                txn_id=refund_txn,
                data={"original_txn": original_txn, "operator_id": operator_id},
            ),
        ]
    )
    settlement.kick()
    return RefundTicket(refund_txn, original_txn, amount_minor)


async def void_payment(
    engine: SyncEngine, settlement: SettlementWorker, *, txn_id: str, operator_id: str
) -> None:
    """A technician voids an authorization left open (e.g. after manual review)."""
    view = fold(txn_id, await engine.call_ledger(engine.ledger.transaction_events, txn_id))
    if not view.has(Step.AUTHORIZED) or view.has(Step.CAPTURED) or view.has(Step.VOIDED):
        raise RefundError(f"{txn_id} has no open authorization to void")
    if view.dispense_ok:
        raise RefundError(f"{txn_id} was dispensed: capture it, then refund if needed")
    await record_step(engine, txn_id, Step.VOID_REQUESTED, {"operator_id": operator_id})
    settlement.kick()
