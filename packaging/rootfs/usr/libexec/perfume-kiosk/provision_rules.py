"""The kiosk's rules for a technician's id, PIN and PIN hash, copied for first-boot provisioning.

``provision`` runs before the app and must not import it (``kiosk``), yet a file it accepts
must be one the kiosk's enrolment accepts (``kiosk/service/enrolment.py``): otherwise the kiosk
would destroy the file at start and the machine would have no technician. These are copies of
``TECHNICIAN_ID_RE`` (``kiosk/service/auth.py``), ``check_new_pin``/``is_common_pin`` and
``PinHash.parse`` (``kiosk/service/pins.py``); tests/packaging/test_provision.py compares them
with the originals.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import itertools
import re

TECHNICIAN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
TECHNICIAN_NAME_MAX = 80  # kiosk/service/enrolment.py: _text(obj, "name", 80)
MIN_PIN_LENGTH, MAX_PIN_LENGTH = 6, 12
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


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _date_like(pin: str) -> bool:
    if len(pin) == 6:
        a, b, c = int(pin[:2]), int(pin[2:4]), int(pin[4:])
        return _valid_date(2000, b, a) or _valid_date(2000, a, b) or _valid_date(2000, b, c)
    if len(pin) == 8:
        head, tail = int(pin[:4]), int(pin[4:])
        dd, mm = int(pin[:2]), int(pin[2:4])
        if 1900 <= tail <= 2099 and (_valid_date(tail, mm, dd) or _valid_date(tail, dd, mm)):
            return True
        return 1900 <= head <= 2099 and _valid_date(head, int(pin[4:6]), int(pin[6:]))
    return False


def is_common_pin(pin: str) -> bool:
    """kiosk.service.pins.is_common_pin: runs, repeats, mirrors, dates, the common list."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    repeats = any(pin == (pin[:k] * len(pin))[: len(pin)] for k in range(1, len(pin) // 2 + 1))
    if pin in COMMON_PINS or len(set(pin)) <= 2 or steps in ({1}, {9}) or repeats:
        return True
    if pin == pin[::-1] or (len(pin) % 2 == 0 and pin[0::2] == pin[1::2]):
        return True
    return _date_like(pin)


def pin_problem(pin: str) -> str | None:
    """Why the kiosk would refuse ``pin`` as a new PIN (kiosk.service.pins.check_new_pin)."""
    if not re.fullmatch(r"[0-9]+", pin):
        return "a PIN is made of digits only"
    if not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        return f"a PIN has {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits"
    if is_common_pin(pin):
        return "this PIN is too easy to guess"
    return None


def pin_hash_problem(text: str) -> str | None:
    """Why the kiosk would refuse ``text`` as a PIN hash (kiosk.service.pins.PinHash.parse)."""
    parts = text.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "scrypt":
        return "not a $scrypt$ PIN hash"
    try:
        fields = dict(item.split("=", 1) for item in parts[2].split(","))
        salt, key = (base64.b64decode(p + "=" * (-len(p) % 4), validate=True) for p in parts[3:])
        log_n, r, p = int(fields["ln"]), int(fields["r"]), int(fields["p"])
    except (KeyError, ValueError, binascii.Error) as exc:
        return f"malformed PIN hash: {exc}"
    if not 1 <= log_n <= 20 or not 1 <= r <= 32 or not 1 <= p <= 4:
        return "scrypt parameters out of range (ln 1-20, r 1-32, p 1-4)"
    if not 16 <= len(key) <= 64 or not 16 <= len(salt) <= 64:
        return "scrypt key and salt must be 16-64 bytes"
    return None
