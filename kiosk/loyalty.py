"""Loyalty: signed member QR codes verified offline, points accrual and the redemption policy.

A member code is ``PKL1.<payload>.<signature>`` (base64url, no padding): the payload is compact
UTF-8 JSON ``{"k": key id, "m": member id, "n": display name, "t": tier, "iat": issued-at
epoch seconds[, "exp": expiry epoch seconds]}`` and the signature is Ed25519 over the ASCII
text ``PKL1.<payload>``. Offers :func:`verify_member_qr` (against the catalog's public keys),
:func:`issue_member_qr` (for tests, the demo and the retailer's issuing tool: kiosks never hold
a private key), :func:`points_for`, :class:`RedemptionPolicy` and :func:`parse_loyalty_settings`
for the catalog's ``loyalty`` section (with the optional point value that makes points
redeemable; kiosk.pricing prices a redemption). Errors never quote the scanned text: a scan
may hold a card number or anything else the shopper did not mean to give us.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.catalog import Catalog, FieldReader
from kiosk.money import minor_unit_exponent

if TYPE_CHECKING:
    from kiosk.pricing import Quote

PREFIX = "PKL1"
MAX_CODE_CHARS = 512
_VERSIONED_RE = re.compile(r"PKL[0-9]+\.")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
_MEMBER_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_TIER_RE = re.compile(r"[a-z0-9_-]{1,16}")
_KEY_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}")
MAX_NAME_CHARS = 24


class LoyaltyError(Exception):
    """A scanned text that is not a valid member code; ``reason`` is a stable message key."""

    reason = "loyalty.invalid"


class NotALoyaltyCodeError(LoyaltyError):
    """Not our format at all (another QR, a barcode, card data): ignore it quietly."""

    reason = "loyalty.not_a_code"


class MalformedCodeError(LoyaltyError):
    reason = "loyalty.malformed"


class UnknownKeyError(LoyaltyError):
    """Signed with a key id the catalog does not list (``key_id``; e.g. a rotated key)."""

    reason = "loyalty.unknown_key"

    def __init__(self, key_id: str) -> None:
        super().__init__("member code names a loyalty key the catalog does not hold")
        self.key_id = key_id


class BadSignatureError(LoyaltyError):
    reason = "loyalty.bad_signature"


class ExpiredCodeError(LoyaltyError):
    reason = "loyalty.expired"


@dataclass(frozen=True)
class LoyaltyKey:
    key_id: str
    public_key: bytes  # raw 32-byte Ed25519 public key


@dataclass(frozen=True)
class LoyaltySettings:
    points_per_currency_unit: int  # points per major unit (1 EUR) of a quote's total, floored
    keys: tuple[LoyaltyKey, ...]
    point_value_minor: int = 0  # what one redeemed point is worth; 0: no redemption
    max_redeem_share_bp: int = 10_000  # at most this share of a cart may be paid with points

    @property
    def redemption_enabled(self) -> bool:
        return self.point_value_minor > 0 and self.max_redeem_share_bp > 0


@dataclass(frozen=True)
class Member:
    """A member whose code verified against a catalog key."""

    member_id: str
    display_name: str
    tier: str
    issued_at: datetime  # UTC
    expires_at: datetime | None  # UTC
    key_id: str


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url without padding; rejects non-canonical encodings."""
    if not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedCodeError("bad base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(data) != text:
        raise MalformedCodeError("non-canonical base64url")
    return data


def encode_public_key(public_key: Ed25519PublicKey) -> str:
    """The catalog's ``ed25519`` field for a key: standard base64 of the raw 32 bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def _check_member_fields(member_id: str, name: str, tier: str, key_id: str) -> None:
    if not _MEMBER_ID_RE.fullmatch(member_id):
        raise ValueError("member id: 1-32 of letters, digits, '_', '-'")
    if not 1 <= len(name) <= MAX_NAME_CHARS or not name.isprintable():
        raise ValueError(f"display name: 1-{MAX_NAME_CHARS} printable characters")
    if not _TIER_RE.fullmatch(tier):
        raise ValueError("tier: 1-16 of lower-case letters, digits, '_', '-'")
    if not _KEY_ID_RE.fullmatch(key_id):
        raise ValueError("key id: 1-32 of letters, digits, '_', '.', ':', '-'")


def issue_member_qr(
    private_key: Ed25519PrivateKey,
    key_id: str,
    *,
    member_id: str,
    display_name: str,
    tier: str,
    issued_at: datetime,
    expires_at: datetime | None = None,
) -> str:
    """Sign a member code. For tests, the demo and the retailer's issuing tooling only: the
    kiosk holds public keys and never issues codes. Raises ValueError for bad fields."""
    _check_member_fields(member_id, display_name, tier, key_id)
    if issued_at.tzinfo is None or (expires_at is not None and expires_at.tzinfo is None):
        raise ValueError("issued_at and expires_at must be timezone-aware")
    body: dict[str, object] = {
        "k": key_id,
        "m": member_id,
        "n": display_name,
        "t": tier,
        "iat": int(issued_at.timestamp()),
    }
    if expires_at is not None:
        if expires_at <= issued_at:
            raise ValueError("expires_at must be after issued_at")
        body["exp"] = int(expires_at.timestamp())
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    signed = f"{PREFIX}.{_b64encode(payload)}"
    text = f"{signed}.{_b64encode(private_key.sign(signed.encode('ascii')))}"
    if len(text) > MAX_CODE_CHARS:
        raise ValueError("code too long")
    return text


def verify_member_qr(text: str, keys: Iterable[LoyaltyKey], *, now: datetime) -> Member:
    """Check a scanned code offline against the catalog's public ``keys`` at ``now``.

    Raises :class:`NotALoyaltyCodeError` for text in another format, else
    :class:`MalformedCodeError`, :class:`UnknownKeyError`, :class:`BadSignatureError` or
    :class:`ExpiredCodeError`. Messages never contain the scanned text."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    text = text.strip(" \t\r\n") if isinstance(text, str) else ""
    if not text.startswith(f"{PREFIX}."):
        if _VERSIONED_RE.match(text):
            raise MalformedCodeError("unsupported member-code version")
        raise NotALoyaltyCodeError("not a loyalty code")
    if len(text) > MAX_CODE_CHARS or not text.isascii() or text.count(".") != 2:
        raise MalformedCodeError("member code has the wrong shape")
    signed, _, sig_text = text.rpartition(".")
    payload, signature = _b64decode(signed[len(PREFIX) + 1 :]), _b64decode(sig_text)
    body = _decode_payload(payload)
    key_id = str(body["k"])
    if not _KEY_ID_RE.fullmatch(key_id):
        raise MalformedCodeError("member payload key id has the wrong format")
    key = next((k for k in keys if k.key_id == key_id), None)
    if key is None:
        raise UnknownKeyError(key_id)
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature, signed.encode())
    except (InvalidSignature, ValueError):
        raise BadSignatureError("member code signature does not verify") from None
    member = _member_from(body)
    if member.expires_at is not None and member.expires_at <= now:
        raise ExpiredCodeError("member code has expired")
    return member


