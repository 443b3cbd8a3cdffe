"""Barcode symbologies, shared by both scan sources, and their wire identifiers.

The serial module prefixes decoded data with an AIM symbology identifier (ISO/IEC 15424:
``]`` + code character + modifier, e.g. ``]Q1`` for QR Code); zbar names symbologies with its
own strings (``QRCODE``, ``EAN13``...). Both map onto :class:`Symbology` here.
"""

from __future__ import annotations

import enum


class Symbology(enum.Enum):
    QR_CODE = "qr_code"
    DATA_MATRIX = "data_matrix"
    PDF417 = "pdf417"
    CODE_128 = "code_128"
    CODE_39 = "code_39"
    EAN_13 = "ean_13"
    EAN_8 = "ean_8"
    UPC_A = "upc_a"
    UNKNOWN = "unknown"


# Code character of the AIM identifier -> symbology. EAN-13, EAN-8 and UPC-A share "E".
_AIM_CODES: dict[str, Symbology] = {
    "Q": Symbology.QR_CODE,
    "d": Symbology.DATA_MATRIX,
    "L": Symbology.PDF417,
    "C": Symbology.CODE_128,
    "A": Symbology.CODE_39,
    "E": Symbology.EAN_13,
}

# The identifier each symbology is sent with (modifier as most modules configure it).
_AIM_IDS: dict[Symbology, str] = {
    Symbology.QR_CODE: "]Q1",
    Symbology.DATA_MATRIX: "]d1",
    Symbology.PDF417: "]L0",
    Symbology.CODE_128: "]C0",
    Symbology.CODE_39: "]A0",
    Symbology.EAN_13: "]E0",
    Symbology.EAN_8: "]E4",
    Symbology.UPC_A: "]E0",
    Symbology.UNKNOWN: "]X0",
}

_ZBAR_NAMES: dict[str, Symbology] = {
    "QRCODE": Symbology.QR_CODE,
    "PDF417": Symbology.PDF417,
    "CODE128": Symbology.CODE_128,
    "CODE39": Symbology.CODE_39,
    "EAN13": Symbology.EAN_13,
    "EAN8": Symbology.EAN_8,
    "UPCA": Symbology.UPC_A,
}


def from_aim(aim_id: str) -> Symbology:
    """Map a 3-character AIM identifier (``]Q1``) to a symbology; UNKNOWN when unrecognised."""
    if len(aim_id) != 3 or aim_id[0] != "]":
        return Symbology.UNKNOWN
    if aim_id == "]E4":
        return Symbology.EAN_8
    return _AIM_CODES.get(aim_id[1], Symbology.UNKNOWN)


def to_aim(symbology: Symbology) -> str:
    """The AIM identifier a module sends for ``symbology`` (used by the simulator)."""
    return _AIM_IDS[symbology]


def from_zbar(name: str) -> Symbology:
    """Map a zbar type name (``QRCODE``) to a symbology; UNKNOWN when unrecognised."""
    return _ZBAR_NAMES.get(name, Symbology.UNKNOWN)
