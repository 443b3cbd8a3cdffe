"""The loyalty scanner: QR/barcode scans from a serial 2D scan engine or from camera frames.

Both sources implement :class:`~hardware.scanner.device.LoyaltyScanner` and emit the same
events (:mod:`hardware.scanner.events`): debounced, with anything holding card data dropped.
Open one with :func:`~hardware.scanner.device.open_scanner` (``/dev/...``, ``socket://``,
``sim://``, ``camera://``). The camera decoder lives in :mod:`hardware.scanner.camera`; it
imports pyzbar, so it is only imported when used.
"""

from hardware.scanner.device import LoyaltyScanner, SerialLoyaltyScanner, open_scanner
from hardware.scanner.events import (
    RejectReason,
    ScanDidDecode,
    ScanDidReject,
    ScanEvent,
    ScannerEvent,
    ScannerListener,
    ScannerStateDidChange,
    ScanSource,
)
from hardware.scanner.messages import ScannerIdentity
from hardware.scanner.symbology import Symbology

__all__ = [
    "LoyaltyScanner",
    "RejectReason",
    "ScanDidDecode",
    "ScanDidReject",
    "ScanEvent",
    "ScanSource",
    "ScannerEvent",
    "ScannerIdentity",
    "ScannerListener",
    "ScannerStateDidChange",
    "SerialLoyaltyScanner",
    "Symbology",
    "open_scanner",
]
