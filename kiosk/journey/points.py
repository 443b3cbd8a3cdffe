"""Paying with loyalty points on the touchscreen: the member's balance and what a quote may use.

After a member is identified, :class:`BalanceLookup` asks the middleware for their spendable
balance (an injected ``balance(member_id) -> points`` coroutine; the runtime passes
:func:`spendable_points` of ``machine.loyalty``) in tasks it owns and cancels in
:meth:`~BalanceLookup.close`. A lookup that fails with ``sync.errors.SyncError`` (offline, no
answer, refused) or ``ValueError`` gives ``None`` — the screen then offers no redemption — and
is logged once until a lookup succeeds again. :func:`points_offer` is how many points a
one-item cart could spend given that balance, and what they take off the price (the catalog's
point value and share cap decide: ``kiosk.pricing.quote(..., redeem_points=balance)``).

The screen offers redemption only online with a known balance; an offline redemption remains
governed by the purchase flow's per-day cap (``FlowConfig.loyalty_offline_daily_cap_points``),
but the touchscreen does not offer it without a balance to show.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from kiosk.catalog import Catalog
from kiosk.journey.view import Screen, View
from kiosk.loyalty import Member
from kiosk.money import Money
from kiosk.pricing import Cart, quote
from sync.errors import SyncError
from sync.loyalty import LoyaltyClient

log = logging.getLogger(__name__)

BalanceFetcher = Callable[[str], Awaitable[int]]
BalanceDidArrive = Callable[[str, int | None], None]  # (member id, points or None)
NO_OFFER: dict[str, Any] = {"points_usable": 0, "points_discount": None}  # View fields
NO_POINTS: dict[str, Any] = {**NO_OFFER, "points_balance": None, "points_used": 0}
POINTS_SCREENS = (Screen.LOYALTY, Screen.CHECKOUT)


def spendable_points(client: LoyaltyClient) -> BalanceFetcher:
    """The journey's look-up over the middleware's loyalty RPC: the points a member may spend
    now (their balance less the points held for redemptions in progress)."""

    async def spendable(member_id: str) -> int:
        return (await client.balance(member_id)).available

    return spendable


class BalanceLookup:
    """Member balances fetched in owned tasks; ``done(member_id, points | None)`` per lookup."""

    def __init__(self, fetch: BalanceFetcher | None, done: BalanceDidArrive) -> None:
        self._fetch = fetch
        self._done = done
        self._tasks: dict[str, asyncio.Task[None]] = {}  # by member id: one at a time
        self._failing = False  # a failure was logged; the next success is logged once too

    def request(self, member_id: str) -> None:
        """Start looking up ``member_id``'s balance (needs a running event loop), unless a
        look-up of theirs is in flight already."""
        running = self._tasks.get(member_id)
        if self._fetch is None or (running is not None and not running.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("no event loop: the member's points balance is not looked up")
            return
        task = loop.create_task(self._lookup(self._fetch, member_id), name="points-balance")
        self._tasks[member_id] = task
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for member_id, mine in list(self._tasks.items()):
            if mine is task:
                del self._tasks[member_id]

    async def _lookup(self, fetch: BalanceFetcher, member_id: str) -> None:
        try:
            points: int | None = max(0, int(await fetch(member_id)))
        except (SyncError, ValueError) as exc:  # the screen just offers no redemption
            if not self._failing:
                log.warning("loyalty balances unavailable (%s): points are not offered", exc)
            self._failing = True
            points = None
        else:
            if self._failing:
                log.info("loyalty balances available again")
            self._failing = False
        self._done(member_id, points)

    async def close(self) -> None:
        """Cancel every lookup still running and wait for them to end."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()


def points_offer(
    catalog: Catalog, sku: str, member: Member, balance: int, *, now: datetime
) -> tuple[int, Money | None]:
    """The most points a one-``sku`` cart priced for ``member`` at ``now`` can spend out of
    ``balance``, and what they take off the price: ``(0, None)`` when none can be spent (no
    balance, or a catalog without redemption)."""
    if balance <= 0 or not catalog.loyalty.redemption_enabled:
        return 0, None
    cart = Cart.of([(sku, 1)])
    priced = quote(cart, catalog, now=now, member=member, redeem_points=balance)
    if not priced.points_redeemed:
        return 0, None
    return priced.points_redeemed, priced.redemption_total


def offer_fields(
    catalog: Catalog,
    sku: str | None,
    member: Member | None,
    balance: int | None,
    *,
    online: bool,
    now: datetime,
) -> dict[str, Any]:
    """The View's ``points_usable`` / ``points_discount``: an offer only online, for a member
    whose balance is known."""
    if sku is None or member is None or balance is None or not online:
        return dict(NO_OFFER)
    usable, value = points_offer(catalog, sku, member, balance, now=now)
    return {"points_usable": usable, "points_discount": value}


def wants_balance(view: View, catalog: Catalog, *, online: bool) -> bool:
    """A member on the loyalty or checkout screen, balance unknown, online, no payment under
    way, a catalog that lets points pay: worth (another) look-up."""
    return (
        view.member is not None
        and view.points_balance is None
        and view.screen in POINTS_SCREENS
        and not view.busy
        and online
        and catalog.loyalty.redemption_enabled
    )
