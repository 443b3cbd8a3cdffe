"""The payment terminal's exception tree, split by phase like ``hardware.common.errors``.

Catch :class:`TerminalError` for anything this driver raises, or a phase root from
``hardware.common.errors`` across devices. No message in this tree ever carries card data:
texts built from terminal bytes go through ``hardware.common.pan.redact`` first.
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


class TerminalError(HardwareError):
    """Base of every payment-terminal error."""


class TerminalInitError(TerminalError, DeviceInitError):
    """The terminal could not be opened or identified."""


class TerminalOperationError(TerminalError, DeviceOperationError):
    """The terminal refused or could not perform an operation."""


class TerminalBusyError(TerminalOperationError):
    """A payment is already in progress on this reader."""


class TerminalRefusedError(TerminalOperationError):
    """The terminal answered a request with a refusal (``NK``)."""


class InvalidPaymentRequestError(TerminalOperationError, ValueError):
    """The kiosk asked for something the protocol cannot carry (bad id, amount, currency)."""


class TerminalTimeoutError(TerminalError, DeviceTimeoutError):
    """The terminal acknowledged a request but did not answer it in time."""


class TerminalLinkError(TerminalTimeoutError):
    """The terminal acknowledged none of the bounded number of transmissions of a frame."""


class TerminalUnavailableError(TerminalError, DeviceUnavailableError):
    """The terminal is not connected right now (port closed, lost, or not yet started)."""


class TerminalFramingError(TerminalError, FramingError):
    """Bytes that cannot be put into, or taken out of, a terminal frame."""


class TerminalMessageError(TerminalFramingError):
    """A well-framed message with an unknown type or invalid fields."""
