"""Money as integer minor units of one ISO 4217 currency, and the integer rounding rule.

Offers :class:`Money` (frozen; arithmetic only within one currency, never floats),
:func:`minor_unit_exponent` (digits after the decimal point of a currency) and
:func:`div_round_half_up`, the one rounding rule every price, discount and tax computation in
the kiosk uses. Locale formatting belongs to the UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CURRENCY_RE = re.compile(r"[A-Z]{3}")  # the shape of an ISO 4217 alphabetic code

# ISO 4217 currencies whose minor unit is not 2 digits (the rest have cents).
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    **dict.fromkeys(
        (
            [
                "BIF",
                "CLP",
                "DJF",
                "GNF",
                "ISK",
                "JPY",
                "KMF",
                "KRW",
                "PYG",
                "RWF",
                "UGX",
                "UYI",
                "VND",
                "VUV",
                "XAF",
                "XOF",
                "XPF",
            ]
        ),
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


class MoneyError(ValueError):
    """A malformed amount or currency."""


class CurrencyMismatchError(MoneyError):
    """Arithmetic or comparison between two currencies."""


def validate_currency(currency: str) -> str:
    """Return ``currency`` if it is three upper-case letters (ISO 4217 alpha code shape)."""
    if not isinstance(currency, str) or not CURRENCY_RE.fullmatch(currency):
        raise MoneyError(f"bad currency {currency!r}: expected an ISO 4217 code such as 'EUR'")
    return currency


def minor_unit_exponent(currency: str) -> int:
    """Digits of the minor unit: 2 for EUR (cents), 0 for JPY, 3 for KWD."""
    return _EXPONENT_EXCEPTIONS.get(validate_currency(currency), 2)


def div_round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero.

    Exact integer arithmetic: ``div_round_half_up(5, 2) == 3``, ``div_round_half_up(-5, 2) == -3``.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units (cents for EUR) of one currency."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount_minor) is not int:
            raise MoneyError(f"amount_minor must be an int, got {type(self.amount_minor).__name__}")
        validate_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.amount_minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount_minor < other.amount_minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount_minor <= other.amount_minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount_minor > other.amount_minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount_minor >= other.amount_minor

    def min(self, other: Money) -> Money:
        """The smaller of two amounts of the same currency."""
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        """The larger of two amounts of the same currency."""
        return self if self >= other else other

    @property
    def is_zero(self) -> bool:
        return self.amount_minor == 0

    def __str__(self) -> str:
        """Locale-free debug text such as ``12.50 EUR`` (the UI formats for shoppers)."""
        exp = minor_unit_exponent(self.currency)
        sign = "-" if self.amount_minor < 0 else ""
        whole, frac = divmod(abs(self.amount_minor), 10**exp)
        text = f"{whole}.{frac:0{exp}d}" if exp else str(whole)
        return f"{sign}{text} {self.currency}"
