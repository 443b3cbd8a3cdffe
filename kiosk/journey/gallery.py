"""Every screen in every state, as :class:`View` values built from a catalog.

``perfume-kiosk screenshots`` renders these, and the accessibility and overflow tests walk
them, so a new state added here is automatically photographed and checked. Names are
``(screen, state)`` pairs used in file names: ``<screen>-<state>-<orientation>-<lang>.png``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kiosk.catalog import Catalog, Offer, Product
from kiosk.journey.view import Notice, PaymentPhase, Screen, Unavailable, View
from kiosk.loyalty import Member, points_for
from kiosk.pricing import Cart, Quote, quote
from kiosk.purchase.states import PurchaseState

# A Friday at 17:30 in the catalog's zone is inside the demo's happy hour, so discounts show.
GALLERY_TIME = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
MEMBER = Member(
    member_id="m-1001",
    display_name="Camille",
    tier="gold",
    issued_at=GALLERY_TIME - timedelta(days=30),
    expires_at=None,
    key_id="demo-1",
)
POINTS_BALANCE = 1240  # the member's spendable points in the gallery


def _first_spray(catalog: Catalog) -> tuple[Product, Offer]:
    for p in catalog.products:
        if p.spray is not None:
            return p, p.spray
    p = catalog.products[0]
    return p, p.offers[0]


def _first_bottle(catalog: Catalog) -> tuple[Product, Offer]:
    for p in catalog.products:
        if p.bottles:
            return p, p.bottles[-1]
    p = catalog.products[0]
    return p, p.offers[0]


def gallery(catalog: Catalog, *, now: datetime = GALLERY_TIME) -> list[tuple[str, str, View]]:
    """(screen name, state name, view) for every screen and state worth showing."""
    product, spray = _first_spray(catalog)
    bottle_product, bottle = _first_bottle(catalog)
    q_spray = quote(Cart.of([(spray.sku, 1)]), catalog, now=now, member=None)
    q_bottle = quote(Cart.of([(bottle.sku, 1)]), catalog, now=now, member=None)
    q_member = quote(Cart.of([(bottle.sku, 1)]), catalog, now=now, member=MEMBER)
    member_points = points_for(q_member, catalog)
    families = [f.id for f in catalog.families]
    some_sold_out = frozenset(o.sku for p in catalog.products[1:3] for o in p.offers)
    recs = tuple(p.id for p in catalog.products[:3])

    chosen = View(screen=Screen.PRODUCT, product=product, quote=q_spray)
    spray_checkout = replace(
        chosen, screen=Screen.CHECKOUT, offer=spray, purchase=PurchaseState.QUOTED
    )
    bottle_checkout = View(
        screen=Screen.CHECKOUT,
        product=bottle_product,
        offer=bottle,
        quote=q_bottle,
        purchase=PurchaseState.QUOTED,
    )
    member_checkout = replace(
        bottle_checkout, quote=q_member, member=MEMBER, points_earned=member_points
    )
    points_states = _points_states(catalog, member_checkout, now=now)
    paying = replace(spray_checkout, screen=Screen.PAYMENT, purchase=PurchaseState.AUTHORIZING)
    after = replace(paying, purchase=PurchaseState.QUOTED)
    done = replace(
        paying,
        screen=Screen.DONE,
        purchase=PurchaseState.COMPLETED,
        payment=PaymentPhase.APPROVED,
        txn_id="t0123456789abcdef0123456",
        receipt_url="https://receipts.sillage.example/r/pk-demo-0001/t0123456789abcdef0123456",
        card_last4="4242",
    )
    views: list[tuple[str, str, View]] = [
        ("attract", "default", View()),
        ("browse", "all", View(screen=Screen.BROWSE)),
        (
            "browse",
            "family",
            View(screen=Screen.BROWSE, family_id=families[0] if families else None),
        ),
        ("browse", "sold-out", View(screen=Screen.BROWSE, sold_out=some_sold_out)),
        (
            "browse",
            "cards-offline",
            View(screen=Screen.BROWSE, cards_offline=True, unavailable=Unavailable.CARDS_OFFLINE),
        ),
        ("finder", "questions", View(screen=Screen.FINDER)),
        ("finder", "results", View(screen=Screen.FINDER, recommendations=recs)),
        ("product", "default", chosen),
        (
            "product",
            "bottle-promotion",
            View(screen=Screen.PRODUCT, product=bottle_product, quote=q_bottle),
        ),
        (
            "product",
            "sold-out",
            replace(chosen, sold_out=frozenset({spray.sku}), notice=Notice.SOLD_OUT),
        ),
        ("loyalty", "waiting", replace(bottle_checkout, screen=Screen.LOYALTY)),
        (
            "loyalty",
            "invalid",
            replace(bottle_checkout, screen=Screen.LOYALTY, notice=Notice.LOYALTY_INVALID),
        ),
        ("checkout", "spray", spray_checkout),
        ("checkout", "bottle", bottle_checkout),
        ("checkout", "member", member_checkout),
        *points_states,
        (
            "checkout",
            "cards-offline",
            replace(spray_checkout, cards_offline=True, notice=Notice.CARDS_OFFLINE),
        ),
        ("payment", "present-card", replace(paying, payment=PaymentPhase.PRESENT_CARD)),
        ("payment", "processing", replace(paying, payment=PaymentPhase.PROCESSING)),
        (
            "payment",
            "approved",
            replace(paying, payment=PaymentPhase.APPROVED, purchase=PurchaseState.DISPENSING),
        ),
        ("payment", "declined", replace(after, payment=PaymentPhase.DECLINED, reason="declined")),
        (
            "payment",
            "timed-out",
            replace(
                after,
                purchase=PurchaseState.CANCELLED,
                payment=PaymentPhase.TIMED_OUT,
                reason="payment_timeout",
            ),
        ),
        (
            "payment",
            "cancelled",
            replace(
                after,
                purchase=PurchaseState.CANCELLED,
                payment=PaymentPhase.CANCELLED,
                reason="cancelled",
            ),
        ),
        (
            "payment",
            "failed",
            replace(
                after,
                purchase=PurchaseState.CANCELLED,
                payment=PaymentPhase.FAILED,
                reason="payment_unavailable",
            ),
        ),
        (
            "dispensing",
            "spray",
            replace(
                paying,
                screen=Screen.DISPENSING,
                purchase=PurchaseState.DISPENSING,
                payment=PaymentPhase.APPROVED,
                dispense_seconds=3.0,
            ),
        ),
        (
            "dispensing",
            "bottle",
            replace(
                bottle_checkout,
                screen=Screen.DISPENSING,
                purchase=PurchaseState.DISPENSING,
                payment=PaymentPhase.APPROVED,
                dispense_seconds=5.0,
            ),
        ),
        ("done", "completed", done),
        (
            "done",
            "member",
            replace(
                done,
                product=bottle_product,
                offer=bottle,
                quote=q_member,
                member=MEMBER,
                points_earned=member_points,
            ),
        ),
        (
            "done",
            "failed",
            replace(
                done, purchase=PurchaseState.FAILED_VOIDED, reason="dispense_jam", receipt_url=None
            ),
        ),
        (
            "done",
            "manual-review",
            replace(
                done,
                purchase=PurchaseState.MANUAL_REVIEW,
                reason="dispense_unknown",
                receipt_url=None,
            ),
        ),
    ]
    for why in Unavailable:
        views.append(
            (
                "unavailable",
                why.value.replace("_", "-"),
                View(screen=Screen.UNAVAILABLE, unavailable=why),
            )
        )
    return views


def _points_states(
    catalog: Catalog, checkout: View, *, now: datetime
) -> list[tuple[str, str, View]]:
    """A member with points: redemption offered, in use, and offered again with what is left
    after the middleware refused (none if the catalog has no point value)."""
    if not catalog.loyalty.redemption_enabled or checkout.offer is None:
        return []
    cart = Cart.of([(checkout.offer.sku, 1)])

    def offered(balance: int) -> tuple[View, Quote]:
        most = quote(cart, catalog, now=now, member=MEMBER, redeem_points=balance)
        view = replace(
            checkout,
            points_balance=balance,
            points_usable=most.points_redeemed,
            points_discount=most.redemption_total,
        )
        return view, most

    offer, used = offered(POINTS_BALANCE)
    in_use = replace(
        offer,
        quote=used,
        points_earned=points_for(used, catalog),
        points_used=used.points_redeemed,
    )
    refused = replace(offered(300)[0], notice=Notice.POINTS_INSUFFICIENT)  # the balance fell
    return [
        ("checkout", "points-offer", offer),
        ("checkout", "points", in_use),
        ("checkout", "points-refused", refused),
    ]
