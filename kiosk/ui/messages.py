"""Shopper-facing text for the domain's message keys (refusals, outcomes, notices).

The domain speaks in keys (``"declined"``, ``"dispense_jam"``, ``Notice.SOLD_OUT``); this is
the one place they become words, through Qt's translation system (context ``Messages``).
Every text is a literal ``QCoreApplication.translate`` call so ``pyside6-lupdate`` extracts it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from kiosk.journey import Notice, Unavailable


def notice_text(notice: Notice) -> str:
    table = {
        Notice.NONE: "",
        Notice.SOLD_OUT: QCoreApplication.translate("Messages", "Sorry, this one is sold out."),
        Notice.CARDS_OFFLINE: QCoreApplication.translate(
            "Messages", "Card payments are unavailable while we are offline."
        ),
        Notice.OFFLINE_LIMIT: QCoreApplication.translate(
            "Messages", "We are offline: this amount cannot be paid by card right now."
        ),
        Notice.LOYALTY_INVALID: QCoreApplication.translate(
            "Messages", "We could not read that loyalty code. Please try again."
        ),
        Notice.LOYALTY_EXPIRED: QCoreApplication.translate(
            "Messages", "This loyalty code has expired. Please refresh it in the app."
        ),
        Notice.LOYALTY_UNKNOWN_KEY: QCoreApplication.translate(
            "Messages", "This loyalty code is not valid at this machine."
        ),
        Notice.NOT_A_LOYALTY_CODE: QCoreApplication.translate(
            "Messages", "That is not a loyalty code."
        ),
        Notice.READER_UNAVAILABLE: QCoreApplication.translate(
            "Messages", "The card reader is not ready. Please try again shortly."
        ),
        Notice.SALES_PAUSED: QCoreApplication.translate(
            "Messages", "Sales are paused for a moment. Please try again shortly."
        ),
        Notice.TRY_AGAIN: QCoreApplication.translate(
            "Messages", "Something went wrong. Please try again."
        ),
        Notice.POINTS_INSUFFICIENT: QCoreApplication.translate(
            "Messages", "Not enough points are available. You can pay without them."
        ),
        Notice.POINTS_UNAVAILABLE: QCoreApplication.translate(
            "Messages", "Points cannot be used right now. You can pay without them."
        ),
    }
    return table[notice]


def unavailable_title(why: Unavailable) -> str:
    table = {
        Unavailable.MAINTENANCE: QCoreApplication.translate("Messages", "Temporarily unavailable"),
        Unavailable.OUT_OF_SERVICE: QCoreApplication.translate("Messages", "Out of service"),
        Unavailable.SALES_PAUSED: QCoreApplication.translate("Messages", "Sales paused"),
        Unavailable.CARDS_OFFLINE: QCoreApplication.translate(
            "Messages", "Card payments unavailable"
        ),
    }
    return table[why]


def unavailable_text(why: Unavailable) -> str:
    table = {
        Unavailable.MAINTENANCE: QCoreApplication.translate(
            "Messages", "A technician is looking after this machine. Back soon."
        ),
        Unavailable.OUT_OF_SERVICE: QCoreApplication.translate(
            "Messages", "This machine cannot sell right now. Sorry!"
        ),
        Unavailable.SALES_PAUSED: QCoreApplication.translate(
            "Messages", "We will be back in a moment."
        ),
        Unavailable.CARDS_OFFLINE: QCoreApplication.translate(
            "Messages",
            "We are offline, so cards cannot be accepted. You can still discover our scents.",
        ),
    }
    return table[why]


def outcome_text(reason: str) -> str:
    """Why a purchase did not complete; the shopper always learns whether they were charged."""
    table = {
        "declined": QCoreApplication.translate(
            "Messages", "Your card was declined. You were not charged."
        ),
        "payment_timeout": QCoreApplication.translate(
            "Messages", "No card was presented in time. You were not charged."
        ),
        "idle": QCoreApplication.translate(
            "Messages", "No card was presented in time. You were not charged."
        ),
        "cancelled": QCoreApplication.translate(
            "Messages", "Payment cancelled. You were not charged."
        ),
        "reader_fault": QCoreApplication.translate(
            "Messages", "The card reader had a problem. You were not charged."
        ),
        "payment_unavailable": QCoreApplication.translate(
            "Messages", "The payment service did not answer. You were not charged."
        ),
        "dispense_empty": QCoreApplication.translate(
            "Messages", "Sorry, this perfume just ran out. Your payment has been released."
        ),
        "dispense_jam": QCoreApplication.translate(
            "Messages", "Sorry, the machine could not deliver. Your payment has been released."
        ),
        "dispense_door_open": QCoreApplication.translate(
            "Messages", "Sorry, the machine could not deliver. Your payment has been released."
        ),
        "dispense_unknown": QCoreApplication.translate(
            "Messages",
            "We could not confirm the delivery. Your payment has been released "
            "and staff have been notified.",
        ),
    }
    return table.get(
        reason,
        QCoreApplication.translate(
            "Messages", "Sorry, something went wrong. You were not charged."
        ),
    )


def family_name(family_id: str, fallback: str) -> str:
    """The shopper-language name of a scent family (the catalog's English name otherwise).

    Written as ``QCoreApplication.translate`` calls so ``pyside6-lupdate`` extracts them."""
    table = {
        "floral": QCoreApplication.translate("Families", "Floral"),
        "woody": QCoreApplication.translate("Families", "Woody"),
        "fresh": QCoreApplication.translate("Families", "Fresh"),
        "amber": QCoreApplication.translate("Families", "Amber"),
        "citrus": QCoreApplication.translate("Families", "Citrus"),
        "gourmand": QCoreApplication.translate("Families", "Gourmand"),
    }
    return table.get(family_id, fallback)


def tier_name(tier: str) -> str:
    """The shopper-language name of a loyalty tier. A member code carries its tier as a key
    (``gold``); the usual ones are translated, any other shows as written ("Rose club")."""
    table = {
        "classic": QCoreApplication.translate("Tiers", "Classic"),
        "bronze": QCoreApplication.translate("Tiers", "Bronze"),
        "silver": QCoreApplication.translate("Tiers", "Silver"),
        "gold": QCoreApplication.translate("Tiers", "Gold"),
        "platinum": QCoreApplication.translate("Tiers", "Platinum"),
        "vip": QCoreApplication.translate("Tiers", "VIP"),
    }
    words = tier.replace("_", " ").replace("-", " ").strip()
    return table.get(tier, words[:1].upper() + words[1:])
