"""Pure bytes <-> frames for the payment terminal's ECR-style serial link (no I/O, no clock).

A frame is ``STX  SEQ  BODY  ETX  LRC``:

* ``STX`` 0x02, ``ETX`` 0x03;
* ``SEQ`` one ASCII digit: ``0`` for the first frame a side sends after it (re)started or
  reconnected, then ``1``..``9`` cycling. A receiver drops a frame whose ``SEQ`` repeats the
  previous one it accepted (a retransmission whose ACK was lost); it forgets that number when it
  (re)starts or reconnects;
* ``BODY`` printable ASCII (0x20-0x7E) and the field separator ``FS`` 0x1C only, so no escaping
  is needed: STX, ETX, ACK and NAK can never appear inside a body;
* ``LRC`` the XOR of every byte after STX up to and including ETX.

Outside frames, single ``ACK`` 0x06 / ``NAK`` 0x15 bytes acknowledge the other side's frame.

:class:`FrameDecoder` turns any byte stream into tokens (:class:`Frame`, :class:`Control`,
:class:`BadFrame`, :class:`Garbage`) and resynchronises on the next STX after anything
unexpected; it never raises.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hardware.terminal.errors import TerminalFramingError

STX = 0x02
ETX = 0x03
ACK = 0x06
NAK = 0x15
FS = 0x1C
MAX_BODY = 1024  # bytes between SEQ and ETX
_HOLD_MAX = 64  # longest trailing digit run kept back so a card number is never split


class Control(enum.Enum):
    ACK = ACK
    NAK = NAK


class FrameFault(enum.Enum):
    BAD_LRC = "bad_lrc"
    ILLEGAL_BYTE = "illegal_byte"
    TOO_LONG = "too_long"
    BAD_SEQUENCE = "bad_sequence"


@dataclass(frozen=True, kw_only=True)
class Frame:
    seq: int
    payload: bytes
    raw: bytes


@dataclass(frozen=True)
class BadFrame:
    """A frame that started and ended but is invalid: the receiver answers NAK."""

    fault: FrameFault
    raw: bytes


@dataclass(frozen=True)
class Garbage:
    """Bytes outside any frame (or an abandoned partial frame), dropped without NAK."""

    raw: bytes


Token = Frame | Control | BadFrame | Garbage


def lrc(data: bytes) -> int:
    """XOR of ``data`` (pass everything after STX up to and including ETX)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def is_body_byte(byte: int) -> bool:
    return byte == FS or 0x20 <= byte <= 0x7E


def next_seq(previous: int | None) -> int:
    """The sequence digit after ``previous`` (``None``: first frame since start, so 0)."""
    if previous is None:
        return 0
    return previous % 9 + 1


def is_repeat(last: int | None, seq: int) -> bool:
    """True when a frame numbered ``seq`` is a retransmission of the last one accepted."""
    return seq == last


def encode_frame(seq: int, payload: bytes) -> bytes:
    """Wrap ``payload`` in a frame; raises TerminalFramingError for bytes a body cannot hold."""
    if not 0 <= seq <= 9:
        raise TerminalFramingError(f"sequence {seq} out of range 0-9")
    if len(payload) + 1 > MAX_BODY:
        raise TerminalFramingError(f"payload of {len(payload)} bytes exceeds {MAX_BODY - 1}")
    bad = next((b for b in payload if not is_body_byte(b)), None)
    if bad is not None:
        raise TerminalFramingError(f"byte 0x{bad:02X} is not allowed in a frame body")
    body = bytes([0x30 + seq]) + payload + bytes([ETX])
    return bytes([STX]) + body + bytes([lrc(body)])


class _State(enum.Enum):
    IDLE = "idle"
    BODY = "body"
    LRC = "lrc"


def _digitish(byte: int) -> bool:
    return 0x30 <= byte <= 0x39 or byte in (0x20, 0x2D)


class FrameDecoder:
    """Incremental decoder: ``feed()`` bytes as they arrive and get the finished tokens."""

    def __init__(self, max_body: int = MAX_BODY) -> None:
        self._max_body = max_body
        self._state = _State.IDLE
        self._body = bytearray()  # SEQ + BODY
        self._junk = bytearray()

    def reset(self) -> None:
        """Forget any partial frame and held-back junk (e.g. after a reconnect)."""
        self._state = _State.IDLE
        self._body.clear()
        self._junk.clear()

    def feed(self, data: bytes) -> list[Token]:
        out: list[Token] = []
        for byte in data:
            self._step(byte, out)
        # Junk ending in digits is held back so that a card number split across two reads
        # is still seen whole by whoever inspects the Garbage token.
        if self._junk and not (_digitish(self._junk[-1]) and len(self._junk) <= _HOLD_MAX):
            self._flush_junk(out)
        return out

    def _flush_junk(self, out: list[Token]) -> None:
        if self._junk:
            out.append(Garbage(bytes(self._junk)))
            self._junk.clear()

    def _start(self, out: list[Token]) -> None:
        self._flush_junk(out)
        self._state = _State.BODY
        self._body.clear()

    def _raw(self) -> bytes:
        return bytes([STX]) + bytes(self._body)

    def _step(self, byte: int, out: list[Token]) -> None:
        if self._state is _State.IDLE:
            self._step_idle(byte, out)
        elif self._state is _State.BODY:
            self._step_body(byte, out)
        else:
            self._step_lrc(byte, out)

    def _step_idle(self, byte: int, out: list[Token]) -> None:
        if byte == STX:
            self._start(out)
        elif byte in (ACK, NAK):
            self._flush_junk(out)
            out.append(Control(byte))
        else:
            self._junk.append(byte)

    def _step_body(self, byte: int, out: list[Token]) -> None:
        if byte == ETX:
            self._state = _State.LRC
        elif is_body_byte(byte):
            self._body.append(byte)
            if len(self._body) > self._max_body:
                out.append(BadFrame(FrameFault.TOO_LONG, self._raw()))
                self._state = _State.IDLE
        elif byte == STX:  # a new frame starts: the partial one was noise
            self._junk += self._raw()
            self._start(out)
        elif byte in (ACK, NAK):  # a control byte cuts the partial frame short
            self._junk += self._raw()
            self._state = _State.IDLE
            self._step_idle(byte, out)
        else:
            out.append(BadFrame(FrameFault.ILLEGAL_BYTE, self._raw() + bytes([byte])))
            self._state = _State.IDLE

    def _step_lrc(self, byte: int, out: list[Token]) -> None:
        raw = self._raw() + bytes([ETX])
        self._state = _State.IDLE
        if byte != lrc(bytes(self._body) + bytes([ETX])):
            out.append(BadFrame(FrameFault.BAD_LRC, raw + bytes([byte])))
            if byte == STX:  # the LRC was lost and a new frame is starting
                self._start(out)
            return
        raw += bytes([byte])
        if not self._body or not 0x30 <= self._body[0] <= 0x39:
            out.append(BadFrame(FrameFault.BAD_SEQUENCE, raw))
            return
        out.append(Frame(seq=self._body[0] - 0x30, payload=bytes(self._body[1:]), raw=raw))
