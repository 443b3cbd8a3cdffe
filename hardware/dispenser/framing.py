"""Pure bytes <-> frames for the dispenser board link: CRC, byte stuffing, resync.

Wire format of one frame (see docs/hardware/dispenser.md)::

    7E | LEN | SEQ | TYPE | PAYLOAD (LEN bytes) | CRC16 hi | CRC16 lo

Everything after the start byte is byte-stuffed: ``7E`` is sent as ``7D 5E`` and ``7D`` as
``7D 5D``, so a raw ``7E`` on the wire always starts a frame. The CRC is CRC-16/CCITT-FALSE
(poly 0x1021, init 0xFFFF, no reflection, no final xor) over LEN, SEQ, TYPE and PAYLOAD before
stuffing. :class:`FrameDecoder` skips garbage, drops frames with a bad CRC or a bad escape and
restarts on every start byte, so it always resyncs. No I/O and no clock here.
"""

from __future__ import annotations

from dataclasses import dataclass

START = 0x7E
ESCAPE = 0x7D
ESCAPE_XOR = 0x20
MAX_PAYLOAD = 255
_HEADER = 3  # LEN, SEQ, TYPE
_CRC_LEN = 2


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (check value of b"123456789" is 0x29B1)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


@dataclass(frozen=True)
class Frame:
    """One decoded frame: sequence number, message type and raw payload."""

    seq: int
    type: int
    payload: bytes = b""


@dataclass(frozen=True)
class BadFrame:
    """A frame that started but could not be decoded; ``seq`` is known when the header was."""

    reason: str
    seq: int | None = None


def _stuff(data: bytes) -> bytes:
    out = bytearray()
    for byte in data:
        if byte in (START, ESCAPE):
            out += bytes((ESCAPE, byte ^ ESCAPE_XOR))
        else:
            out.append(byte)
    return bytes(out)


def encode_frame(frame: Frame) -> bytes:
    """Return the wire bytes of ``frame``; ValueError for out-of-range fields."""
    if not 0 <= frame.seq <= 0xFF or not 0 <= frame.type <= 0xFF:
        raise ValueError("seq and type must fit in one byte")
    if len(frame.payload) > MAX_PAYLOAD:
        raise ValueError(f"payload longer than {MAX_PAYLOAD} bytes")
    body = bytes((len(frame.payload), frame.seq, frame.type)) + frame.payload
    crc = crc16_ccitt_false(body)
    return bytes((START,)) + _stuff(body + crc.to_bytes(2, "big"))


class FrameDecoder:
    """Incremental decoder: feed it any bytes, get back whole frames and bad-frame notes."""

    def __init__(self) -> None:
        self._in_frame = False
        self._escaped = False
        self._body = bytearray()
        self.skipped_bytes = 0  # garbage outside frames, for diagnostics
        self.bad_frames = 0

    def feed(self, data: bytes) -> list[Frame | BadFrame]:
        out: list[Frame | BadFrame] = []
        for byte in data:
            if byte == START:
                if self._in_frame and self._body:
                    out.append(self._bad("frame cut short by a new start byte"))
                self._start()
                continue
            if not self._in_frame:
                self.skipped_bytes += 1
                continue
            if self._escaped:
                self._escaped = False
                if byte not in (START ^ ESCAPE_XOR, ESCAPE ^ ESCAPE_XOR):
                    out.append(self._bad("bad escape sequence"))
                    continue
                byte ^= ESCAPE_XOR
            elif byte == ESCAPE:
                self._escaped = True
                continue
            self._body.append(byte)
            item = self._complete()
            if item is not None:
                out.append(item)
        return out

    def _start(self) -> None:
        self._in_frame = True
        self._escaped = False
        self._body.clear()

    def _bad(self, reason: str) -> BadFrame:
        seq = self._body[1] if len(self._body) >= 2 else None
        self.bad_frames += 1
        self._in_frame = False
        self._escaped = False
        self._body.clear()
        return BadFrame(reason, seq)

    def _complete(self) -> Frame | BadFrame | None:
        body = self._body
        if len(body) < _HEADER or len(body) < _HEADER + body[0] + _CRC_LEN:
            return None
        end = _HEADER + body[0]
        if crc16_ccitt_false(bytes(body[:end])) != int.from_bytes(body[end:], "big"):
            return self._bad("bad CRC")
        frame = Frame(seq=body[1], type=body[2], payload=bytes(body[_HEADER:end]))
        self._in_frame = False
        self._body.clear()
        return frame
