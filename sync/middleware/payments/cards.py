"""Card-number canary: refuse anything that looks like a PAN (13-19 digits passing Luhn).

The kiosk and the middleware only ever handle payment tokens; a value that looks like a card
number is refused before it is stored, logged or sent anywhere (PCI DSS 3.3.1/3.4.1). The
check is local on purpose: ``sync`` never imports ``hardware``.
"""

from __future__ import annotations

import re

_DIGIT_RUN = re.compile(r"\d+")


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (only 0-9) passes the Luhn mod-10 check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def looks_like_pan(value: str) -> bool:
    """True when ``value`` (spaces and dashes ignored) holds a run of 13-19 digits passing
    Luhn."""
    compact = re.sub(r"[ \-]", "", value)
    return any(13 <= len(run) <= 19 and luhn_valid(run) for run in _DIGIT_RUN.findall(compact))
