"""Refunds and voids a technician (or the POS) asks for, by original transaction.

Rules: a refund names the original transaction; the refunds of one sale never total more than
was captured; an uncaptured payment is voided, never refunded; every refund is its own
journaled transaction (``refund_requested`` → ``refunded``) with a ``REFUND`` ledger event,
settled by the settlement worker under an idempotency key derived from its id.

Loyalty points follow the money (docs/protocol.md, "Loyalty"): a refund takes back the points
the sale earned (its ``LOYALTY`` accrual) and gives back the points it spent (its ``SALE``'s
``points_redeemed``) in proportion to the money refunded. Each share is telescoping: after
refunds totalling ``r`` of the ``c`` captured, ``floor(total * r / c)`` points have moved, so
partial refunds adding up to the whole move exactly the whole, and a refund moves its share
minus what the earlier refunds' ``LOYALTY`` events already moved (which also catches up on
refunds recorded before points followed them). The points travel as ``LOYALTY`` events of the
refund transaction (``kind`` ``reversal`` / ``restore``) committed in the same batch as its
``REFUND`` event, so they are recorded exactly when the refund is, never twice.

A sale paid only with points (mode ``points``) captured no money: it is refused here
(:class:`PointsOnlyError`) and gets its points back through :mod:`kiosk.purchase.points_refunds`,
whose refunds share this module's lock, ``.rN`` numbering and ``LOYALTY`` shares.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.purchase.dispensing import record_step
from kiosk.purchase.journal import Mode, Step, TxnView, fold
from kiosk.purchase.settlement import SettlementWorker
from sync.engine import SyncEngine
from sync.ledger import EventDraft, Ledger
from sync.protocol import Event, EventType

ACCRUAL = "accrual"  # points a sale earned (recorded with its SALE)
REVERSAL = "reversal"  # points the sale earned, taken back
RESTORE = "restore"  # points the sale spent, given back

_refund_locks: weakref.WeakKeyDictionary[Ledger, asyncio.Lock] = weakref.WeakKeyDictionary()


class RefundError(Exception):
    """The refund was refused; the message says why in one sentence."""


class NotCapturedError(RefundError):
    """The payment was never captured: void it instead."""


class PointsOnlyError(RefundError):
    """The sale was paid only with points: give its points back instead (a points refund)."""


def refund_lock(ledger: Ledger) -> asyncio.Lock:
    """The one lock every refund of this ledger (money or points) is checked and recorded
    under: the checks read the ledger and the batch is written after them (awaits between),
    so two refunds asked for at once (the service menu and the POS) would otherwise both pass
    "never more than the sale" and both take the same ``.rN`` id."""
    return _refund_locks.setdefault(ledger, asyncio.Lock())


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
    """Record a refund of ``amount_minor`` of ``original_txn``'s captured money, with the
    loyalty points that follow it, and have the settlement worker settle it.

    One refund at a time per ledger (:func:`refund_lock`)."""
    async with refund_lock(engine.ledger):
        return await _request_refund(
            engine,
            settlement,
            original_txn=original_txn,
            amount_minor=amount_minor,
            operator_id=operator_id,
            reason=reason,
        )


async def _request_refund(
    engine: SyncEngine,
    settlement: SettlementWorker,
    *,
    original_txn: str,
    amount_minor: int,
    operator_id: str,
    reason: str,
) -> RefundTicket:
    ledger = engine.ledger
    sale_events = await engine.call_ledger(ledger.transaction_events, original_txn)
    view = fold(original_txn, sale_events)
    if not view.steps:
        raise RefundError(f"there is no transaction {original_txn}")
    if view.mode is Mode.POINTS:
        raise PointsOnlyError(
            f"{original_txn} was paid only with points: no money to refund, give its points back"
        )
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
    moved = await engine.call_ledger(
        ledger.events_where, EventType.LOYALTY, "original_txn", original_txn
    )
    points = points_drafts(
        sale_events,
        moved,
        refund_txn=refund_txn,
        original_txn=original_txn,
        done=refunded + amount_minor,
        whole=captured,
    )
    requested = {
        "original_mode": (view.mode or Mode.GATEWAY).value,
        "reader_reference": view.reader_reference,
    }
    drafts = refund_drafts(
        view,
        refund_txn,
        amount_minor=amount_minor,
        operator_id=operator_id,
        reason=reason,
        requested=requested,
    )
    await engine.record_many([*drafts, *points])
    settlement.kick()
    return RefundTicket(refund_txn, original_txn, amount_minor)


def refund_drafts(
    view: TxnView,
    refund_txn: str,
    *,
    amount_minor: int,
    operator_id: str,
    reason: str,
    requested: Mapping[str, Any],
    noted: Mapping[str, Any] | None = None,
) -> list[EventDraft]:
    """A refund's ``refund_requested`` step (with ``requested`` besides the common facts) and
    its ``REFUND`` event (with ``noted``): the start of a money refund and of a points refund."""
    original = view.txn_id
    asked = {
        "original_txn": original,
        "refund_minor": amount_minor,
        "operator_id": operator_id,
        "reason": reason,
        **requested,
    }
    return [
        EventDraft(
            EventType.PAYMENT, txn_id=refund_txn, step=Step.REFUND_REQUESTED.value, data=asked
        ),
        EventDraft(
            EventType.REFUND,
            sku=view.details.get("sku"),
            amount_minor=amount_minor,
            currency=view.currency,
            txn_id=refund_txn,
            data={"original_txn": original, "operator_id": operator_id, **(noted or {})},
        ),
    ]


def points_drafts(
    sale_events: Sequence[Event],
    moved: Sequence[Event],
    *,
    refund_txn: str,
    original_txn: str,
    done: int,
    whole: int,
) -> list[EventDraft]:
    """The refund's ``LOYALTY`` events: its share of the points the sale earned (``reversal``)
    and spent (``restore``), for the member who earned or spent them; none for a share of 0.
    ``done`` of ``whole`` is refunded once this refund is: money of the money captured, or
    (a points refund) points of the points spent."""
    earned: Mapping[str, Any] = next(
        (
            e.data
            for e in sale_events
            if e.type is EventType.LOYALTY and e.data.get("kind") == ACCRUAL
        ),
        {},
    )
    sold: Mapping[str, Any] = next((e.data for e in sale_events if e.type is EventType.SALE), {})
    sources = {
        REVERSAL: (earned.get("member_id"), earned.get("points")),
        RESTORE: (sold.get("member_id"), sold.get("points_redeemed")),
    }
    drafts = []
    for kind, (member, total) in sources.items():
        if not isinstance(member, str) or not member or type(total) is not int or total <= 0:
            continue
        before = sum(int(e.data.get("points", 0)) for e in moved if e.data.get("kind") == kind)
        share = total * done // whole - before
        if share > 0:
            drafts.append(
                EventDraft(
                    EventType.LOYALTY,
                    txn_id=refund_txn,
                    data={
                        "kind": kind,
                        "member_id": member,
                        "points": share,
                        "original_txn": original_txn,
                    },
                )
            )
    return drafts


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
