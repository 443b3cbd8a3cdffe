"""The dispenser driver's exception tree, rooted by phase in hardware.common.errors.

Catch :class:`DispenserError` for anything from this driver, or a phase root
(``DeviceOperationError``, ``DeviceTimeoutError``...) across devices. Errors raised before any
byte went out (:class:`ActuationRefusedError`) guarantee that nothing moved.
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


class DispenserError(HardwareError):
    """Base of every dispenser driver error."""


class DispenserInitError(DispenserError, DeviceInitError):
    """Bad URL or options, or the board's identity is unusable."""


class DispenserOperationError(DispenserError, DeviceOperationError):
    """The board refused or failed an operation."""


class ActuationRefusedError(DispenserOperationError):
    """The driver refused an actuation before sending anything (on-time cap, bad channel or
    slot, bad command id). Nothing was sent, so nothing moved."""


class CommandIdConflictError(DispenserOperationError):
    """The board already knows this command id with other parameters; it executed nothing."""


class NakError(DispenserOperationError):
    """The board answered a request with a NAK that retrying cannot fix."""


class DispenserTimeoutError(DispenserError, DeviceTimeoutError):
    """The board did not answer a request in time, after every retry."""


class DispenserUnavailableError(DispenserError, DeviceUnavailableError):
    """The board cannot be reached now (unplugged, hung, not started or closed)."""


class MalformedMessageError(DispenserError, FramingError):
    """A frame with a good CRC carried a payload that is not a valid message."""
