"""Paying with loyalty points: where a redemption may go, its offline cap, and the hold step.

A quote that spends points (``kiosk.pricing.quote(..., redeem_points=n)``) is paid partly or
wholly with them. Before any card is asked:

- **online** (the middleware reachable): the ``redeeming`` step is committed *before* the
  ``loyalty.redeem`` RPC, so after a crash the ledger says points may be held; the answer is
  journalled as ``redeemed`` (held) or ``redeem_refused`` (e.g. ``insufficient_points``: the
  shopper goes back to the quote). A lost answer ends the purchase (``loyalty_unavailable``)
  and the hold is released by the settlement worker — a redeem is never sent twice;
- **offline**: :class:`kiosk.loyalty.RedemptionPolicy` with ``FlowConfig``'s per-day cap
  (default 0: refused, reason ``loyalty_offline_disabled``). The day is the kiosk's local day
  (``FlowConfig.timezone``), counted from the ledger's ``redeemed_offline`` steps — so it
  survives restarts — leaving out purchases that ended without a sale.

Whatever the route, the SALE carries the points (``Redemption.sale_data``): the middleware
makes the hold final, or debits an offline redemption, exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kiosk.loyalty import RedemptionPolicy
from kiosk.purchase.journal import Step, fold
from kiosk.purchase.model import FlowConfig, PurchaseRefusedError, Redemption, RedemptionRoute
from sync.engine import SyncEngine
from sync.errors import SyncError
from sync.loyalty import InsufficientPointsError, LoyaltyAnswer, LoyaltyRefusedError

log = logging.getLogger(__name__)

StepRecorder = Callable[..., Awaitable[int]]


class PointsService(Protocol):
    """The middleware's loyalty holds (``sync.loyalty.LoyaltyClient`` implements it)."""

    async def redeem(self, *, txn_id: str, member_id: str, points: int) -> LoyaltyAnswer: ...

    async def release(self, *, txn_id: str, member_id: str) -> LoyaltyAnswer: ...


def local_day_start(timezone: str, now: datetime | None = None) -> str:
    """The UTC instant (ledger timestamp format) at which the local day of ``now`` began."""
    zone = ZoneInfo(timezone)
    local = (now or datetime.now(UTC)).astimezone(zone)
    midnight = datetime(local.year, local.month, local.day, tzinfo=zone).astimezone(UTC)
    return midnight.strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def offline_points_today(
    engine: SyncEngine, timezone: str, *, now: datetime | None = None
) -> int:
    """Points redeemed offline since the local midnight, by purchases that did not end
    without a sale (in flight or sold)."""
    ledger = engine.ledger
    since = local_day_start(timezone, now)
    total = 0
    for event in await engine.call_ledger(
        ledger.step_events_since, Step.REDEEMED_OFFLINE.value, since
    ):
        txn = str(event.txn_id)
        view = fold(txn, await engine.call_ledger(ledger.transaction_events, txn))
        entry = await engine.call_ledger(ledger.journal_entry, txn)
        ended_unsold = entry is not None and not entry.open and view.dispense_ok is not True
        if not ended_unsold:
            total += int(event.data.get("redeem_points") or 0)
    return total


async def choose_route(
    *, engine: SyncEngine, loyalty: PointsService | None, config: FlowConfig, points: int
) -> RedemptionRoute:
    """Where ``points`` may be redeemed now, or PurchaseRefusedError with the screen's key
    (``loyalty_offline_disabled``, ``loyalty_offline_over_cap``)."""
    online = loyalty is not None and engine.connected
    used = 0 if online else await offline_points_today(engine, config.timezone)
    policy = RedemptionPolicy(config.loyalty_offline_daily_cap_points)
    decision = policy.decide_redemption(points, online=online, redeemed_today=used)
    if not decision.allowed:
        raise PurchaseRefusedError(f"loyalty_{decision.reason.value}")
    return RedemptionRoute.ONLINE if online else RedemptionRoute.OFFLINE


async def start_redemption(
    step: StepRecorder, txn: str, redemption: Redemption, base: dict[str, Any]
) -> None:
    """The first step of a purchase paid (partly) with points, with its ``base`` data:
    ``redeeming`` (committed before the RPC) or ``redeemed_offline``. SalesPausedError passes
    through."""
    first = Step.REDEEMING if redemption.route is RedemptionRoute.ONLINE else Step.REDEEMED_OFFLINE
    await step(txn, first, base, new_sale=True)


async def hold_points(
    step: StepRecorder, loyalty: PointsService | None, txn: str, redemption: Redemption
) -> str | None:
    """Online: have the middleware hold the points (after :func:`start_redemption`). None
    when held (or taken offline); else the reason key for the screen, the transaction closed:
    ``loyalty_insufficient_points`` / ``loyalty_refused`` (nothing held) or
    ``loyalty_unavailable`` (the settlement worker releases whatever may be held)."""
    if redemption.route is RedemptionRoute.OFFLINE:
        return None
    assert loyalty is not None
    try:
        answer = await loyalty.redeem(
            txn_id=txn, member_id=redemption.member_id, points=redemption.points
        )
    except InsufficientPointsError:
        await step(txn, Step.REDEEM_REFUSED, {"reason": "insufficient_points"}, closes=True)
        return "loyalty_insufficient_points"
    except LoyaltyRefusedError as exc:
        log.warning("redemption of %s refused: %s", txn, exc)
        await step(txn, Step.REDEEM_REFUSED, {"reason": exc.code}, closes=True)
        return "loyalty_refused"
    except SyncError as exc:  # unknown outcome: points may be held; release, never redeem again
        log.warning("redemption of %s unresolved: %s", txn, exc)
        await step(txn, Step.CANCELLED, {"reason": "loyalty_unavailable"}, closes=True)
        return "loyalty_unavailable"
    await step(txn, Step.REDEEMED, {"held": answer.points, "available": answer.available})
    return None
