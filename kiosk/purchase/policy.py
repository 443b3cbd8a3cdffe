"""Card-payment policy while the middleware is unreachable, and its caps.

``require_online`` (the default) refuses card payments that need the gateway while the
middleware cannot be reached. ``capped_offline`` accepts a tokenized card offline within
per-sale, daily-total, count and age caps (and optionally never for bottles); those tokens are
authorized and captured oldest first when the link returns. Loyalty redemption is never
offline beyond its own cap (kiosk.loyalty).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CardPolicy(enum.Enum):
    REQUIRE_ONLINE = "require_online"
    CAPPED_OFFLINE = "capped_offline"


@dataclass(frozen=True)
class OfflineCaps:
    per_sale_minor: int = 2_000
    daily_total_minor: int = 20_000
    max_pending: int = 20  # offline sales not yet authorized
    max_age_s: float = 24 * 3600.0  # oldest offline sale not yet authorized
    exclude_bottles: bool = True


@dataclass(frozen=True)
class OfflineUsage:
    """What the ledger says about offline card sales right now."""

    pending_count: int
    oldest_pending_age_s: float | None
    today_total_minor: int


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    offline: bool
    reason: str  # a message key for the screen when refused, else ""


def decide(
    policy: CardPolicy,
    caps: OfflineCaps,
    *,
    online: bool,
    amount_minor: int,
    is_bottle: bool,
    usage: OfflineUsage,
) -> PolicyDecision:
    """May a gateway card payment of ``amount_minor`` start now, and online or offline?"""
    if online:
        return PolicyDecision(True, False, "")
    if policy is CardPolicy.REQUIRE_ONLINE:
        return PolicyDecision(False, False, "card_offline")
    refusals = (
        (is_bottle and caps.exclude_bottles, "offline_bottle"),
        (amount_minor > caps.per_sale_minor, "offline_amount"),
        (usage.today_total_minor + amount_minor > caps.daily_total_minor, "offline_daily_total"),
        (usage.pending_count >= caps.max_pending, "offline_count"),
        (
            usage.oldest_pending_age_s is not None and usage.oldest_pending_age_s > caps.max_age_s,
            "offline_age",
        ),
    )
    for refused, reason in refusals:
        if refused:
            return PolicyDecision(False, True, reason)
    return PolicyDecision(True, True, "")
