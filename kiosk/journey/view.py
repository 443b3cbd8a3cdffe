"""What the touchscreen shows, as data: the screen, the chosen perfume and offer, the quote,
the member and their points, how far a payment got, and why the machine cannot sell right now.

A :class:`View` is immutable; the journey publishes a new one after every change, and the
screenshot tool builds them directly to render every screen and state.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from kiosk.catalog import Offer, Product
from kiosk.loyalty import Member
from kiosk.money import Money
from kiosk.pricing import Quote
from kiosk.purchase.states import PurchaseState


class Screen(enum.Enum):
    ATTRACT = "attract"
    BROWSE = "browse"
    FINDER = "finder"
    PRODUCT = "product"
    LOYALTY = "loyalty"
    CHECKOUT = "checkout"
    PAYMENT = "payment"
    DISPENSING = "dispensing"
    DONE = "done"
    UNAVAILABLE = "unavailable"


# Screens where the shopper is in the middle of choosing: the idle prompt may end them.
IDLE_ENDABLE = frozenset(
    {
        Screen.BROWSE,
        Screen.FINDER,
        Screen.PRODUCT,
        Screen.LOYALTY,
        Screen.CHECKOUT,
        Screen.DONE,
    }
)


class PaymentPhase(enum.Enum):
    PRESENT_CARD = "present_card"  # the reader waits for a card
    PROCESSING = "processing"  # a card was presented; reading / authorizing
    APPROVED = "approved"  # authorized: dispensing follows at once
    DECLINED = "declined"  # the shopper may retry or cancel
    TIMED_OUT = "timed_out"  # no card in time; nothing was charged
    CANCELLED = "cancelled"  # the shopper cancelled; nothing was charged
    FAILED = "failed"  # reader fault or payment service unreachable; nothing was charged


class Unavailable(enum.Enum):
    """Why the machine cannot sell now, most serious first."""

    MAINTENANCE = "maintenance"  # a technician switched sales off
    OUT_OF_SERVICE = "out_of_service"  # the dispenser or every card reader is down
    SALES_PAUSED = "sales_paused"  # the sync engine's outbox is full
    CARDS_OFFLINE = "cards_offline"  # require_online policy and the middleware is unreachable


# Conditions that stop browsing altogether; CARDS_OFFLINE only stops paying (a banner).
BLOCKING = frozenset(
    {Unavailable.MAINTENANCE, Unavailable.OUT_OF_SERVICE, Unavailable.SALES_PAUSED}
)


class Notice(enum.Enum):
    """A one-line message on the current screen (a message key the UI translates)."""

    NONE = ""
    SOLD_OUT = "sold_out"
    CARDS_OFFLINE = "cards_offline"
    OFFLINE_LIMIT = "offline_limit"  # capped_offline: this sale is over an offline cap
    LOYALTY_INVALID = "loyalty_invalid"
    LOYALTY_EXPIRED = "loyalty_expired"
    LOYALTY_UNKNOWN_KEY = "loyalty_unknown_key"
    NOT_A_LOYALTY_CODE = "not_a_loyalty_code"
    READER_UNAVAILABLE = "reader_unavailable"
    POINTS_INSUFFICIENT = "points_insufficient"  # the middleware refused: not enough points
    POINTS_UNAVAILABLE = "points_unavailable"  # points cannot be used now (offline, refused)
    SALES_PAUSED = "sales_paused"
    TRY_AGAIN = "try_again"


@dataclass(frozen=True)
class View:
    screen: Screen = Screen.ATTRACT
    family_id: str | None = None  # browse filter; None = every perfume
    product: Product | None = None
    offer: Offer | None = None
    quote: Quote | None = None
    member: Member | None = None
    points_earned: int = 0  # what this purchase earns the member
    points_balance: int | None = None  # the member's spendable points; None: unknown/offline
    points_usable: int = 0  # the most points this quote could spend (0: no offer)
    points_discount: Money | None = None  # what spending points_usable takes off the price
    points_used: int = 0  # the points the current quote spends
    purchase: PurchaseState = PurchaseState.BROWSING
    payment: PaymentPhase | None = None
    reason: str = ""  # the purchase flow's message key ("declined", "dispense_jam", ...)
    notice: Notice = Notice.NONE
    unavailable: Unavailable | None = None
    cards_offline: bool = False
    sold_out: frozenset[str] = frozenset()  # SKUs that cannot be sold now
    txn_id: str | None = None
    receipt_url: str | None = None
    card_last4: str | None = None
    dispense_seconds: float = 0.0  # how long the spray countdown / bottle drop should show
    recommendations: tuple[str, ...] = ()  # product ids from the scent finder
    extras: Mapping[str, str] = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        """Money or product may be moving: never interrupt (idle, language, back)."""
        return self.purchase in (PurchaseState.AUTHORIZING, PurchaseState.DISPENSING)

    @property
    def charged(self) -> bool:
        return self.purchase is PurchaseState.COMPLETED

    def offer_sold_out(self, sku: str) -> bool:
        return sku in self.sold_out

    def product_sold_out(self, product: Product) -> bool:
        return all(o.sku in self.sold_out for o in product.offers)
