"""Value types of the purchase flow: what to dispense, how it is priced, how it ended."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.purchase.policy import CardPolicy, OfflineCaps
from kiosk.purchase.states import PurchaseState
from sync.protocol import Unit


class DispenseKind(enum.Enum):
    SPRAY = "spray"
    BOTTLE = "bottle"


@dataclass(frozen=True)
class Dispensable:
    """One purchasable offer, resolved to the hardware that delivers it."""

    sku: str
    kind: DispenseKind
    target: int  # spray channel or bottle slot
    doses: int  # sprays per purchase (1 for a bottle)
    stock_qty: int  # what leaves stock: µl for a spray (doses × calibrated dose), 1 bottle
    unit: Unit
    item_number: int  # the selection number the card reader is told


class Priced(Protocol):
    """A quote as the flow needs it (kiosk.pricing.Quote satisfies it)."""

    @property
    def total_minor(self) -> int: ...

    @property
    def currency(self) -> str: ...

    @property
    def member_id(self) -> str | None: ...

    @property
    def points_redeemed(self) -> int:
        """Loyalty points the quote spends (its total is already net of their value)."""

    def to_json(self) -> Mapping[str, Any]: ...


class UnknownDispensePolicy(enum.Enum):
    VOID = "void"  # give the money back and flag for review (the default: never charge blind)
    LEAVE = "leave"  # keep the authorization for a technician to capture or void


@dataclass(frozen=True)
class FlowConfig:
    payment_timeout_s: float = 60.0
    card_policy: CardPolicy = CardPolicy.REQUIRE_ONLINE
    offline_caps: OfflineCaps = field(default_factory=OfflineCaps)
    unknown_dispense: UnknownDispensePolicy = UnknownDispensePolicy.VOID
    dispense_query_attempts: int = 5
    dispense_query_interval_s: float = 1.0
    currency: str = "EUR"
    # Loyalty points redeemed while the middleware is unreachable, per local day (0: never).
    loyalty_offline_daily_cap_points: int = 0
    timezone: str = "UTC"  # IANA zone of the kiosk's local day (the offline loyalty cap)
    # "Hold your wrist under the nozzle": seconds between the approval and a spray, for the
    # shopper to get ready (the screen counts down). A crash meanwhile voids: nothing sprayed.
    spray_lead_s: float = 0.0


class RedemptionRoute(enum.Enum):
    ONLINE = "online"  # the middleware holds the points (balance checked) until the SALE
    OFFLINE = "offline"  # within the kiosk's daily offline cap; debited when the SALE arrives


@dataclass(frozen=True)
class Redemption:
    """Loyalty points a purchase pays with."""

    member_id: str
    points: int
    route: RedemptionRoute

    def sale_data(self) -> dict[str, Any]:
        """What the SALE event carries so the middleware debits the points exactly once."""
        return {
            "member_id": self.member_id,
            "points_redeemed": self.points,
            "redemption": self.route.value,
        }


@dataclass(frozen=True)
class PurchaseResult:
    txn_id: str | None
    state: PurchaseState
    reason: str  # message key for the screen ("", "declined", "dispense_empty", ...)
    card_brand: str | None = None
    last4: str | None = None


class PurchaseRefusedError(Exception):
    """A purchase cannot start now; ``reason`` is the message key for the screen."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
