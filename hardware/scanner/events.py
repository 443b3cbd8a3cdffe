"""Events every loyalty-scanner source emits, whatever reads the code (camera or serial module).

Payloads are frozen dataclasses and enums. A scan that contains card data never becomes a
:class:`ScanEvent`: it is reported as a :class:`ScanDidReject` carrying no data at all.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from hardware.common.state import DeviceState
from hardware.scanner.symbology import Symbology


class ScanSource(enum.Enum):
    CAMERA = "camera"  # frames from the kiosk camera decoded with zbar
    SERIAL = "serial"  # a 2D scanner module on a serial port


class RejectReason(enum.Enum):
    CARD_DATA = "card_data"  # looked like a card number or track data: dropped unseen
    TOO_LONG = "too_long"  # longer than the scanner's max_data


@dataclass(frozen=True)
class ScanEvent:
    """One decoded code. ``text`` is UTF-8 if the bytes are valid UTF-8, else ISO 8859-1
    (the default character set of most symbologies); ``data`` is the exact bytes."""

    text: str
    symbology: Symbology
    source: ScanSource
    data: bytes
    at: float  # the scanner's clock (time.monotonic by default) when it was decoded


@dataclass(frozen=True)
class ScanDidDecode:
    scan: ScanEvent


@dataclass(frozen=True)
class ScanDidReject:
    """A code was read but dropped; carries no scanned data."""

    reason: RejectReason
    symbology: Symbology
    source: ScanSource
    length: int  # bytes read


@dataclass(frozen=True)
class ScannerStateDidChange:
    old: DeviceState
    new: DeviceState


ScannerEvent = ScanDidDecode | ScanDidReject | ScannerStateDidChange
ScannerListener = Callable[[ScannerEvent], None]
