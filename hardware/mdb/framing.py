"""MDB framing in two layers, pure bytes <-> frames (no I/O, no clock).

Layer 1, the MDB block (what is on the MDB bus). MDB bytes are 9 bits wide; here a *word* is an
``int`` 0..0x1FF whose bit 8 (:data:`MODE_BIT`) is the mode bit.

* VMC -> peripheral: the first word (address + command) has the mode bit set, then data words,
  then the checksum word (mode bit clear). A lone word without mode bit is the VMC's ACK, RET
  or NAK answering a peripheral's data.
* peripheral -> VMC: data words, then the checksum word with the mode bit set. A lone word with
  the mode bit set is the peripheral's ACK or NAK.
* checksum = 8-bit sum of the block's bytes (address byte included, checksum excluded).

Layer 2, the bridge frame (how an MDB-to-serial bridge carries 9-bit words over an 8-bit
line; real bridges differ, swap :func:`encode_bridge_frame` / :class:`BridgeDecoder`)::

    SOF(7E)  escape( mode_0 data_0  mode_1 data_1 ...  crc8 )  EOF(7F)

one frame per MDB block, each word as a mode byte (00 or 01) and a data byte; 7D/7E/7F in the
body are sent as 7D, byte ^ 20; crc8 (poly 07, init 00) covers the unescaped body. The decoder
drops anything outside SOF..EOF, restarts on an SOF inside a frame and drops frames that are too
long, badly escaped or fail the CRC, so it always resynchronises on the next SOF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hardware.mdb.errors import MdbFramingError

Word = int
MODE_BIT = 0x100

ACK = 0x00
NAK = 0xFF
RET = 0xAA

MAX_BLOCK = 36  # MDB: at most 36 bytes per block, checksum included

SOF = 0x7E
EOF = 0x7F
ESC = 0x7D
_ESCAPED = frozenset({SOF, EOF, ESC})
MAX_FRAME_WORDS = 40


@dataclass(frozen=True)
class ControlWord:
    """A one-word ACK / NAK / RET."""

    code: int


@dataclass(frozen=True)
class Block:
    """A checked MDB block's bytes without the checksum (from the VMC: address byte first)."""

    data: bytes


def checksum(data: bytes) -> int:
    """The MDB checksum: the 8-bit sum of ``data``."""
    return sum(data) & 0xFF


def _check_bytes(data: bytes) -> None:
    if not data or len(data) >= MAX_BLOCK:
        raise MdbFramingError(f"an MDB block carries 1..{MAX_BLOCK - 1} bytes, got {len(data)}")


def encode_vmc_block(data: bytes) -> tuple[Word, ...]:
    """Words of a VMC command: ``data[0]`` is the address byte (sent with the mode bit)."""
    _check_bytes(data)
    return (data[0] | MODE_BIT, *data[1:], checksum(data))


def encode_vmc_control(code: int) -> tuple[Word, ...]:
    """The VMC's ACK / RET / NAK: one word, mode bit clear."""
    return (code & 0xFF,)


def encode_peripheral_block(data: bytes) -> tuple[Word, ...]:
    """Words of a peripheral's data reply: the checksum word carries the mode bit."""
    _check_bytes(data)
    return (*data, checksum(data) | MODE_BIT)


def encode_peripheral_control(code: int) -> tuple[Word, ...]:
    """The peripheral's ACK / NAK: one word with the mode bit set."""
    return ((code & 0xFF) | MODE_BIT,)


def _checked(words: Sequence[Word]) -> Block:
    data = bytes(w & 0xFF for w in words[:-1])
    if checksum(data) != words[-1] & 0xFF:
        raise MdbFramingError("bad MDB checksum")
    return Block(data)


def _check_words(words: Sequence[Word]) -> None:
    if not words or len(words) > MAX_BLOCK:
        raise MdbFramingError(f"an MDB block has 1..{MAX_BLOCK} words, got {len(words)}")
    if any(not 0 <= w <= 0x1FF for w in words):
        raise MdbFramingError("an MDB word is 9 bits")


def decode_from_vmc(words: Sequence[Word]) -> ControlWord | Block:
    """Decode what the VMC sent: a control word or a checked command block."""
    _check_words(words)
    if len(words) == 1 and not words[0] & MODE_BIT:
        return ControlWord(words[0])
    if not words[0] & MODE_BIT or any(w & MODE_BIT for w in words[1:]):
        raise MdbFramingError("a VMC block sets the mode bit on its first word only")
    if len(words) < 2:
        raise MdbFramingError("a VMC block needs an address and a checksum")
    return _checked(words)


