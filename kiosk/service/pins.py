"""Service PINs: the rules a new PIN must pass and its storage as a salted slow hash.

Rules (DESIGN.md §4, NIST SP 800-63B 5.1.1.2): 6 to 12 digits; common values refused — every
digit the same or only two distinct digits, ascending or descending runs (``123456``,
``890123``, ``987654``), repeated blocks (``121212``, ``123123``, ``12341234``), mirrors
(``123321``), doubled digits (``112233``), things shaped like a date (``DDMMYY``, ``MMDDYY``,
``YYMMDD``, ``DDMMYYYY``, ``MMDDYYYY``, ``YYYYMMDD``) and :data:`COMMON_PINS`, the most chosen
6-8 digit PINs of public PIN studies and the keypad shapes.

Storage: only ``hashlib.scrypt`` of the PIN with a 16-byte random salt per PIN, in the PHC
string form passlib also uses, so the parameters travel with the hash and can be raised
later without invalidating stored PINs::

    $scrypt$ln=14,r=8,p=1$<salt, base64 without padding>$<32-byte key, base64 without padding>

The default (N = 2^14, r = 8, p = 1: 16 MiB) takes ~60 ms per check on the idle 2-core x86
build machine, in the 50-100 ms the design asks for (140-175 ms with the machine at load 8);
an ARM board is slower, so measure on the target with
``python -c "from kiosk.service.pins import measure; print(measure())"`` and lower ``ln`` by
one if an idle check passes ~150 ms. Comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date

from kiosk.service.errors import PinRejectedError

MIN_PIN_LENGTH = 6
MAX_PIN_LENGTH = 12

# The most chosen 6-8 digit PINs in public studies (Wang et al. 2017 "Understanding human-chosen
# PINs", Markert et al. 2020 "This PIN Can Be Easily Guessed") and keypad shapes; the structural
# checks below already catch runs, repeats, mirrors and dates.
COMMON_PINS = frozenset(
    {
        "123456", "654321", "111222", "123123", "112233", "000000", "121212", "520520",
        "123321", "666666", "111111", "888888", "123654", "147258", "159753", "102030",
        "666888", "112358", "147852", "789456", "456789", "987654", "202020", "010203",
        "696969", "131313", "142536", "222333", "123789", "332211", "314159", "271828",
        "135790", "246810", "135791", "102938", "007007", "080808", "258369", "369258",
        "159357", "357159", "741852", "852741", "963852", "456123", "321654", "147369",
        "963741", "258852", "852456", "789123", "951753", "753951", "101010", "110110",
        "520131", "521521", "5201314", "1314520", "12345678", "87654321", "11223344",
        "12344321", "11111111", "88888888", "00000000", "12121212", "13141516", "14725836",
        "25802580", "20202020", "19841984", "52013140", "1234567", "7654321", "12345679",
        "123456789", "987654321", "1234567890", "0987654321", "123456123", "147258369",
    }
)  # fmt: skip
_DIGITS = re.compile(r"[0-9]+")


def _run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return steps in ({1}, {9})


def _repeats(pin: str) -> bool:
    return any(pin == (pin[:k] * len(pin))[: len(pin)] for k in range(1, len(pin) // 2 + 1))


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _date_like(pin: str) -> bool:
    if len(pin) == 6:
        a, b, c = int(pin[:2]), int(pin[2:4]), int(pin[4:])
        # DDMMYY, MMDDYY, YYMMDD (two-digit years: any)
        return _valid_date(2000, b, a) or _valid_date(2000, a, b) or _valid_date(2000, b, c)
    if len(pin) == 8:
        head, tail = int(pin[:4]), int(pin[4:])
        dd, mm = int(pin[:2]), int(pin[2:4])
        if 1900 <= tail <= 2099 and (_valid_date(tail, mm, dd) or _valid_date(tail, dd, mm)):
            return True  # DDMMYYYY, MMDDYYYY
        return 1900 <= head <= 2099 and _valid_date(head, int(pin[4:6]), int(pin[6:]))
    return False


def is_common_pin(pin: str) -> bool:
    """True for PINs an attacker tries first (see the module docstring)."""
    if pin in COMMON_PINS or len(set(pin)) <= 2 or _run(pin) or _repeats(pin):
        return True
    if pin == pin[::-1]:
        return True
    if len(pin) % 2 == 0 and pin[0::2] == pin[1::2]:
        return True
    return _date_like(pin)


def check_new_pin(pin: str) -> None:
    """Raise :class:`PinRejectedError` (key ``pin_not_digits``, ``pin_too_short``,
    ``pin_too_long`` or ``pin_too_common``) unless ``pin`` may be chosen."""
    if not isinstance(pin, str) or not _DIGITS.fullmatch(pin):
        raise PinRejectedError("pin_not_digits", "a PIN is made of digits only")
    if len(pin) < MIN_PIN_LENGTH:
        raise PinRejectedError("pin_too_short", f"a PIN has at least {MIN_PIN_LENGTH} digits")
    if len(pin) > MAX_PIN_LENGTH:
        raise PinRejectedError("pin_too_long", f"a PIN has at most {MAX_PIN_LENGTH} digits")
    if is_common_pin(pin):
        raise PinRejectedError("pin_too_common", "this PIN is too easy to guess")


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost: N = 2**log_n, block size r, parallelism p; dklen bytes of key."""

    log_n: int = 14
    r: int = 8
    p: int = 1
    dklen: int = 32
    salt_bytes: int = 16

    def __post_init__(self) -> None:
        # Bounds also protect against a hash (e.g. from an enrolment message) that would make
        # every check take seconds or gigabytes.
        if not 1 <= self.log_n <= 20 or not 1 <= self.r <= 32 or not 1 <= self.p <= 4:
            raise ValueError("scrypt parameters out of range (ln 1-20, r 1-32, p 1-4)")
        if not 16 <= self.dklen <= 64 or not 16 <= self.salt_bytes <= 64:
            raise ValueError("scrypt key and salt must be 16-64 bytes")

    @property
    def n(self) -> int:
        return 1 << self.log_n

    @property
    def maxmem(self) -> int:
        return 128 * self.r * (self.n + self.p + 2) + (1 << 20)


