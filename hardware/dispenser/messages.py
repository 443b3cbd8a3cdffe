"""Dispenser board messages: one frozen dataclass per request, reply and event, with encode and
decode of its payload (big-endian integers, strings as one length byte + ASCII).

Requests go kiosk -> board; each is answered by exactly one reply (or a :class:`Nak`) carrying
the request's sequence number. Events go board -> kiosk unsolicited, with the board's own
sequence counter. :func:`decode_message` turns a frame's type and payload into a message and
raises :class:`~hardware.dispenser.errors.MalformedMessageError` for anything it cannot read.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, fields
from typing import ClassVar, Self, TypeVar

from hardware.dispenser.errors import MalformedMessageError

E = TypeVar("E", bound=enum.IntEnum)

FLAG_TEST = 0x01
FLAG_DOOR_OPEN = 0x01


class WireStatus(enum.IntEnum):
    NEVER_RECEIVED = 0
    IN_PROGRESS = 1
    DONE = 2
    FAILED = 3


class WireOutcome(enum.IntEnum):
    OK = 0
    EMPTY = 1
    JAM = 2
    DOOR_OPEN = 3
    REFUSED = 4
    INTERRUPTED = 5
    NONE = 0xFF


class CommandKind(enum.IntEnum):
    NONE = 0
    SPRAY = 1
    DROP = 2


class NakReason(enum.IntEnum):
    BAD_CRC = 1
    MALFORMED = 2
    UNKNOWN_TYPE = 3
    CONFLICT = 4  # the command id was already used with other parameters
    BUSY = 5


class ResetReason(enum.IntEnum):
    POWER_ON = 0
    WATCHDOG = 1
    REQUESTED = 2
    BROWNOUT = 3


class _Reader:
    """Cursor over a payload; every short read or bad value is a MalformedMessageError."""

    def __init__(self, name: str, payload: bytes) -> None:
        self._name = name
        self._data = payload
        self._pos = 0

    def take(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize(fmt)
        if self._pos + size > len(self._data):
            raise MalformedMessageError(f"{self._name}: payload too short")
        values = struct.unpack_from(fmt, self._data, self._pos)
        self._pos += size
        return tuple(int(v) for v in values)

    def one(self, fmt: str) -> int:
        return self.take(fmt)[0]

    def text(self) -> str:
        size = self.one(">B")
        if self._pos + size > len(self._data):
            raise MalformedMessageError(f"{self._name}: string runs past the payload")
        raw = self._data[self._pos : self._pos + size]
        self._pos += size
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedMessageError(f"{self._name}: string is not ASCII") from None

    def end(self) -> None:
        if self._pos != len(self._data):
            raise MalformedMessageError(f"{self._name}: {len(self._data) - self._pos} extra bytes")


def _member(kind: type[E], value: int) -> E:
    try:
        return kind(value)
    except ValueError:
        raise MalformedMessageError(f"bad {kind.__name__} value {value}") from None


def _text(value: str) -> bytes:
    raw = value.encode("ascii", "replace")[:255]
    return bytes((len(raw),)) + raw


class _Fixed:
    """A message whose payload is one ``struct`` of its fields, in declaration order."""

    TYPE: ClassVar[int]
    FMT: ClassVar[str] = ">"

    def encode(self) -> bytes:
        values = [int(getattr(self, f.name)) for f in fields(self)]  # type: ignore[arg-type]
        return struct.pack(self.FMT, *values)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(cls.__name__, payload)
        message = cls.read(r)
        r.end()
        return message

    @classmethod
    def read(cls, r: _Reader) -> Self:
        return cls._build(r.take(cls.FMT))

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        return cls(*values)


@dataclass(frozen=True)
class Hello(_Fixed):
    """Ask for the board's identity (also the first thing after connecting)."""

    TYPE: ClassVar[int] = 0x01


@dataclass(frozen=True)
class ReadStatus(_Fixed):
    TYPE: ClassVar[int] = 0x02


@dataclass(frozen=True)
class Spray(_Fixed):
    """Fire ``doses`` pulses of ``pulse_ms`` each on ``channel``, once per ``command_id``."""

    TYPE: ClassVar[int] = 0x03
    FMT: ClassVar[str] = ">IBBHB"
    command_id: int
    channel: int
    doses: int
    pulse_ms: int
    test: bool = False  # flags bit 0

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        cid, channel, doses, pulse, flags = values
        return cls(cid, channel, doses, pulse, bool(flags & FLAG_TEST))


@dataclass(frozen=True)
class DropBottle(_Fixed):
    """Drop one bottle from ``slot`` (motor on for at most ``pulse_ms``), once per id."""

    TYPE: ClassVar[int] = 0x04
    FMT: ClassVar[str] = ">IBHB"
    command_id: int
    slot: int
    pulse_ms: int
    test: bool = False  # flags bit 0

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        cid, slot, pulse, flags = values
        return cls(cid, slot, pulse, bool(flags & FLAG_TEST))


@dataclass(frozen=True)
class QueryCommand(_Fixed):
    TYPE: ClassVar[int] = 0x05
    FMT: ClassVar[str] = ">I"
    command_id: int


@dataclass(frozen=True)
class Identity:
    TYPE: ClassVar[int] = 0x81
    protocol_version: int
    channel_count: int
    slot_count: int
    max_doses: int
    max_pulse_ms: int
    boot_id: int
    model: str
    serial: str
    firmware: str

    def encode(self) -> bytes:
        numbers = [getattr(self, f.name) for f in fields(self)][:6]
        head = struct.pack(">BBBBHI", *numbers)
        return head + _text(self.model) + _text(self.serial) + _text(self.firmware)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader("IDENTITY", payload)
        version, channels, slots, max_doses, max_pulse, boot = r.take(">BBBBHI")
        model, serial, firmware = r.text(), r.text(), r.text()
        r.end()
        return cls(version, channels, slots, max_doses, max_pulse, boot, model, serial, firmware)


