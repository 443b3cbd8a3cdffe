"""The service menu's exception tree: every refusal carries a message key for the screen.

The domain never shows words: ``ServiceError.key`` (``"pin_too_common"``, ``"session_expired"``,
``"export_no_medium"``...) is what kiosk/ui translates; ``detail`` is one English sentence for
logs. Errors of the layers below (ledger, drivers, refunds) are translated once, here.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A service-menu request was refused; ``key`` is the message key the screen shows."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(detail or key)
        self.key = key
        self.detail = detail or key


class SessionExpiredError(ServiceError):
    """No session, or it ended (idle for too long, logged out, technician revoked)."""


class PinChangeRequiredError(ServiceError):
    """The technician logged in with a one-time PIN and must choose their own first."""


class PinRejectedError(ServiceError):
    """A new PIN breaks the PIN rules (too short, not digits, too common, unchanged)."""


class EnrolmentError(ServiceError):
    """A provisioning file or enrolment message is malformed or not allowed now."""


class StockError(ServiceError):
    """A refill or adjustment was refused (unknown channel, bad quantity, below zero...)."""


class DeviceError(ServiceError):
    """The dispenser could not run a test or calibration (unavailable, refused)."""


class TransactionError(ServiceError):
    """A refund, void or review resolution was refused by the purchase rules."""


class ExportError(ServiceError):
    """The export could not be written (no stick, stick full, I/O error)."""


class ControlError(ServiceError):
    """A machine-control request cannot be served (e.g. no restart hook wired)."""