def _decode_payload(payload: bytes) -> dict[str, object]:
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise MalformedCodeError("member payload is not JSON") from None
    if not isinstance(body, dict) or not {"k", "m", "n", "t", "iat"} <= body.keys():
        raise MalformedCodeError("member payload misses fields")
    if not body.keys() <= {"k", "m", "n", "t", "iat", "exp"}:
        raise MalformedCodeError("member payload has unknown fields")
    if not all(isinstance(body[k], str) for k in "kmnt"):
        raise MalformedCodeError("member payload field has the wrong type")
    for key in ("iat", "exp"):
        if key in body and (type(body[key]) is not int or not 0 <= body[key] < 2**40):
            raise MalformedCodeError("member payload time is not an epoch second")
    return body


def _member_from(body: dict[str, object]) -> Member:
    member_id, name, tier, key_id = (str(body[k]) for k in "mntk")
    try:
        _check_member_fields(member_id, name, tier, key_id)
    except ValueError as exc:
        raise MalformedCodeError(f"member payload: {exc}") from None
    iat, exp = body["iat"], body.get("exp")
    assert isinstance(iat, int) and (exp is None or isinstance(exp, int))
    return Member(
        member_id=member_id,
        display_name=name,
        tier=tier,
        issued_at=datetime.fromtimestamp(iat, UTC),
        expires_at=None if exp is None else datetime.fromtimestamp(exp, UTC),
        key_id=key_id,
    )