@dataclass(frozen=True)
class ChannelReading(_Fixed):
    FMT: ClassVar[str] = ">BIHB"
    channel: int
    remaining_ul: int  # microlitres left
    dose_ul: int  # calibrated microlitres per dose
    low: bool

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        channel, remaining, dose, low = values
        return cls(channel, remaining, dose, bool(low))


@dataclass(frozen=True)
class SlotReading(_Fixed):
    FMT: ClassVar[str] = ">BHB"
    slot: int
    bottles: int
    low: bool

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        slot, bottles, low = values
        return cls(slot, bottles, bool(low))


@dataclass(frozen=True)
class Status:
    TYPE: ClassVar[int] = 0x82
    door_open: bool
    temperature_dc: int  # tenths of a degree Celsius
    channels: tuple[ChannelReading, ...]
    slots: tuple[SlotReading, ...]

    def encode(self) -> bytes:
        flags = FLAG_DOOR_OPEN if self.door_open else 0
        out = struct.pack(">BhB", flags, self.temperature_dc, len(self.channels))
        out += b"".join(c.encode() for c in self.channels) + bytes((len(self.slots),))
        return out + b"".join(s.encode() for s in self.slots)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader("STATUS", payload)
        flags, temp, n_channels = r.take(">BhB")
        channels = tuple(ChannelReading.read(r) for _ in range(n_channels))
        slots = tuple(SlotReading.read(r) for _ in range(r.one(">B")))
        r.end()
        return cls(bool(flags & FLAG_DOOR_OPEN), temp, channels, slots)


@dataclass(frozen=True)
class Report:
    """What the board knows about one command id (reply to SPRAY, DROP and QUERY)."""

    TYPE: ClassVar[int] = 0x85
    command_id: int
    kind: CommandKind
    status: WireStatus
    outcome: WireOutcome
    doses_done: int
    eta_ms: int = 0  # IN_PROGRESS: expected time until the command finishes
    detail: str = ""

    def encode(self) -> bytes:
        numbers = [int(getattr(self, f.name)) for f in fields(self)[:6]]
        return struct.pack(">IBBBBH", *numbers) + _text(self.detail)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader("REPORT", payload)
        cid, kind, status, outcome, doses, eta = r.take(">IBBBBH")
        detail = r.text()
        r.end()
        enums = (_member(CommandKind, kind), _member(WireStatus, status))
        return cls(cid, *enums, _member(WireOutcome, outcome), doses, eta, detail)


@dataclass(frozen=True)
class Nak(_Fixed):
    """The board could not accept the frame with this sequence number."""

    TYPE: ClassVar[int] = 0xF0
    FMT: ClassVar[str] = ">B"
    reason: NakReason

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        return cls(_member(NakReason, values[0]))


@dataclass(frozen=True)
class CommandFinished:
    """Event: a command reached DONE or FAILED (same payload as a REPORT)."""

    TYPE: ClassVar[int] = 0xC0
    report: Report

    def encode(self) -> bytes:
        return self.report.encode()

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        return cls(Report.decode(payload))


@dataclass(frozen=True)
class DoorChanged(_Fixed):
    TYPE: ClassVar[int] = 0xC1
    FMT: ClassVar[str] = ">B"
    door_open: bool

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        return cls(bool(values[0]))


@dataclass(frozen=True)
class ChannelLevelChanged(ChannelReading):
    TYPE: ClassVar[int] = 0xC2


@dataclass(frozen=True)
class SlotLevelChanged(SlotReading):
    TYPE: ClassVar[int] = 0xC3


@dataclass(frozen=True)
class TemperatureChanged(_Fixed):
    TYPE: ClassVar[int] = 0xC4
    FMT: ClassVar[str] = ">h"
    temperature_dc: int


@dataclass(frozen=True)
class BoardReset(_Fixed):
    TYPE: ClassVar[int] = 0xC5
    FMT: ClassVar[str] = ">IB"
    boot_id: int
    reason: ResetReason

    @classmethod
    def _build(cls, values: tuple[int, ...]) -> Self:
        return cls(values[0], _member(ResetReason, values[1]))


Request = Hello | ReadStatus | Spray | DropBottle | QueryCommand
Reply = Identity | Status | Report | Nak
Event = (
    CommandFinished
    | DoorChanged
    | ChannelLevelChanged
    | SlotLevelChanged
    | TemperatureChanged
    | BoardReset
)
Message = Request | Reply | Event

REQUESTS: dict[int, type[Request]] = {
    m.TYPE: m for m in (Hello, ReadStatus, Spray, DropBottle, QueryCommand)
}
REPLIES: dict[int, type[Reply]] = {m.TYPE: m for m in (Identity, Status, Report, Nak)}
EVENTS: dict[int, type[Event]] = {
    m.TYPE: m
    for m in (
        CommandFinished,
        DoorChanged,
        ChannelLevelChanged,
        SlotLevelChanged,
        TemperatureChanged,
        BoardReset,
    )
}
_ALL: dict[int, type[Message]] = {**REQUESTS, **REPLIES, **EVENTS}


def decode_message(frame_type: int, payload: bytes) -> Message:
    """Decode one frame's payload; MalformedMessageError for unknown types or bad payloads."""
    cls = _ALL.get(frame_type)
    if cls is None:
        raise MalformedMessageError(f"unknown message type 0x{frame_type:02X}")
    return cls.decode(payload)
