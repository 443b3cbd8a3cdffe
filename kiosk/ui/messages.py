"""Shopper-facing text for the domain's message keys (refusals, outcomes, notices).

The domain speaks in keys (``"declined"``, ``"dispense_jam"``, ``Notice.SOLD_OUT``); this is
the one place they become words, through Qt's translation system (context ``Messages``).
"""

from __future__ import annotations

from kiosk.journey import Notice, Unavailable
from kiosk.ui.i18n import tr


def _t(text: str) -> str:
    return tr("Messages", text)


def notice_text(notice: Notice) -> str:
    table = {
        Notice.NONE: "",
        Notice.SOLD_OUT: _t("Sorry, this one is sold out."),
        Notice.CARDS_OFFLINE: _t("Card payments are unavailable while we are offline."),
        Notice.OFFLINE_LIMIT: _t("We are offline: this amount cannot be paid by card right now."),
        Notice.LOYALTY_INVALID: _t("We could not read that loyalty code. Please try again."),
        Notice.LOYALTY_EXPIRED: _t("This loyalty code has expired. Please refresh it in the app."),
        Notice.LOYALTY_UNKNOWN_KEY: _t("This loyalty code is not valid at this machine."),
        Notice.NOT_A_LOYALTY_CODE: _t("That is not a loyalty code."),
        Notice.READER_UNAVAILABLE: _t("The card reader is not ready. Please try again shortly."),
        Notice.SALES_PAUSED: _t("Sales are paused for a moment. Please try again shortly."),
        Notice.TRY_AGAIN: _t("Something went wrong. Please try again."),
    }
    return table[notice]


def unavailable_title(why: Unavailable) -> str:
    table = {
        Unavailable.MAINTENANCE: _t("Temporarily unavailable"),
        Unavailable.OUT_OF_SERVICE: _t("Out of service"),
        Unavailable.SALES_PAUSED: _t("Sales paused"),
        Unavailable.CARDS_OFFLINE: _t("Card payments unavailable"),
    }
    return table[why]


def unavailable_text(why: Unavailable) -> str:
    table = {
        Unavailable.MAINTENANCE: _t("A technician is looking after this machine. Back soon."),
        Unavailable.OUT_OF_SERVICE: _t("This machine cannot sell right now. Sorry!"),
        Unavailable.SALES_PAUSED: _t("We will be back in a moment."),
        Unavailable.CARDS_OFFLINE: _t(
            "We are offline, so cards cannot be accepted. You can still discover our scents."
        ),
    }
    return table[why]


def outcome_text(reason: str) -> str:
    """Why a purchase did not complete; the shopper always learns whether they were charged."""
    table = {
        "declined": _t("Your card was declined. You were not charged."),
        "payment_timeout": _t("No card was presented in time. You were not charged."),
        "cancelled": _t("Payment cancelled. You were not charged."),
        "reader_fault": _t("The card reader had a problem. You were not charged."),
        "payment_unavailable": _t("The payment service did not answer. You were not charged."),
        "dispense_empty": _t("Sorry, this perfume just ran out. Your payment has been released."),
        "dispense_jam": _t("Sorry, the machine could not deliver. Your payment has been released."),
        "dispense_door_open": _t(
            "Sorry, the machine could not deliver. Your payment has been released."
        ),
        "dispense_unknown": _t(
            "We could not confirm the delivery. Your payment has been released "
            "and staff have been notified."
        ),
    }
    return table.get(reason, _t("Sorry, something went wrong. You were not charged."))
