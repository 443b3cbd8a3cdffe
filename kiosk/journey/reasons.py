"""What the shopper is told when something does not go through: the purchase flow's reason
codes and the loyalty scanner's errors, as the :class:`~kiosk.journey.view.Notice` or
:class:`~kiosk.journey.view.PaymentPhase` the screen shows.

The journey (``kiosk.journey.journey``) looks reasons up here; a reason not listed gets the
generic phase or notice it names at the call site.
"""

from __future__ import annotations

from kiosk.journey.view import Notice, PaymentPhase
from kiosk.loyalty import ExpiredCodeError, LoyaltyError, NotALoyaltyCodeError, UnknownKeyError

PHASE_OF_REASON = {
    "declined": PaymentPhase.DECLINED,
    "payment_timeout": PaymentPhase.TIMED_OUT,
    "idle": PaymentPhase.TIMED_OUT,
    "cancelled": PaymentPhase.CANCELLED,
}
NOTICE_OF_REFUSAL = {
    "sold_out": Notice.SOLD_OUT,
    "sales_paused": Notice.SALES_PAUSED,
    "reader_unavailable": Notice.READER_UNAVAILABLE,
    "card_offline": Notice.CARDS_OFFLINE,
    "offline_bottle": Notice.OFFLINE_LIMIT,
    "offline_amount": Notice.OFFLINE_LIMIT,
    "offline_daily_total": Notice.OFFLINE_LIMIT,
    "offline_count": Notice.OFFLINE_LIMIT,
    "offline_age": Notice.OFFLINE_LIMIT,
    "loyalty_no_member": Notice.POINTS_UNAVAILABLE,
    "loyalty_offline_disabled": Notice.POINTS_UNAVAILABLE,
    "loyalty_offline_over_cap": Notice.POINTS_UNAVAILABLE,
}
# The middleware would not hold the points: back to the quote, to pay without them.
NOTICE_OF_POINTS_REFUSAL = {
    "loyalty_insufficient_points": Notice.POINTS_INSUFFICIENT,
    "loyalty_refused": Notice.POINTS_UNAVAILABLE,
}


def loyalty_notice(exc: LoyaltyError) -> Notice:
    """Why a scanned code identified no member."""
    if isinstance(exc, NotALoyaltyCodeError):
        return Notice.NOT_A_LOYALTY_CODE
    if isinstance(exc, ExpiredCodeError):
        return Notice.LOYALTY_EXPIRED
    if isinstance(exc, UnknownKeyError):
        return Notice.LOYALTY_UNKNOWN_KEY
    return Notice.LOYALTY_INVALID
