"""The technician's words for the service domain's message keys (kiosk.service errors, login
statuses, warnings, test outcomes, journal steps, device states and faults).

The domain speaks in keys; this is the one place they become text, through Qt's translation
system (context ``ServiceMessages``). Every text is a literal ``QCoreApplication.translate``
call so ``pyside6-lupdate`` extracts it. An unknown key is shown as the key itself: a
technician can still look it up in docs/service.md.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def error_text(key: str) -> str:
    """A refusal or failure, one sentence."""
    table = {
        "session_expired": QCoreApplication.translate(
            "ServiceMessages", "The service session has ended. Sign in again."
        ),
        "pin_change_required": QCoreApplication.translate(
            "ServiceMessages", "Choose your own PIN first."
        ),
        "pin_not_digits": QCoreApplication.translate(
            "ServiceMessages", "A PIN is made of digits only."
        ),
        "pin_too_short": QCoreApplication.translate(
            "ServiceMessages", "A PIN has at least 6 digits."
        ),
        "pin_too_long": QCoreApplication.translate(
            "ServiceMessages", "A PIN has at most 12 digits."
        ),
        "pin_too_common": QCoreApplication.translate(
            "ServiceMessages",
            "This PIN is too easy to guess (a date, a run or a common PIN). Choose another.",
        ),
        "pin_unchanged": QCoreApplication.translate(
            "ServiceMessages", "The new PIN must differ from the one-time PIN."
        ),
        "pin_wrong": QCoreApplication.translate("ServiceMessages", "The current PIN is wrong."),
        "pin_mismatch": QCoreApplication.translate(
            "ServiceMessages", "The two PINs are different. Type them again."
        ),
        "too_soon": QCoreApplication.translate(
            "ServiceMessages", "Wait before trying a PIN again."
        ),
        "unknown_channel": QCoreApplication.translate(
            "ServiceMessages", "The catalog has no perfume on this channel."
        ),
        "unknown_slot": QCoreApplication.translate(
            "ServiceMessages", "The catalog has no bottle in this slot."
        ),
        "bad_quantity": QCoreApplication.translate("ServiceMessages", "Enter a valid quantity."),
        "bad_lot": QCoreApplication.translate(
            "ServiceMessages",
            "A lot number is 1 to 32 letters, digits, dots, dashes, slashes or underscores.",
        ),
        "bad_expiry": QCoreApplication.translate("ServiceMessages", "Enter the expiry date."),
        "lot_expired": QCoreApplication.translate(
            "ServiceMessages", "This lot has already expired: do not load it."
        ),
        "bad_reason": QCoreApplication.translate("ServiceMessages", "Choose a reason."),
        "bad_note": QCoreApplication.translate(
            "ServiceMessages", "The note is too long (200 characters at most)."
        ),
        "insufficient_stock": QCoreApplication.translate(
            "ServiceMessages", "The stock cannot go below zero."
        ),
        "dispenser_unavailable": QCoreApplication.translate(
            "ServiceMessages", "The dispenser does not answer."
        ),
        "dispenser_refused": QCoreApplication.translate(
            "ServiceMessages", "The dispenser refused the command."
        ),
        "calibration_not_run": QCoreApplication.translate(
            "ServiceMessages", "Run the calibration sprays first."
        ),
        "calibration_out_of_range": QCoreApplication.translate(
            "ServiceMessages",
            "That measure gives a dose outside 10 to 2000 µl. Measure the vial again.",
        ),
        "no_such_transaction": QCoreApplication.translate(
            "ServiceMessages", "This transaction does not exist."
        ),
        "reason_required": QCoreApplication.translate(
            "ServiceMessages", "Give a reason for the refund."
        ),
        "not_captured": QCoreApplication.translate(
            "ServiceMessages", "Only a paid (captured) sale can be refunded."
        ),
        "refund_refused": QCoreApplication.translate(
            "ServiceMessages",
            "This refund is not allowed (more than what is left to refund, or not a sale).",
        ),
        "void_refused": QCoreApplication.translate(
            "ServiceMessages", "This payment cannot be voided (captured or already settled)."
        ),
        "not_in_review": QCoreApplication.translate(
            "ServiceMessages", "This transaction is not waiting for a review."
        ),
        "note_required": QCoreApplication.translate(
            "ServiceMessages", "Write a note (500 characters at most)."
        ),
        "restart_unavailable": QCoreApplication.translate(
            "ServiceMessages", "This kiosk cannot restart itself."
        ),
        "export_no_medium": QCoreApplication.translate(
            "ServiceMessages", "No USB stick found. Insert one and try again."
        ),
        "export_disk_full": QCoreApplication.translate("ServiceMessages", "The USB stick is full."),
        "export_read_only": QCoreApplication.translate(
            "ServiceMessages", "The USB stick is write-protected."
        ),
        "export_failed": QCoreApplication.translate(
            "ServiceMessages", "The export failed. Try another USB stick."
        ),
        "unknown_port": QCoreApplication.translate(
            "ServiceMessages", "This port cannot be traced."
        ),
        "bad_amount": QCoreApplication.translate("ServiceMessages", "Enter a valid amount."),
        "bad_points": QCoreApplication.translate(
            "ServiceMessages", "Enter a whole number of points, or leave it empty for all."
        ),
        "points_only": QCoreApplication.translate(
            "ServiceMessages", "This sale was paid only with points: give its points back."
        ),
        "bad_date": QCoreApplication.translate("ServiceMessages", "This date does not exist."),
    }
    return table.get(key, key)


def outcome_text(key: str) -> str:
    """What a test spray or drop did (``DispenseOutcome`` values)."""
    table = {
        "ok": QCoreApplication.translate("ServiceMessages", "delivered"),
        "empty": QCoreApplication.translate("ServiceMessages", "ran empty"),
        "jam": QCoreApplication.translate("ServiceMessages", "jammed"),
        "door_open": QCoreApplication.translate("ServiceMessages", "door open"),
        "refused": QCoreApplication.translate("ServiceMessages", "refused by the board"),
        "interrupted": QCoreApplication.translate("ServiceMessages", "interrupted"),
        "unknown": QCoreApplication.translate("ServiceMessages", "outcome unknown"),
    }
    return table.get(key, key)


def state_text(key: str) -> str:
    """A device state (``DeviceState`` values) or a device fault code."""
    table = {
        "closed": QCoreApplication.translate("ServiceMessages", "closed"),
        "connecting": QCoreApplication.translate("ServiceMessages", "connecting"),
        "initializing": QCoreApplication.translate("ServiceMessages", "starting"),
        "ready": QCoreApplication.translate("ServiceMessages", "ready"),
        "busy": QCoreApplication.translate("ServiceMessages", "busy"),
        "unavailable": QCoreApplication.translate("ServiceMessages", "unavailable"),
        "fault": QCoreApplication.translate("ServiceMessages", "fault"),
        "reader_fault": QCoreApplication.translate("ServiceMessages", "reader fault"),
        "reader_reset": QCoreApplication.translate("ServiceMessages", "reader reset"),
        "identity_changed": QCoreApplication.translate("ServiceMessages", "device replaced"),
        "board_reset": QCoreApplication.translate("ServiceMessages", "board reset"),
    }
    if key in table:
        return table[key]
    if key.startswith("scan_rejected"):
        return QCoreApplication.translate("ServiceMessages", "scan rejected")
    return outcome_text(key)


def device_text(name: str) -> str:
    """A device (also the hex-trace port name); a second reader keeps its number."""
    base, _, number = name.rpartition("_")
    if not number.isdigit():
        base, number = name, ""
    table = {
        "dispenser": QCoreApplication.translate("ServiceMessages", "Dispenser"),
        "card_reader": QCoreApplication.translate("ServiceMessages", "Card reader"),
        "terminal": QCoreApplication.translate("ServiceMessages", "Payment terminal"),
        "scanner": QCoreApplication.translate("ServiceMessages", "Loyalty scanner"),
    }
    text = table.get(base, base)
    return f"{text} {number}" if number else text


def step_text(step: str) -> str:
    """A transaction's state: its latest journal step."""
    table = {
        "redeeming": QCoreApplication.translate("ServiceMessages", "holding points"),
        "redeemed": QCoreApplication.translate("ServiceMessages", "points held"),
        "redeemed_offline": QCoreApplication.translate("ServiceMessages", "points used offline"),
        "redeem_refused": QCoreApplication.translate("ServiceMessages", "points refused"),
        "release_requested": QCoreApplication.translate("ServiceMessages", "releasing points"),
        "points_released": QCoreApplication.translate("ServiceMessages", "points released"),
        "payment_started": QCoreApplication.translate("ServiceMessages", "payment started"),
        "authorizing": QCoreApplication.translate("ServiceMessages", "authorizing"),
        "authorized": QCoreApplication.translate("ServiceMessages", "authorized"),
        "offline_accepted": QCoreApplication.translate("ServiceMessages", "accepted offline"),
        "declined": QCoreApplication.translate("ServiceMessages", "declined"),
        "cancelled": QCoreApplication.translate("ServiceMessages", "cancelled"),
        "dispense_started": QCoreApplication.translate("ServiceMessages", "dispensing"),
        "dispense_succeeded": QCoreApplication.translate("ServiceMessages", "dispensed"),
        "dispense_failed": QCoreApplication.translate("ServiceMessages", "dispense failed"),
        "capture_requested": QCoreApplication.translate("ServiceMessages", "capturing"),
        "captured": QCoreApplication.translate("ServiceMessages", "paid"),
        "void_requested": QCoreApplication.translate("ServiceMessages", "voiding"),
        "voided": QCoreApplication.translate("ServiceMessages", "voided"),
        "reader_refund_requested": QCoreApplication.translate(
            "ServiceMessages", "refund on the reader"
        ),
        "reader_refunded": QCoreApplication.translate("ServiceMessages", "refunded by the reader"),
        "manual_review": QCoreApplication.translate("ServiceMessages", "needs review"),
        "review_resolved": QCoreApplication.translate("ServiceMessages", "review resolved"),
        "refund_requested": QCoreApplication.translate("ServiceMessages", "refund requested"),
        "refunded": QCoreApplication.translate("ServiceMessages", "refunded"),
    }
    return table.get(step, step)


def reason_text(reason: str) -> str:
    """An adjustment reason code (``AdjustmentReason`` values)."""
    table = {
        "damaged": QCoreApplication.translate("ServiceMessages", "Damaged"),
        "count_correction": QCoreApplication.translate("ServiceMessages", "Count correction"),
        "theft": QCoreApplication.translate("ServiceMessages", "Theft"),
        "expired": QCoreApplication.translate("ServiceMessages", "Expired"),
    }
    return table.get(reason, reason)


def warning_text(kind: str) -> str:
    """A stock warning (``WarningKind`` values)."""
    table = {
        "low_level": QCoreApplication.translate("ServiceMessages", "low"),
        "expiring": QCoreApplication.translate("ServiceMessages", "expires soon"),
        "expired": QCoreApplication.translate("ServiceMessages", "expired"),
    }
    return table.get(kind, kind)


def mode_text(mode: str) -> str:
    """How a sale was paid (``AuthorizationMode`` values)."""
    table = {
        "reader": QCoreApplication.translate("ServiceMessages", "card reader"),
        "gateway": QCoreApplication.translate("ServiceMessages", "card, authorized online"),
        "offline": QCoreApplication.translate("ServiceMessages", "card, accepted offline"),
    }
    return table.get(mode, mode)