def decode_from_peripheral(words: Sequence[Word]) -> ControlWord | Block:
    """Decode what a peripheral sent: ACK/NAK or a checked data block."""
    _check_words(words)
    if not words[-1] & MODE_BIT or any(w & MODE_BIT for w in words[:-1]):
        raise MdbFramingError("a peripheral reply sets the mode bit on its last word only")
    if len(words) == 1:
        return ControlWord(words[0] & 0xFF)
    return _checked(words)


# -- layer 2: the bridge frame -------------------------------------------------------------


def crc8(data: bytes) -> int:
    """CRC-8, polynomial 0x07, initial value 0."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def encode_bridge_frame(words: Sequence[Word]) -> bytes:
    """One bridge frame carrying ``words`` (one MDB block or control word)."""
    if not words or len(words) > MAX_FRAME_WORDS:
        raise MdbFramingError(f"a bridge frame carries 1..{MAX_FRAME_WORDS} words")
    body = bytearray()
    for word in words:
        if not 0 <= word <= 0x1FF:
            raise MdbFramingError("an MDB word is 9 bits")
        body += bytes((word >> 8, word & 0xFF))
    body.append(crc8(bytes(body)))
    out = bytearray((SOF,))
    for byte in body:
        if byte in _ESCAPED:
            out += bytes((ESC, byte ^ 0x20))
        else:
            out.append(byte)
    out.append(EOF)
    return bytes(out)


class BridgeDecoder:
    """Incremental bridge-frame decoder that drops garbage and resynchronises on SOF.

    ``dropped_bytes`` counts bytes outside frames, ``bad_frames`` frames thrown away; the bytes
    outside frames are kept for tracing until :meth:`take_garbage`.
    """

    def __init__(self, *, max_words: int = MAX_FRAME_WORDS) -> None:
        self._max_body = 2 * max_words + 1
        self._in_frame = False
        self._escaped = False
        self._body = bytearray()
        self._garbage = bytearray()
        self.dropped_bytes = 0
        self.bad_frames = 0

    def take_garbage(self) -> bytes:
        """Return and forget the bytes dropped outside frames since the last call."""
        garbage = bytes(self._garbage)
        self._garbage.clear()
        return garbage

    def feed(self, data: bytes) -> list[tuple[Word, ...]]:
        """Feed received bytes; return the words of every complete, valid frame."""
        frames: list[tuple[Word, ...]] = []
        for byte in data:
            frame = self._feed_byte(byte)
            if frame is not None:
                frames.append(frame)
        return frames

    def _start(self) -> None:
        self._in_frame = True
        self._escaped = False
        self._body.clear()

    def _drop(self) -> None:
        self.bad_frames += 1
        self._in_frame = False
        self._escaped = False
        self._body.clear()

    def _feed_byte(self, byte: int) -> tuple[Word, ...] | None:
        if not self._in_frame:
            if byte == SOF:
                self._start()
            else:
                self.dropped_bytes += 1
                self._garbage.append(byte)
            return None
        if byte == SOF:
            self.bad_frames += 1  # a new frame starts inside an unfinished one
            self._start()
        elif byte == EOF:
            return self._finish()
        elif byte == ESC:
            if self._escaped:
                self._drop()
            else:
                self._escaped = True
        elif self._escaped:
            self._escaped = False
            if byte ^ 0x20 not in _ESCAPED:
                self._drop()
            else:
                self._append(byte ^ 0x20)
        else:
            self._append(byte)
        return None

    def _append(self, byte: int) -> None:
        self._body.append(byte)
        if len(self._body) > self._max_body:
            self._drop()

    def _finish(self) -> tuple[Word, ...] | None:
        body = bytes(self._body)
        escaped = self._escaped
        self._in_frame = False
        self._escaped = False
        self._body.clear()
        if escaped or len(body) < 3 or len(body) % 2 == 0 or crc8(body[:-1]) != body[-1]:
            self.bad_frames += 1
            return None
        modes = body[0:-1:2]
        if any(m > 1 for m in modes):
            self.bad_frames += 1
            return None
        return tuple((m << 8) | d for m, d in zip(modes, body[1:-1:2], strict=True))
