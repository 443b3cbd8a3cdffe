"""Loyalty: member QR round trips (also through a rendered and decoded QR image), tampering,
unknown keys, foreign and garbage scans (never echoed), points accrual and redemption policy.
Keys are generated here; no private key is stored anywhere."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import qrcode  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from pyzbar.pyzbar import decode as zbar_decode

from kiosk.catalog import Catalog
from kiosk.loyalty import (
    BadSignatureError,
    ExpiredCodeError,
    LoyaltyError,
    LoyaltyKey,
    MalformedCodeError,
    Member,
    NotALoyaltyCodeError,
    RedemptionPolicy,
    RedemptionReason,
    UnknownKeyError,
    encode_public_key,
    issue_member_qr,
    points_for,
    verify_member_qr,
)
from kiosk.pricing import Cart, quote

DEMO = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "demo.json"
KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
ISSUED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
CARD = "4111 1111 1111 1111"


def catalog_with_key(**loyalty: Any) -> Catalog:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    data["loyalty"]["keys"] = [
        {"id": "test-1", "ed25519": encode_public_key(KEY.public_key())},
        {"id": "test-0", "ed25519": encode_public_key(OTHER.public_key())},
    ]
    data["loyalty"].update(loyalty)
    return Catalog.from_json(data)


CAT = catalog_with_key()
KEYS = CAT.loyalty.keys


def issue(key: Ed25519PrivateKey = KEY, key_id: str = "test-1", **over: Any) -> str:
    fields: dict[str, Any] = {
        "member_id": "M-1001",
        "display_name": "Zoé",
        "tier": "gold",
        "issued_at": ISSUED,
    }
    fields.update(over)
    return issue_member_qr(key, key_id, **fields)


def parts(text: str) -> tuple[str, str, str]:
    prefix, payload, sig = text.split(".")
    return prefix, payload, sig


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(body: dict[str, Any]) -> str:
    """A code with a well-formed payload and a dummy (but well-formed) signature."""
    return f"PKL1.{b64(json.dumps(body).encode())}.{'A' * 86}"


def test_round_trip() -> None:
    text = issue(expires_at=ISSUED + timedelta(days=365))
    assert text.startswith("PKL1.") and text.isascii() and len(text) < 300
    member = verify_member_qr(text, KEYS, now=NOW)
    assert member == Member(
        member_id="M-1001",
        display_name="Zoé",
        tier="gold",
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(days=365),
        key_id="test-1",
    )
    assert verify_member_qr(f"{text}\r\n", KEYS, now=NOW) == member  # scanner suffix


def test_second_key_in_the_catalog_verifies_too() -> None:
    member = verify_member_qr(issue(OTHER, "test-0"), KEYS, now=NOW)
    assert member.key_id == "test-0"


def test_qr_image_round_trip() -> None:
    text = issue()
    image = qrcode.make(text, box_size=4, border=4).get_image().convert("L")
    decoded = zbar_decode(image)
    assert len(decoded) == 1 and decoded[0].type == "QRCODE"
    scanned = decoded[0].data.decode("ascii")
    assert scanned == text
    assert verify_member_qr(scanned, KEYS, now=NOW).member_id == "M-1001"


def test_expiry() -> None:
    text = issue(expires_at=NOW + timedelta(seconds=1))
    assert verify_member_qr(text, KEYS, now=NOW).expires_at == NOW + timedelta(seconds=1)
    with pytest.raises(ExpiredCodeError):
        verify_member_qr(text, KEYS, now=NOW + timedelta(seconds=1))


def test_tampered_payload() -> None:
    prefix, payload, sig = parts(issue())
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    body["t"] = "platinum"
    forged = f"{prefix}.{b64(json.dumps(body, separators=(',', ':')).encode())}.{sig}"
    with pytest.raises(BadSignatureError):
        verify_member_qr(forged, KEYS, now=NOW)


def test_tampered_signature() -> None:
    prefix, payload, sig = parts(issue())
    raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
    raw[10] ^= 0x01
    with pytest.raises(BadSignatureError):
        verify_member_qr(f"{prefix}.{payload}.{b64(bytes(raw))}", KEYS, now=NOW)
    other_sig = parts(issue(OTHER, "test-1"))[2]  # right key id, wrong signer
    with pytest.raises(BadSignatureError):
        verify_member_qr(f"{prefix}.{payload}.{other_sig}", KEYS, now=NOW)
    with pytest.raises(MalformedCodeError):  # truncated signature text
        verify_member_qr(f"{prefix}.{payload}.{sig[:-1]}", KEYS, now=NOW)


def test_non_canonical_base64_is_malformed() -> None:
    prefix, payload, sig = parts(issue())
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = sig[:-1] + last[last.index(sig[-1]) ^ 1]  # same bytes, different unused bits
    assert base64.urlsafe_b64decode(twin + "==") == base64.urlsafe_b64decode(sig + "==")
    with pytest.raises(MalformedCodeError):
        verify_member_qr(f"{prefix}.{payload}.{twin}", KEYS, now=NOW)
    with pytest.raises(MalformedCodeError):
        verify_member_qr(f"{prefix}.{payload}.{sig}==", KEYS, now=NOW)


def test_unknown_key_id() -> None:
    with pytest.raises(UnknownKeyError) as info:
        verify_member_qr(issue(KEY, "retired-2019"), KEYS, now=NOW)
    assert info.value.key_id == "retired-2019"
    with pytest.raises(UnknownKeyError):
        verify_member_qr(issue(), (), now=NOW)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "https://example.com/?q=PKL1",
        CARD,
        "%B4111111111111111^DOE/JOHN^2512101?",
        "0123456789012",
        "ÜñíçøðÉ ☃ 💥",
        "\x00\x01\x02",
        "pkl1.abc.def",
    ],
)
def test_foreign_text_is_not_a_loyalty_code(text: str) -> None:
    with pytest.raises(NotALoyaltyCodeError) as info:
        verify_member_qr(text, KEYS, now=NOW)
    assert info.value.reason == "loyalty.not_a_code"
    if text:
        assert text not in str(info.value) and text not in repr(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "PKL1.",
        "PKL1..",
        "PKL1.abc",
        "PKL1.a.b.c",
        "PKL1.ü.x",
        "PKL1.@@@.###",
        "PKL1." + "A" * 600 + ".x",
        f"PKL1.{b64(b'not json')}.{'A' * 86}",
        f"PKL1.{b64(b'[1,2]')}.{'A' * 86}",
        f"PKL1.{b64(json.dumps({'k': 'test-1'}).encode())}.{'A' * 86}",
        unsigned({"k": "test-1", "m": 1, "n": "x", "t": "g", "iat": 0}),
        unsigned({"k": "bad id!", "m": "1", "n": "x", "t": "g", "iat": 0}),
        unsigned({"k": "test-1", "m": "1", "n": "x", "t": "g", "iat": -1}),
        unsigned({"k": "test-1", "m": "1", "n": "x", "t": "g", "iat": 1.5}),
        unsigned({"k": "test-1", "m": "1", "n": "x", "t": "g", "iat": 0, "extra": 1}),
        "PKL2.abc.def",
        f"PKL1.{CARD.replace(' ', '')}.{CARD.replace(' ', '')}",
    ],
)
def test_malformed_codes(text: str) -> None:
    with pytest.raises(MalformedCodeError) as info:
        verify_member_qr(text, KEYS, now=NOW)
    assert "4111" not in str(info.value) and text not in str(info.value)


def test_signed_but_invalid_fields_are_malformed() -> None:
    prefix, _, _ = parts(issue())
    body = {"k": "test-1", "m": "M 1", "n": "x", "t": "gold", "iat": 1}
    signed = f"{prefix}.{b64(json.dumps(body).encode())}"
    text = f"{signed}.{b64(KEY.sign(signed.encode()))}"
    with pytest.raises(MalformedCodeError):
        verify_member_qr(text, KEYS, now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=700))
def test_any_text_is_rejected_cleanly(text: str) -> None:
    with pytest.raises(LoyaltyError):
        verify_member_qr(text, KEYS, now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 300), st.characters(codec="ascii"))
def test_any_one_character_change_is_rejected(position: int, char: str) -> None:
    text = issue()
    position %= len(text)
    mutated = text[:position] + char + text[position + 1 :]
    if mutated.strip(" \t\r\n") == text:
        return
    with pytest.raises(LoyaltyError):
        verify_member_qr(mutated, KEYS, now=NOW)


@pytest.mark.parametrize(
    "over",
    [
        {"member_id": ""},
        {"member_id": "has space"},
        {"display_name": "x" * 25},
        {"display_name": "bad\nname"},
        {"tier": "Gold"},
        {"issued_at": datetime(2025, 1, 1)},
        {"expires_at": ISSUED},
    ],
)
def test_issuer_rejects_bad_fields(over: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        issue(**over)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        verify_member_qr(issue(), KEYS, now=datetime(2025, 1, 1))


def test_demo_catalog_key_loads() -> None:
    key = Catalog.load(DEMO).loyalty.keys[0]
    assert isinstance(key, LoyaltyKey) and len(key.public_key) == 32


# --- points and redemption -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "rate", "points"),
    [
        ([("ember-silk:30ml", 1)], 1, 52),  # 52.00 EUR
        ([("ember-silk:spray", 1)], 1, 3),  # 3.00
        ([("tidal-linen:spray", 1)], 1, 2),  # 2.00
        ([("aurora-veil:spray", 1)], 1, 2),  # 2.50 -> 2 (floored)
        ([("aurora-veil:spray", 1)], 3, 7),  # 7.5 -> 7
        ([("aurora-veil:spray", 1), ("aurora-veil:10ml", 1)], 1, 22),  # free spray earns 0
        ([("aurora-veil:spray", 1)], 0, 0),
        ([], 1, 0),
    ],
)
def test_points_for(lines: list[tuple[str, int]], rate: int, points: int) -> None:
    catalog = catalog_with_key(pointsPerCurrencyUnit=rate)
    res = quote(Cart.of(lines), catalog, now=NOW, member=None)
    assert points_for(res, catalog) == points


def test_points_for_zero_decimal_currency_and_mismatch() -> None:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    data["currency"] = "JPY"
    data["loyalty"]["pointsPerCurrencyUnit"] = 2
    yen = Catalog.from_json(data)
    res = quote(Cart.of([("aurora-veil:spray", 1)]), yen, now=NOW, member=None)
    assert points_for(res, yen) == 500
    with pytest.raises(ValueError, match="currenc"):
        points_for(res, CAT)


@pytest.mark.parametrize(
    ("cap", "points", "online", "today", "allowed", "reason", "check", "left"),
    [
        (0, 500, True, 0, True, RedemptionReason.ONLINE, True, 0),
        (0, 500, False, 0, False, RedemptionReason.OFFLINE_DISABLED, False, 0),
        (1000, 400, False, 500, True, RedemptionReason.OFFLINE_WITHIN_CAP, False, 100),
        (1000, 500, False, 500, True, RedemptionReason.OFFLINE_WITHIN_CAP, False, 0),
        (1000, 501, False, 500, False, RedemptionReason.OFFLINE_OVER_CAP, False, 500),
        (1000, 1, False, 1500, False, RedemptionReason.OFFLINE_OVER_CAP, False, 0),
        (1000, 5000, True, 1000, True, RedemptionReason.ONLINE, True, 0),
        (1000, 0, False, 0, False, RedemptionReason.NOTHING_TO_REDEEM, False, 1000),
    ],
)
def test_redemption_policy(
    cap: int, points: int, online: bool, today: int, allowed: bool,
    reason: RedemptionReason, check: bool, left: int,
) -> None:  # fmt: skip
    decision = RedemptionPolicy(cap).decide_redemption(points, online=online, redeemed_today=today)
    assert (decision.allowed, decision.reason) == (allowed, reason)
    assert (decision.needs_balance_check, decision.offline_points_left) == (check, left)


def test_redemption_policy_defaults_and_bad_input() -> None:
    assert RedemptionPolicy().offline_daily_cap_points == 0
    with pytest.raises(ValueError):
        RedemptionPolicy(-1)
    with pytest.raises(ValueError):
        RedemptionPolicy().decide_redemption(-1, online=True, redeemed_today=0)
