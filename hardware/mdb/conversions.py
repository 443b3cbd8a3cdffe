"""Conversions between the kiosk's types and MDB's: money scaling, currency codes, the checks
a payment request must pass before it goes on the bus, and the reader's identity.

MDB carries prices as 16-bit values scaled by the reader's scale factor and decimal places
(READER CONFIG DATA); the kiosk uses integer minor units of an ISO 4217 currency.
"""

from __future__ import annotations

from hardware.cardreader import PaymentRequest, ReaderIdentity
from hardware.mdb.messages import MAX_VALUE, PeripheralId, ReaderConfig

_CURRENCIES = {
    "EUR": (978, 2),
    "USD": (840, 2),
    "GBP": (826, 2),
    "CHF": (756, 2),
    "SEK": (752, 2),
    "NOK": (578, 2),
    "DKK": (208, 2),
    "PLN": (985, 2),
    "CZK": (203, 2),
    "JPY": (392, 0),
}


def country_code_for(currency: str) -> int | None:
    """MDB country/currency code ("1" + ISO 4217 numeric in BCD) for a known currency."""
    known = _CURRENCIES.get(currency)
    return None if known is None else int(f"1{known[0]:03d}", 16)


def minor_exponent(currency: str) -> int:
    return _CURRENCIES.get(currency, (0, 2))[1]


def _p10(exponent: int) -> int:
    return int(10 ** max(exponent, 0))


def to_scaled(amount_minor: int, config: ReaderConfig, exponent: int) -> int | None:
    """MDB value for ``amount_minor`` (None when not exactly representable in 16 bits)."""
    num = amount_minor * _p10(config.decimal_places - exponent)
    den = max(config.scale_factor, 1) * _p10(exponent - config.decimal_places)
    if amount_minor < 0 or num % den:
        return None
    value = num // den
    return value if value <= MAX_VALUE else None


def from_scaled(value: int, config: ReaderConfig, exponent: int) -> int:
    """Minor units for an MDB value."""
    num = value * max(config.scale_factor, 1) * _p10(exponent - config.decimal_places)
    return num // _p10(config.decimal_places - exponent)


def check_request(request: PaymentRequest, config: ReaderConfig) -> str | None:
    """Why ``request`` cannot be sent to a reader set up as ``config`` (None: it can)."""
    wanted = country_code_for(request.currency)
    if wanted is not None and config.country_code >> 12 == 1 and wanted != config.country_code:
        return f"the reader is set up for currency code {config.country_code:04X}"
    if not 0 <= request.item_number <= 0xFFFF:
        return "item number out of MDB range"
    exponent = minor_exponent(request.currency)
    if request.amount_minor <= 0 or to_scaled(request.amount_minor, config, exponent) is None:
        return "amount not representable on MDB (16-bit scaled price)"
    return None


def identity_from(peripheral: PeripheralId) -> ReaderIdentity:
    """The reader's identity from its PERIPHERAL ID (software version in BCD, e.g. 1.02)."""
    version = peripheral.version
    return ReaderIdentity(
        manufacturer=peripheral.manufacturer,
        model=peripheral.model,
        serial=peripheral.serial,
        firmware=f"{version >> 8:x}.{version & 0xFF:02x}",
    )
