"""PIN rules (table-driven) and the salted slow hash."""

from __future__ import annotations

import time

import pytest

from kiosk.service.errors import PinRejectedError
from kiosk.service.pins import (
    DEFAULT_PARAMS,
    PinHash,
    ScryptParams,
    check_new_pin,
    hash_pin,
    verify_pin,
)

FAST = ScryptParams(log_n=4)


@pytest.mark.parametrize(
    ("pin", "key"),
    [
        ("12345", "pin_too_short"),
        ("1234567890123", "pin_too_long"),
        ("12 456", "pin_not_digits"),
        ("١٢٣٤٥٦", "pin_not_digits"),  # Arabic-Indic digits are not on the pad
        ("", "pin_not_digits"),
        ("000000", "pin_too_common"),  # repeated digit
        ("121121", "pin_too_common"),  # two distinct digits
        ("123456", "pin_too_common"),  # ascending run
        ("890123", "pin_too_common"),  # run through 0
        ("876543", "pin_too_common"),  # descending run
        ("123123", "pin_too_common"),  # repeated block
        ("12341234", "pin_too_common"),
        ("123321", "pin_too_common"),  # mirror
        ("112233", "pin_too_common"),  # doubled digits
        ("240613", "pin_too_common"),  # DDMMYY
        ("061324", "pin_too_common"),  # MMDDYY
        ("980613", "pin_too_common"),  # YYMMDD
        ("19840512", "pin_too_common"),  # YYYYMMDD
        ("05121984", "pin_too_common"),  # DDMMYYYY
        ("147258", "pin_too_common"),  # keypad column walk (common list)
        ("159753", "pin_too_common"),
        ("314159", "pin_too_common"),
    ],
)
def test_bad_pins_are_refused_with_their_key(pin: str, key: str) -> None:
    with pytest.raises(PinRejectedError) as refused:
        check_new_pin(pin)
    assert refused.value.key == key


@pytest.mark.parametrize("pin", ["583920", "731946", "4807359", "95837261", "271936504812"])
def test_good_pins_pass(pin: str) -> None:
    check_new_pin(pin)


def test_most_six_digit_pins_remain_choosable() -> None:
    refused = 0
    for n in range(0, 1_000_000, 97):
        try:
            check_new_pin(f"{n:06d}")
        except PinRejectedError:
            refused += 1
    assert 0.03 < refused / (1_000_000 / 97) < 0.15


def test_hash_is_salted_scrypt_with_its_parameters() -> None:
    first, second = hash_pin("583920", FAST), hash_pin("583920", FAST)
    assert first != second  # a fresh salt every time
    parsed = PinHash.parse(first)
    assert first.startswith("$scrypt$ln=4,r=8,p=1$")
    assert len(parsed.salt) == 16 and len(parsed.key) == 32
    assert "583920" not in first
    assert verify_pin("583920", first) and verify_pin("583920", second)
    assert not verify_pin("583921", first)
    assert not verify_pin("٥٨٣٩٢٠", first)


def test_default_cost_is_the_documented_one_and_really_slow() -> None:
    assert (DEFAULT_PARAMS.log_n, DEFAULT_PARAMS.r, DEFAULT_PARAMS.p) == (14, 8, 1)
    stored = hash_pin("583920")
    start = time.perf_counter()
    assert verify_pin("583920", stored)
    assert time.perf_counter() - start > 0.01  # load only makes it slower: a lower bound


@pytest.mark.parametrize(
    "stored",
    [
        "583920",
        "$pbkdf2$ln=4,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=14,r=8$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=14,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # salt too short
        "$scrypt$ln=14,r=8,p=1$!!!!$AAAA",
    ],
)
def test_malformed_or_unsafe_hashes_are_refused(stored: str) -> None:
    with pytest.raises(ValueError):
        PinHash.parse(stored)
