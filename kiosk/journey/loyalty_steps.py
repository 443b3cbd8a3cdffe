"""The member's steps on the shopper's journey: the loyalty scan and paying with points.

:class:`LoyaltySteps` is a base class of :class:`~kiosk.journey.journey.ShopperJourney` and
works on its state (declared below): :meth:`~LoyaltySteps.scan` identifies a member and
re-prices the offer for them; when the catalog allows redemption it looks up their balance
(:class:`~kiosk.journey.points.BalanceLookup`, in tasks the journey owns and cancels in
``close()``) and, once it arrives, shows what the points could pay. The points are offered only
online with a known balance: withdrawn when the link drops (unless already in use) and looked
up again when it comes back. :meth:`~LoyaltySteps.use_points` re-prices with or without them;
when they cannot pay (the flow or the middleware refused) :meth:`~LoyaltySteps._drop_points`
brings the shopper back to the checkout, priced without them, and asks for the balance afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.catalog import Catalog
from kiosk.journey.points import NO_OFFER, NO_POINTS, BalanceLookup, offer_fields, wants_balance
from kiosk.journey.reasons import loyalty_notice
from kiosk.journey.view import Notice, PaymentPhase, Screen, View
from kiosk.loyalty import LoyaltyError, Member, points_for, verify_member_qr
from kiosk.pricing import Cart, quote
from kiosk.purchase.flow import PurchaseFlow
from kiosk.purchase.states import PurchaseState
from sync.engine import SyncEngine


class LoyaltySteps:
    """The loyalty and points steps of :class:`~kiosk.journey.journey.ShopperJourney`."""

    # The journey's state these steps read and change (ShopperJourney sets them).
    catalog: Catalog
    flow: PurchaseFlow
    engine: SyncEngine
    clock: Callable[[], datetime]
    _view: View
    _balances: BalanceLookup

    if TYPE_CHECKING:  # ShopperJourney's

        def _show(self, **changes: Any) -> None: ...

        def _quote_of(self, sku: str, *, member: Any = None) -> Any: ...

    # -- shopper actions ----------------------------------------------------------------------
    def scan(self, text: str) -> bool:
        """A code from the loyalty scanner; True when it identified a member."""
        view = self._view
        if view.screen not in (Screen.LOYALTY, Screen.CHECKOUT) or view.offer is None:
            return False
        try:
            member = verify_member_qr(text, self.catalog.loyalty.keys, now=self.clock())
        except LoyaltyError as exc:
            self._show(notice=loyalty_notice(exc))
            return False
        q = quote(Cart.of([(view.offer.sku, 1)]), self.catalog, now=self.clock(), member=member)
        self.flow.set_quote(q, points=self._points(q))
        self._show(
            screen=Screen.CHECKOUT,
            member=member,
            quote=q,
            points_earned=self._points(q),
            notice=Notice.NONE,
            **NO_POINTS,
        )
        if self.catalog.loyalty.redemption_enabled:
            self._balances.request(member.member_id)
        return True

    def use_points(self, on: bool) -> None:
        """Pay part of the price with the member's points (``points_usable`` of them), or not.
        Only on the checkout screen, never during a payment."""
        view = self._view
        if (
            view.busy
            or view.screen is not Screen.CHECKOUT
            or view.offer is None
            or view.member is None
            or self.flow.state is not PurchaseState.QUOTED
            or (on and view.points_usable <= 0)
        ):
            return
        points = view.points_usable if on else 0
        q = quote(
            Cart.of([(view.offer.sku, 1)]),
            self.catalog,
            now=self.clock(),
            member=view.member,
            redeem_points=points,
        )
        self.flow.set_quote(q, points=self._points(q))  # earned on what is paid
        self._show(
            quote=q,
            points_earned=self._points(q),
            points_used=q.points_redeemed,
            notice=Notice.NONE,
            reason="",
        )

    def skip_loyalty(self) -> None:
        if self._view.screen is Screen.LOYALTY:
            self._show(screen=Screen.CHECKOUT, notice=Notice.NONE)

    # -- listeners ----------------------------------------------------------------------------
    def _look_up_balance_again(self) -> None:
        """The balance is still unknown: ask again (none in flight; failures logged once)."""
        view, online = self._view, self.engine.connected
        if view.member and wants_balance(view, self.catalog, online=online):
            self._balances.request(view.member.member_id)

    def _on_balance_did_arrive(self, member_id: str, points: int | None) -> None:
        view = self._view
        if view.busy or view.member is None or view.member.member_id != member_id:
            return  # a later shopper, or a payment under way
        if view.points_used:
            self._show(points_balance=points)  # the offer stands while its points are in use
            return
        sku = view.offer.sku if view.offer is not None else None
        self._show(points_balance=points, **self._offer(sku, view.member, points))

    def _link_did_change(self, connected: bool) -> None:
        """Points are offered only online: the offer is withdrawn when the link drops (unless its
        points are in use), and an unknown balance looked up again when it comes back."""
        view = self._view
        if not connected and not view.points_used and view.points_balance is not None:
            self._show(points_balance=None, **NO_OFFER)  # offered only online
        elif connected:
            self._look_up_balance_again()

    # -- helpers ------------------------------------------------------------------------------
    def _drop_points(self, notice: Notice) -> None:
        """Points could not pay: the checkout again, priced without them, and the balance
        looked up afresh (it may have changed since it was shown)."""
        view = self._view
        if view.offer is None:
            return
        q = self._quote_of(view.offer.sku)
        if self.flow.state in (PurchaseState.SELECTED, PurchaseState.QUOTED):
            self.flow.set_quote(q, points=self._points(q))
        self._show(
            screen=Screen.CHECKOUT,
            payment=None,
            quote=q,
            points_earned=self._points(q),
            **NO_POINTS,
            notice=notice,
            purchase=self.flow.state,
        )
        if view.member is not None and self.catalog.loyalty.redemption_enabled:
            self._balances.request(view.member.member_id)

    def _points(self, q: Any) -> int:
        """The points ``q`` earns its member (none without one)."""
        return points_for(q, self.catalog) if q.member_id else 0

    def _offer(self, sku: str | None, member: Member | None, balance: int | None) -> dict[str, Any]:
        online, now = self.engine.connected, self.clock()
        return offer_fields(self.catalog, sku, member, balance, online=online, now=now)

    def _first_phase(self) -> PaymentPhase:
        """What the payment screen says first: no card is asked when points pay it all."""
        q = self.flow.quote
        if q is not None and q.points_redeemed and q.total_minor == 0:
            return PaymentPhase.PROCESSING
        return PaymentPhase.PRESENT_CARD
