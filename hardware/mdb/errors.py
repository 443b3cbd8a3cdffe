"""The MDB cashless driver's exception tree, split by phase like hardware.common.errors.

Messages never carry card data: bytes from the reader are never put into an exception text.
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


class MdbError(HardwareError):
    """Base of every MDB driver error."""


class MdbFramingError(MdbError, FramingError):
    """An MDB block or bridge frame could not be decoded or encoded."""


class MdbInitError(MdbError, DeviceInitError):
    """The reader could not be reset, configured, identified or enabled."""


class MdbOperationError(MdbError, DeviceOperationError):
    """The reader refused a command, or the call does not fit the reader's state."""


class MdbBusyError(MdbOperationError):
    """A payment or vend report is already in progress on this reader."""


class MdbNakError(MdbOperationError):
    """The reader answered NAK (it will be asked again until the non-response time)."""


class MdbTimeoutError(MdbError, DeviceTimeoutError):
    """The reader gave no valid answer within the non-response time."""


class MdbUnavailableError(MdbError, DeviceUnavailableError):
    """The reader cannot be reached right now (port lost, reader silent or not started)."""