DEFAULT_PARAMS = ScryptParams()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@dataclass(frozen=True)
class PinHash:
    params: ScryptParams
    salt: bytes
    key: bytes

    def encode(self) -> str:
        p = self.params
        return f"$scrypt$ln={p.log_n},r={p.r},p={p.p}${_b64(self.salt)}${_b64(self.key)}"

    @classmethod
    def parse(cls, text: str) -> PinHash:
        """Parse a stored hash; ValueError (one sentence) when it is not one of ours."""
        parts = text.split("$") if isinstance(text, str) else []
        if len(parts) != 5 or parts[0] != "" or parts[1] != "scrypt":
            raise ValueError("not a $scrypt$ PIN hash")
        try:
            fields = dict(item.split("=", 1) for item in parts[2].split(","))
            salt, key = _unb64(parts[3]), _unb64(parts[4])
            params = ScryptParams(
                log_n=int(fields["ln"]),
                r=int(fields["r"]),
                p=int(fields["p"]),
                dklen=len(key),
                salt_bytes=len(salt),
            )
        except (KeyError, ValueError, binascii.Error) as exc:
            raise ValueError(f"malformed PIN hash: {exc}") from None
        return cls(params, salt, key)


def _derive(pin: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        pin.encode("ascii"),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=params.dklen,
    )


def hash_pin(pin: str, params: ScryptParams = DEFAULT_PARAMS) -> str:
    """The stored form of ``pin``: a fresh random salt every time. Slow on purpose."""
    salt = secrets.token_bytes(params.salt_bytes)
    return PinHash(params, salt, _derive(pin, salt, params)).encode()


def verify_pin(pin: str, stored: str) -> bool:
    """Does ``pin`` match ``stored``? Slow on purpose; constant-time comparison."""
    parsed = PinHash.parse(stored)
    if not pin.isascii():
        pin = "\0"  # still derive: the time taken says nothing about the input
    candidate = _derive(pin, parsed.salt, parsed.params)
    return hmac.compare_digest(candidate, parsed.key)


def measure(params: ScryptParams = DEFAULT_PARAMS, rounds: int = 5) -> float:
    """Mean seconds of one verification with ``params`` on this machine."""
    stored = hash_pin("583920", params)
    start = time.perf_counter()
    for _ in range(rounds):
        verify_pin("583920", stored)
    return (time.perf_counter() - start) / rounds
