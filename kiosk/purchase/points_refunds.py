"""Points refunds: giving back the loyalty points of a sale paid *only* with points.

Such a sale (mode ``points``, docs/flows.md) captured no money, so a money refund
(:mod:`kiosk.purchase.refunds`) refuses it; a shopper whose points-only purchase went wrong
(a leaking bottle) gets the points back here instead. The rules mirror money refunds with
points for money: a refund names the original transaction; the points refunds of one sale
never total more than its ``SALE`` spent (``points_redeemed``); partial ones are allowed; one
refund at a time per ledger (the lock and ``.rN`` numbering are the money refunds', so the
two kinds never take the same id).

A points refund is its own journaled transaction, like a money refund, but it has nothing to
settle: no gateway, no reader, no money. So its ``refund_requested`` step, its ``REFUND`` event
(``amount_minor`` 0, the points in its data), its ``LOYALTY`` ``restore`` and its closing
``refunded`` step (``by: points``) are committed in one ledger batch: it is never in flight,
the settlement worker never sees it open, and a crash leaves either all of it or none. The
middleware credits the ``restore`` like any other (docs/protocol.md, "Loyalty") and moves the
sale's record to ``partially_refunded`` / ``refunded`` by ``points_left``. Should a points-only
sale ever have earned points (an ``accrual``), their share is taken back (``reversal``) with the
same telescoping rule as money refunds, the fraction being points given back of points spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.purchase.journal import Mode, Step, fold
from kiosk.purchase.refunds import RESTORE, RefundError, points_drafts, refund_drafts, refund_lock
from sync.engine import SyncEngine
from sync.ledger import EventDraft
from sync.protocol import Event, EventType


@dataclass(frozen=True)
class PointsRefundTicket:
    refund_txn_id: str
    original_txn_id: str
    points: int  # given back by this refund
    points_left: int  # of what the sale spent, still not given back after it


async def refund_points(
    engine: SyncEngine,
    *,
    original_txn: str,
    operator_id: str,
    reason: str,
    points: int | None = None,
) -> PointsRefundTicket:
    """Give back ``points`` (None: every point not given back yet) of what the points-only
    sale ``original_txn`` spent, recorded and closed in one batch; RefundError says why not."""
    async with refund_lock(engine.ledger):
        return await _refund_points(
            engine, original_txn=original_txn, operator_id=operator_id, reason=reason, points=points
        )


async def _refund_points(
    engine: SyncEngine, *, original_txn: str, operator_id: str, reason: str, points: int | None
) -> PointsRefundTicket:
    ledger = engine.ledger
    sale_events = await engine.call_ledger(ledger.transaction_events, original_txn)
    view = fold(original_txn, sale_events)
    if not view.steps:
        raise RefundError(f"there is no transaction {original_txn}")
    if view.has(Step.REFUND_REQUESTED):
        raise RefundError(f"{original_txn} is a refund, not a sale")
    if view.mode is not Mode.POINTS:
        raise RefundError(
            f"{original_txn} was not paid only with points: refund its money instead,"
            " and the points it earned or spent follow the money"
        )
    sold = _sale_data(sale_events)
    raw, member = sold.get("points_redeemed"), sold.get("member_id")
    spent = raw if type(raw) is int else 0
    if view.last is not Step.CAPTURED or spent <= 0 or not isinstance(member, str) or not member:
        raise RefundError(f"{original_txn} sold nothing, so it spent no points to give back")
    moved = await engine.call_ledger(
        ledger.events_where, EventType.LOYALTY, "original_txn", original_txn
    )
    given = sum(int(e.data.get("points", 0)) for e in moved if e.data.get("kind") == RESTORE)
    if points is None:
        points = spent - given
        if points <= 0:
            raise RefundError(f"the {spent} points {original_txn} spent were all given back")
    if type(points) is not int or points <= 0:
        raise RefundError("a points refund must be a positive whole number of points")
    if given + points > spent:
        raise RefundError(
            f"points refunds would total {given + points}, more than the {spent} spent"
        )
    earlier = await engine.call_ledger(
        ledger.events_where, EventType.REFUND, "original_txn", original_txn
    )
    refund_txn = f"{original_txn}.r{len(earlier) + 1}"
    left = spent - given - points
    moves = points_drafts(
        sale_events,
        moved,
        refund_txn=refund_txn,
        original_txn=original_txn,
        done=given + points,
        whole=spent,
    )
    requested = {"points": points, "points_left": left, "original_mode": Mode.POINTS.value}
    drafts = refund_drafts(
        view,
        refund_txn,
        amount_minor=0,
        operator_id=operator_id,
        reason=reason,
        requested=requested,
        noted={"points": points},
    )
    await engine.record_many(
        [
            *drafts,
            *moves,
            EventDraft(
                EventType.PAYMENT,
                txn_id=refund_txn,
                step=Step.REFUNDED.value,
                closes=True,
                data={"by": "points"},
            ),
        ]
    )
    return PointsRefundTicket(refund_txn, original_txn, points, left)


def _sale_data(sale_events: list[Event]) -> dict[str, Any]:
    return next((dict(e.data) for e in sale_events if e.type is EventType.SALE), {})
