"""The loyalty scanner's exception tree, split by phase like every device package.

Every class subclasses both :class:`ScannerError` (catch anything from the scanner) and the
matching root in :mod:`hardware.common.errors` (catch one phase across devices). Messages never
carry scanned data: a shopper may scan a payment card.
"""

from __future__ import annotations

from hardware.common.errors import (
    DeviceInitError,
    DeviceOperationError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    FramingError,
    HardwareError,
)


class ScannerError(HardwareError):
    """Base of every loyalty-scanner error."""


class ScannerInitError(ScannerError, DeviceInitError):
    """The scanner could not be opened, identified or configured (bad URL, bad options)."""


class ScannerOperationError(ScannerError, DeviceOperationError):
    """The scanner refused or failed an operation."""


class ScannerCommandRejectedError(ScannerOperationError):
    """The serial module answered a command with NAK."""

    def __init__(self, command: str, reason: str) -> None:
        super().__init__(f"scanner rejected {command}: {reason}")
        self.command = command
        self.reason = reason


class InvalidFrameError(ScannerOperationError, ValueError):
    """A camera frame's size does not match its pixel buffer."""


class ScannerTimeoutError(ScannerError, DeviceTimeoutError):
    """The serial module did not answer a command in time (after retries)."""


class ScannerUnavailableError(ScannerError, DeviceUnavailableError):
    """The scanner cannot be reached right now (unplugged, hung, closed, reconnecting)."""


class ScannerFramingError(ScannerError, FramingError):
    """Bytes that cannot be framed (e.g. a payload longer than the protocol allows)."""


class ScannerMessageError(ScannerFramingError):
    """A well-formed frame whose content is not a valid message (unknown kind, short payload)."""
