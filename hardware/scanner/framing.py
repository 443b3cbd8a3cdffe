"""Pure bytes <-> packets for the serial scanner module: length prefix, header check, CRC-16.

Wire format (all multi-byte fields big-endian)::

    STX 0x02 | KIND | LEN_HI LEN_LO | HCHK | PAYLOAD (LEN bytes) | CRC_HI CRC_LO | ETX 0x03

* ``HCHK = 0xFF - ((KIND + LEN_HI + LEN_LO) & 0xFF)`` lets a stray STX in garbage be rejected
  after five bytes instead of waiting for a bogus length to fill up;
* ``CRC`` is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over KIND..PAYLOAD;
* payloads are raw bytes (no escaping: the length prefix carries any byte value) and at most
  :data:`MAX_PAYLOAD` bytes; a longer declared length is rejected as OVERSIZED.

Resync rule: whenever a candidate frame fails (bad header, oversized, bad CRC, missing ETX),
only its STX byte is discarded and scanning restarts at the next byte, so a real frame hidden
behind garbage is still found. Bytes before an STX are reported as GARBAGE.

No I/O and no clock here. A stray STX whose header happens to check out makes
:class:`Deframer` wait for a payload that never comes; the protocol layer calls
:meth:`Deframer.flush_stalled` after an idle gap to drop that STX and rescan.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hardware.scanner.errors import ScannerFramingError

STX = 0x02
ETX = 0x03
HEADER_LEN = 5  # STX KIND LEN_HI LEN_LO HCHK
TRAILER_LEN = 3  # CRC_HI CRC_LO ETX
OVERHEAD = HEADER_LEN + TRAILER_LEN
MAX_PAYLOAD = 1024


class DiscardReason(enum.Enum):
    GARBAGE = "garbage"  # bytes outside any frame
    BAD_HEADER = "bad_header"  # header check byte wrong
    OVERSIZED = "oversized"  # declared length above the maximum
    BAD_CHECKSUM = "bad_checksum"  # CRC mismatch
    BAD_TRAILER = "bad_trailer"  # no ETX where the frame should end


@dataclass(frozen=True)
class Packet:
    """One decoded frame: its kind byte and raw payload."""

    kind: int
    payload: bytes


@dataclass(frozen=True)
class Discarded:
    """Bytes the deframer threw away and why (for counters and hex dumps)."""

    data: bytes
    reason: DiscardReason


DeframedItem = Packet | Discarded


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (check value of ``b"123456789"`` is 0x29B1)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def header_check(kind: int, length: int) -> int:
    return 0xFF - ((kind + (length >> 8) + (length & 0xFF)) & 0xFF)


def encode_frame(kind: int, payload: bytes = b"", *, max_payload: int = MAX_PAYLOAD) -> bytes:
    """Frame ``payload`` as ``kind``; raises ScannerFramingError when it cannot be framed."""
    if not 0 <= kind <= 0xFF:
        raise ScannerFramingError(f"kind {kind} does not fit in a byte")
    if len(payload) > max_payload:
        raise ScannerFramingError(f"payload of {len(payload)} bytes exceeds {max_payload}")
    length = len(payload)
    body = bytes([kind, length >> 8, length & 0xFF, header_check(kind, length)]) + payload
    crc = crc16(body)
    return bytes([STX]) + body + bytes([crc >> 8, crc & 0xFF, ETX])


class Deframer:
    """Turns a byte stream, fed in arbitrary pieces, into packets and discarded bytes."""

    def __init__(self, *, max_payload: int = MAX_PAYLOAD) -> None:
        self._max_payload = max_payload
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held back as the start of a frame not yet complete."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[DeframedItem]:
        """Add ``data`` and return every packet and discard it completes, in stream order."""
        self._buf += data
        return self._parse()

    def flush_stalled(self) -> list[DeframedItem]:
        """Give up on the partial frame at the front (its STX was probably garbage): discard
        the STX and rescan the rest. Call after an idle gap with :attr:`pending` > 0."""
        if not self._buf:
            return []
        dropped = bytes(self._buf[:1])
        del self._buf[:1]
        return [Discarded(dropped, DiscardReason.GARBAGE), *self._parse()]

    def _parse(self) -> list[DeframedItem]:
        out: list[DeframedItem] = []
        buf = self._buf
        while buf:
            start = buf.find(STX)
            if start != 0:
                end = len(buf) if start < 0 else start
                out.append(Discarded(bytes(buf[:end]), DiscardReason.GARBAGE))
                del buf[:end]
                continue
            if len(buf) < HEADER_LEN:
                break
            kind, length = buf[1], (buf[2] << 8) | buf[3]
            reason: DiscardReason | None = None
            if buf[4] != header_check(kind, length):
                reason = DiscardReason.BAD_HEADER
            elif length > self._max_payload:
                reason = DiscardReason.OVERSIZED
            else:
                total = OVERHEAD + length
                if len(buf) < total:
                    break
                crc = (buf[total - 3] << 8) | buf[total - 2]
                if buf[total - 1] != ETX:
                    reason = DiscardReason.BAD_TRAILER
                elif crc != crc16(bytes(buf[1 : total - 3])):
                    reason = DiscardReason.BAD_CHECKSUM
                else:
                    out.append(Packet(kind, bytes(buf[HEADER_LEN : total - 3])))
                    del buf[:total]
                    continue
            out.append(Discarded(bytes(buf[:1]), reason))
            del buf[:1]
        return out
