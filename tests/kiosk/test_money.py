"""Money: construction, same-currency arithmetic, the half-up rounding rule, exponents."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.money import (
    CurrencyMismatchError,
    Money,
    MoneyError,
    div_round_half_up,
    minor_unit_exponent,
)


def test_arithmetic_within_one_currency() -> None:
    a, b = Money(1250, "EUR"), Money(250, "EUR")
    assert a + b == Money(1500, "EUR")
    assert a - b == Money(1000, "EUR")
    assert -b == Money(-250, "EUR")
    assert b * 3 == 3 * b == Money(750, "EUR")
    assert b < a and a > b and a >= a and b <= b
    assert a.min(b) == b and a.max(b) == a
    assert Money.zero("EUR").is_zero


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a >= b,
        lambda a, b: a.min(b),
    ],
)
def test_mixing_currencies_is_an_error(op: Callable[[Money, Money], object]) -> None:
    with pytest.raises(CurrencyMismatchError):
        op(Money(1, "EUR"), Money(1, "USD"))


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(1.5, "EUR"), (True, "EUR"), ("100", "EUR"), (1, "eur"), (1, "EURO"), (1, "")],
)
def test_bad_construction(amount: object, currency: str) -> None:
    with pytest.raises(MoneyError):
        Money(amount, currency)  # type: ignore[arg-type]


def test_no_float_multiplication() -> None:
    with pytest.raises(TypeError):
        Money(100, "EUR") * 1.5  # type: ignore[operator]


def test_frozen() -> None:
    m = Money(1, "EUR")
    with pytest.raises(AttributeError):
        m.amount_minor = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(5, 2, 3), (4, 2, 2), (7, 2, 4), (1, 3, 0), (2, 3, 1), (0, 7, 0), (-5, 2, -3), (-1, 3, 0)],
)
def test_round_half_up(num: int, den: int, expected: int) -> None:
    assert div_round_half_up(num, den) == expected


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_round_half_up_is_nearest(num: int, den: int) -> None:
    q = div_round_half_up(num, den)
    assert abs(num - q * den) * 2 <= den


@pytest.mark.parametrize(("currency", "exp"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("USD", 2)])
def test_minor_unit_exponent(currency: str, exp: int) -> None:
    assert minor_unit_exponent(currency) == exp


def test_debug_text() -> None:
    assert str(Money(1250, "EUR")) == "12.50 EUR"
    assert str(Money(-5, "EUR")) == "-0.05 EUR"
    assert str(Money(1200, "JPY")) == "1200 JPY"
