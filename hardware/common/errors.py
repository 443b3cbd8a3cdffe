"""Roots of every device's exception tree, split by phase (init / operation / timeout).

Each device package subclasses these in its own ``errors.py`` so callers can catch one
device's errors or one phase across devices.
"""

from __future__ import annotations


class HardwareError(Exception):
    """Base of every error raised by a driver."""


class DeviceInitError(HardwareError):
    """The device could not be opened, identified or configured."""


class DeviceOperationError(HardwareError):
    """The device refused or failed an operation."""


class DeviceTimeoutError(HardwareError):
    """The device did not answer in time."""


class DeviceUnavailableError(HardwareError):
    """The device cannot be reached right now (unplugged, hung or not yet started)."""


class TransportClosedError(DeviceUnavailableError):
    """The byte transport was closed or lost (EOF, I/O error)."""


class FramingError(HardwareError):
    """A frame could not be decoded (bad checksum, bad length, bad escape)."""
