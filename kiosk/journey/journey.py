"""The shopper's journey: shopper actions in, one :class:`View` out after every change.

:class:`ShopperJourney` is the only thing the shopper screens talk to. It calls the purchase
flow (which owns money and stock), the pricing and the loyalty check, listens to the flow, the
card reader, the dispenser and the sync engine, and publishes what the screen must show:

    ATTRACT → BROWSE ⇄ FINDER → PRODUCT → LOYALTY (skippable) → CHECKOUT → PAYMENT
            → DISPENSING → DONE → (idle) ATTRACT

It never interrupts a payment or a dispense: :meth:`go_home` and :meth:`idle_timeout` are
ignored while money or product may be moving. When the machine cannot sell (maintenance, a
device down, sales paused) the shopper sees UNAVAILABLE instead of a screen that would fail.

The loyalty steps (the member's scan, their points balance and paying with points) are
inherited from :class:`~kiosk.journey.loyalty_steps.LoyaltySteps`: a member may pay part of
the price with loyalty points (:meth:`use_points`) when the catalog allows redemption, the
middleware is reachable and their balance is known. The balance is looked up after a scan
(kiosk.journey.points) in tasks the journey owns, so :meth:`close` must be awaited. What the
shopper is told about a refusal or a failed payment is in kiosk.journey.reasons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from hardware.cardreader import AuthorizationMode, PaymentDidProgress, PaymentStage, ReaderEvent
from hardware.common.state import USABLE_STATES
from kiosk.catalog import Catalog, UnknownItemError
from kiosk.journey.loyalty_steps import LoyaltySteps
from kiosk.journey.points import NO_POINTS, BalanceFetcher, BalanceLookup
from kiosk.journey.reasons import NOTICE_OF_POINTS_REFUSAL, NOTICE_OF_REFUSAL, PHASE_OF_REASON
from kiosk.journey.view import BLOCKING, Notice, PaymentPhase, Screen, Unavailable, View
from kiosk.pricing import Cart, quote
from kiosk.purchase.flow import PurchaseFlow
from kiosk.purchase.model import Dispensable, DispenseKind, PurchaseRefusedError, PurchaseResult
from kiosk.purchase.policy import CardPolicy
from kiosk.purchase.states import PurchaseState, PurchaseStateDidChange
from sync.engine import SyncEngine
from sync.events import ConnectionDidChange, SyncEvent

log = logging.getLogger(__name__)
ViewListener = Callable[[View], None]


@dataclass(frozen=True)
class JourneyConfig:
    receipt_base_url: str = "https://receipts.sillage.example/r/"
    spray_seconds_per_dose: float = 1.0  # how long the "hold your wrist" countdown runs
    bottle_seconds: float = 5.0
    offer_loyalty: bool = True  # show the loyalty scan step before checkout


class ShopperJourney(LoyaltySteps):
    def __init__(
        self,
        *,
        catalog: Catalog,
        flow: PurchaseFlow,
        engine: SyncEngine,
        items: Mapping[str, Dispensable],
        config: JourneyConfig | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        balance: BalanceFetcher | None = None,
    ) -> None:
        """``balance(member_id)``: the member's spendable points at the middleware (raises
        when it cannot tell); None: loyalty points are never offered."""
        self.catalog = catalog
        self.flow = flow
        self.engine = engine
        self.items = dict(items)
        self.config = config or JourneyConfig()
        self.clock = clock
        self.maintenance = False
        self._view = View()
        self._listeners: list[ViewListener] = []
        self._on_hand: Mapping[str, int] = {}
        self._balances = BalanceLookup(balance, self._on_balance_did_arrive)
        flow.add_listener(self._on_purchase_state_did_change)
        flow.reader.add_listener(self._on_reader_event)
        flow.dispenser.add_listener(lambda *_: self.reassess())
        engine.add_listener(self._on_sync_event)

    async def close(self) -> None:
        """Cancel the balance look-ups still running (the runtime calls this at shutdown)."""
        await self._balances.close()

    # -- observing ----------------------------------------------------------------------------
    @property
    def view(self) -> View:
        return self._view

    def add_listener(self, listener: ViewListener) -> None:
        self._listeners.append(listener)

    def _show(self, **changes: Any) -> None:
        new = replace(self._view, **changes)
        if new == self._view:
            return
        self._view = new
        for listener in list(self._listeners):
            listener(new)

    # -- availability -------------------------------------------------------------------------
    def assess(self) -> tuple[Unavailable | None, bool]:
        """(what blocks selling, whether card payments are refused for being offline)."""
        flow = self.flow
        cards_offline = (
            flow.reader.mode is AuthorizationMode.GATEWAY
            and flow.config.card_policy is CardPolicy.REQUIRE_ONLINE
            and not self.engine.connected
        )
        if self.maintenance:
            return Unavailable.MAINTENANCE, cards_offline
        if flow.dispenser.state not in USABLE_STATES or flow.reader.state not in USABLE_STATES:
            return Unavailable.OUT_OF_SERVICE, cards_offline
        if self.engine.sales_paused:
            return Unavailable.SALES_PAUSED, cards_offline
        return (Unavailable.CARDS_OFFLINE if cards_offline else None), cards_offline

    def reassess(self) -> None:
        unavailable, cards_offline = self.assess()
        view = self._view
        if view.busy or view.screen in (Screen.PAYMENT, Screen.DISPENSING, Screen.DONE):
            # Never pull the screen from under a payment or its result.
            self._show(unavailable=unavailable, cards_offline=cards_offline)
            return
        if unavailable in BLOCKING:
            self._abandon()
            self._show(
                screen=Screen.UNAVAILABLE, unavailable=unavailable, cards_offline=cards_offline
            )
        elif view.screen is Screen.UNAVAILABLE:
            self._show(screen=Screen.ATTRACT, unavailable=unavailable, cards_offline=cards_offline)
        else:
            self._show(unavailable=unavailable, cards_offline=cards_offline)

    def set_maintenance(self, on: bool) -> None:
        self.maintenance = on
        self.reassess()

    async def refresh(self) -> None:
        """Re-read stock from the ledger (sold-out SKUs) and the machine's availability."""
        status = await self.engine.ledger_status()
        self._on_hand = dict(status.on_hand)
        sold_out = frozenset(
            sku for sku, item in self.items.items() if self._on_hand.get(sku, 0) < item.stock_qty
        )
        self._show(sold_out=sold_out)
        self.reassess()
        self._look_up_balance_again()  # e.g. the middleware did not answer the last time

    # -- shopper actions ----------------------------------------------------------------------
    def touch(self) -> None:
        """The attract loop was touched."""
        if self._view.screen is Screen.ATTRACT:
            self._show(screen=Screen.BROWSE, family_id=None, notice=Notice.NONE)

    def browse(self, family_id: str | None = None) -> None:
        if self._view.busy or self._view.screen is Screen.UNAVAILABLE:
            return
        self._abandon()
        self._show(
            screen=Screen.BROWSE,
            family_id=family_id,
            product=None,
            offer=None,
            quote=None,
            payment=None,
            reason="",
            notice=Notice.NONE,
            txn_id=None,
        )

    def open_finder(self) -> None:
        if not self._view.busy and self._view.screen is not Screen.UNAVAILABLE:
            self._show(screen=Screen.FINDER, recommendations=(), notice=Notice.NONE)

    def show_recommendations(self, product_ids: tuple[str, ...]) -> None:
        known = tuple(p for p in product_ids if p in {x.id for x in self.catalog.products})
        self._show(screen=Screen.FINDER, recommendations=known)

    def show_product(self, product_id: str) -> None:
        if self._view.busy or self._view.screen is Screen.UNAVAILABLE:
            return
        try:
            product = self.catalog.product(product_id)
        except UnknownItemError:
            log.warning("no product %r in catalog version %d", product_id, self.catalog.version)
            return
        self._abandon()
        self._show(
            screen=Screen.PRODUCT,
            product=product,
            offer=None,
            quote=self._quote_of(product.offers[0].sku) if product.offers else None,
            payment=None,
            reason="",
            notice=Notice.NONE,
        )

    def choose_offer(self, sku: str) -> None:
        """Spray or bottle chosen on the product screen: price it and move on."""
        view = self._view
        if view.busy or view.product is None or sku not in self.items:
            return
        if view.offer_sold_out(sku):
            self._show(notice=Notice.SOLD_OUT)
            return
        self.flow.select(self.items[sku])
        q = self._quote_of(sku)
        self.flow.set_quote(q, points=self._points(q))
        wants_loyalty = (
            self.config.offer_loyalty and bool(self.catalog.loyalty.keys) and view.member is None
        )
        offer = self.catalog.offer(sku)
        self._show(
            screen=Screen.LOYALTY if wants_loyalty else Screen.CHECKOUT,
            offer=offer,
            quote=q,
            points_earned=self._points(q),
            points_used=0,
            **self._offer(offer.sku, view.member, view.points_balance),
            purchase=self.flow.state,
            payment=None,
            reason="",
            notice=Notice.NONE,
        )

    def back(self) -> None:
        view = self._view
        if view.busy:
            return
        if view.screen in (Screen.LOYALTY, Screen.CHECKOUT) and view.product is not None:
            self.show_product(view.product.id)
        elif view.screen is Screen.PAYMENT and view.offer is not None:
            self.retry()
        elif view.screen in (Screen.PRODUCT, Screen.FINDER):
            self.browse(view.family_id)

    def retry(self) -> None:
        """After a decline, timeout or cancel: the same offer back on the checkout screen."""
        view = self._view
        if view.busy or view.offer is None:
            return
        if self.flow.state is not PurchaseState.QUOTED:
            self.flow.select(self.items[view.offer.sku])
            q = self._quote_of(view.offer.sku, member=view.member)
            self.flow.set_quote(q, points=self._points(q))
            self._show(quote=q, points_earned=self._points(q), points_used=0)
        self._show(
            screen=Screen.CHECKOUT,
            payment=None,
            reason="",
            notice=Notice.NONE,
            purchase=self.flow.state,
        )

    async def pay(self) -> PurchaseResult | None:
        view = self._view
        if view.busy or view.screen is not Screen.CHECKOUT:
            return None
        try:
            await self.flow.check_can_pay()
        except PurchaseRefusedError as exc:
            self._refused(exc)
            return None
        self._show(screen=Screen.PAYMENT, payment=self._first_phase(), notice=Notice.NONE)
        try:
            result = await self.flow.pay()
        except PurchaseRefusedError as exc:
            self._refused(exc)
            return None
        self._finish(result)
        await self.refresh()
        return result

    async def cancel(self) -> None:
        """The cancel button: stops a payment still waiting for a card, else goes home."""
        if self.flow.state is PurchaseState.AUTHORIZING:
            await self.flow.cancel()  # pay() returns CANCELLED and shows it
        elif not self._view.busy:
            self.go_home()

    def go_home(self) -> None:
        if self._view.busy:
            return
        self._abandon()
        self._show(
            screen=Screen.UNAVAILABLE if self._view.unavailable in BLOCKING else Screen.ATTRACT,
            family_id=None,
            product=None,
            offer=None,
            quote=None,
            member=None,
            points_earned=0,
            **NO_POINTS,
            payment=None,
            reason="",
            notice=Notice.NONE,
            txn_id=None,
            receipt_url=None,
            card_last4=None,
            recommendations=(),
            purchase=self.flow.state,
        )

    def idle_timeout(self) -> None:
        """The shopper walked away (after the "still there?" prompt went unanswered)."""
        if not self._view.busy and self._view.screen is not Screen.ATTRACT:
            self.go_home()

    # -- listeners ----------------------------------------------------------------------------
    def _on_purchase_state_did_change(self, change: PurchaseStateDidChange) -> None:
        if change.new is PurchaseState.AUTHORIZING:
            self._show(purchase=change.new, screen=Screen.PAYMENT, payment=self._first_phase())
        elif change.new is PurchaseState.DISPENSING:
            item = self.flow.item
            seconds = self.config.bottle_seconds
            if item is not None and item.kind is DispenseKind.SPRAY:
                seconds = (
                    self.flow.config.spray_lead_s + self.config.spray_seconds_per_dose * item.doses
                )
            self._show(
                purchase=change.new,
                screen=Screen.DISPENSING,
                payment=PaymentPhase.APPROVED,
                dispense_seconds=seconds,
            )
        else:
            self._show(purchase=change.new)

    def _on_sync_event(self, event: SyncEvent) -> None:
        if isinstance(event, ConnectionDidChange):
            self._link_did_change(event.connected)
        self.reassess()

    def _on_reader_event(self, event: ReaderEvent) -> None:
        if isinstance(event, PaymentDidProgress) and event.payment_id == self.flow.txn_id:
            if event.stage in (PaymentStage.CARD_PRESENTED, PaymentStage.PROCESSING):
                self._show(payment=PaymentPhase.PROCESSING)
        else:
            self.reassess()

    # -- helpers ------------------------------------------------------------------------------
    def _finish(self, result: PurchaseResult) -> None:
        state = result.state
        common: dict[str, Any] = {
            "purchase": state,
            "reason": result.reason,
            "txn_id": result.txn_id,
            "card_last4": result.last4,
        }
        if state is PurchaseState.COMPLETED:
            url = f"{self.config.receipt_base_url}{self.engine.ledger.device_id}/{result.txn_id}"
            self._show(screen=Screen.DONE, receipt_url=url, **common)
        elif state in (PurchaseState.FAILED_VOIDED, PurchaseState.MANUAL_REVIEW):
            self._show(screen=Screen.DONE, receipt_url=None, points_earned=0, **common)
        elif result.reason in NOTICE_OF_POINTS_REFUSAL and self.flow.state is PurchaseState.QUOTED:
            self._show(**common)
            self._drop_points(NOTICE_OF_POINTS_REFUSAL[result.reason])
        else:
            phase = PHASE_OF_REASON.get(result.reason, PaymentPhase.FAILED)
            self._show(screen=Screen.PAYMENT, payment=phase, **common)

    def _refused(self, exc: PurchaseRefusedError) -> None:
        self._show(
            screen=Screen.CHECKOUT,
            payment=None,
            notice=NOTICE_OF_REFUSAL.get(exc.reason, Notice.TRY_AGAIN),
            reason=exc.reason,
        )
        if exc.reason.startswith("loyalty_"):
            self._drop_points(self._view.notice)
        self.reassess()

    def _abandon(self) -> None:
        """Drop a selection the shopper walked away from (never a payment)."""
        if self.flow.state in (PurchaseState.SELECTED, PurchaseState.QUOTED):
            self.flow.timeout()
        if not self._view.busy:
            self.flow.reset()

    def _quote_of(self, sku: str, *, member: Any = None) -> Any:
        return quote(
            Cart.of([(sku, 1)]),
            self.catalog,
            now=self.clock(),
            member=member if member is not None else self._view.member,
        )
