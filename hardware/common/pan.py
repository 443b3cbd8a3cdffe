"""Card-number (PAN) and magnetic-track detection, so no card number ever passes the drivers.

The kiosk only ever handles tokens, authorization ids, brand and last 4 digits. Anything shaped
like a primary account number (13-19 digits passing the Luhn check, possibly split by spaces or
dashes) or like track 1/2 data is detected here; :func:`redact` replaces it for logs and
errors, and :class:`RedactingFilter` scrubs every log record as a last line of defence.
"""

from __future__ import annotations

import logging
import re

# 13-19 digits, optionally grouped by single spaces or dashes.
_PAN_RE = re.compile(r"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])")
# Track 1: %B<PAN>^NAME^...   Track 2: ;<PAN>=<expiry>...   (also without sentinels)
_TRACK_RE = re.compile(r"%?B[0-9]{12,19}\^[^^]{0,26}\^[0-9]{4}|;?[0-9]{12,19}=[0-9]{4}")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _pan_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _PAN_RE.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            spans.append(m.span())
    for m in _TRACK_RE.finditer(text):
        spans.append(m.span())
    return spans


def contains_card_data(data: str | bytes) -> bool:
    """True when ``data`` holds something shaped like a full card number or track data."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    return bool(_pan_spans(text))


def redact(data: str | bytes) -> str:
    """Return ``data`` as text with every card-number or track-shaped run replaced."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    spans = sorted(_pan_spans(text))
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            start = pos
        if start >= end:
            continue
        out.append(text[pos:start])
        out.append("[REDACTED]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts card-shaped data from every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True