def points_for(quote: Quote, catalog: Catalog) -> int:
    """Points earned by ``quote``: ``points_per_currency_unit`` per whole major unit of its
    realized total (tax included), rounded down (no partial points)."""
    if quote.currency != catalog.currency:
        raise ValueError("quote and catalog currencies differ")
    scale: int = 10 ** minor_unit_exponent(quote.currency)
    total = max(0, quote.total.amount_minor)
    return total * catalog.loyalty.points_per_currency_unit // scale


class RedemptionReason(enum.Enum):
    ONLINE = "online"  # allowed; the middleware checks the balance before it is final
    OFFLINE_WITHIN_CAP = "offline_within_cap"  # allowed against the per-day offline cap
    OFFLINE_OVER_CAP = "offline_over_cap"  # refused: would exceed the per-day offline cap
    OFFLINE_DISABLED = "offline_disabled"  # refused: no offline redemption (cap 0)
    NOTHING_TO_REDEEM = "nothing_to_redeem"  # refused: zero points asked


@dataclass(frozen=True)
class RedemptionDecision:
    allowed: bool
    reason: RedemptionReason
    needs_balance_check: bool  # the middleware must confirm the balance (online only)
    offline_points_left: int  # what is left of today's offline cap after this decision


@dataclass(frozen=True)
class RedemptionPolicy:
    """Offline redemption is off unless the retailer sets a per-kiosk daily cap: no payment
    anchor supports offline loyalty, and the kiosk cannot see a member's balance."""

    offline_daily_cap_points: int = 0

    def __post_init__(self) -> None:
        if type(self.offline_daily_cap_points) is not int or self.offline_daily_cap_points < 0:
            raise ValueError("offline_daily_cap_points must be an int >= 0")

    def decide_redemption(
        self, points: int, *, online: bool, redeemed_today: int
    ) -> RedemptionDecision:
        """May ``points`` be redeemed now? ``redeemed_today``: points this kiosk already
        redeemed offline today (the caller keeps that count per local day)."""
        if points < 0 or redeemed_today < 0:
            raise ValueError("points and redeemed_today must be >= 0")
        left = max(0, self.offline_daily_cap_points - redeemed_today)
        if points == 0:
            return RedemptionDecision(False, RedemptionReason.NOTHING_TO_REDEEM, False, left)
        if online:
            return RedemptionDecision(True, RedemptionReason.ONLINE, True, left)
        if self.offline_daily_cap_points == 0:
            return RedemptionDecision(False, RedemptionReason.OFFLINE_DISABLED, False, 0)
        if points > left:
            return RedemptionDecision(False, RedemptionReason.OFFLINE_OVER_CAP, False, left)
        return RedemptionDecision(True, RedemptionReason.OFFLINE_WITHIN_CAP, False, left - points)


def parse_loyalty_settings(r: FieldReader) -> LoyaltySettings:
    """Validate the catalog's ``loyalty`` section."""
    r.obj({"pointsPerCurrencyUnit", "keys"}, frozenset({"pointValueMinor", "maxRedeemShareBp"}))
    keys: list[LoyaltyKey] = []
    for k in r.items("keys"):
        k.obj({"id", "ed25519"})
        k.claim("id", "loyalty key id", key_id := k.text("id", max_len=32, pattern=_KEY_ID_RE))
        encoded = k.text("ed25519", max_len=64)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            k.fail("expected the base64 raw 32-byte Ed25519 public key", "ed25519")
        keys.append(LoyaltyKey(key_id, raw))
    return LoyaltySettings(
        r.integer("pointsPerCurrencyUnit", lo=0, hi=10_000),
        tuple(keys),
        point_value_minor=r.integer("pointValueMinor", lo=0, hi=1_000_000, default=0),
        max_redeem_share_bp=r.integer("maxRedeemShareBp", lo=0, hi=10_000, default=10_000),
    )
