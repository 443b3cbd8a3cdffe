"""Messages of the serial scanner protocol: frozen dataclasses with encode/decode.

Packet kinds (the KIND byte of :mod:`hardware.scanner.framing`)::

    host -> scanner (payload: SEQ)            scanner -> host
    0x49 'I' IDENTIFY                         0x06 ACK   SEQ [+ data]
    0x45 'E' ENABLE   (start decoding)        0x15 NAK   SEQ REASON
    0x44 'D' DISABLE  (stop decoding)         0x53 'S' SCAN  AIM-ID(3) + data (unsolicited)
    0x54 'T' TRIGGER  (one decode session)
    0x50 'P' PING     (liveness)

Every command carries a sequence byte the reply echoes, so a late reply to a timed-out command
is never taken for the answer to the next one. The ACK to IDENTIFY carries
``model 0x1F serial 0x1F firmware`` (ASCII). SCAN data are raw bytes of any value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from hardware.scanner.errors import ScannerMessageError
from hardware.scanner.framing import Packet, encode_frame

UNIT_SEPARATOR = b"\x1f"


class PacketKind(enum.IntEnum):
    IDENTIFY = 0x49
    ENABLE = 0x45
    DISABLE = 0x44
    TRIGGER = 0x54
    PING = 0x50
    ACK = 0x06
    NAK = 0x15
    SCAN = 0x53


class NakReason(enum.IntEnum):
    UNKNOWN_COMMAND = 0x01
    BAD_PARAMETER = 0x02
    BUSY = 0x03
    DISABLED = 0x04  # TRIGGER while scanning is disabled
    OTHER = 0xFF  # any code this driver does not know


@dataclass(frozen=True)
class ScannerIdentity:
    model: str
    serial: str
    firmware: str

    def encode(self) -> bytes:
        fields = (self.model, self.serial, self.firmware)
        return UNIT_SEPARATOR.join(f.encode("ascii") for f in fields)

    @classmethod
    def decode(cls, data: bytes) -> ScannerIdentity:
        parts = data.split(UNIT_SEPARATOR)
        if len(parts) != 3:
            raise ScannerMessageError(f"identity needs 3 fields, got {len(parts)}")
        model, serial, firmware = (p.decode("ascii", errors="replace") for p in parts)
        return cls(model=model, serial=serial, firmware=firmware)


@dataclass(frozen=True)
class Command:
    """A host command; subclasses only fix the kind."""

    KIND: ClassVar[PacketKind]
    seq: int

    def to_packet(self) -> Packet:
        return Packet(self.KIND, bytes([self.seq]))


@dataclass(frozen=True)
class Identify(Command):
    KIND = PacketKind.IDENTIFY


@dataclass(frozen=True)
class Enable(Command):
    KIND = PacketKind.ENABLE


@dataclass(frozen=True)
class Disable(Command):
    KIND = PacketKind.DISABLE


@dataclass(frozen=True)
class Trigger(Command):
    KIND = PacketKind.TRIGGER


@dataclass(frozen=True)
class Ping(Command):
    KIND = PacketKind.PING


COMMANDS: dict[int, type[Command]] = {c.KIND: c for c in (Identify, Enable, Disable, Trigger, Ping)}


@dataclass(frozen=True)
class Ack:
    seq: int
    data: bytes = b""

    def to_packet(self) -> Packet:
        return Packet(PacketKind.ACK, bytes([self.seq]) + self.data)


@dataclass(frozen=True)
class Nak:
    seq: int
    reason: NakReason

    def to_packet(self) -> Packet:
        return Packet(PacketKind.NAK, bytes([self.seq, self.reason]))


@dataclass(frozen=True)
class ScanReport:
    """Decoded data as the module sends it: AIM symbology identifier and raw bytes."""

    aim_id: str
    data: bytes

    def to_packet(self) -> Packet:
        aim = self.aim_id.encode("ascii")
        if len(aim) != 3:
            raise ScannerMessageError("AIM identifier must be 3 ASCII characters")
        return Packet(PacketKind.SCAN, aim + self.data)


Reply = Ack | Nak
Message = Command | Ack | Nak | ScanReport


def decode_packet(packet: Packet) -> Message:
    """Turn a packet into its message; raises ScannerMessageError when it is not one."""
    kind, payload = packet.kind, packet.payload
    if kind == PacketKind.SCAN:
        if len(payload) < 3:
            raise ScannerMessageError("scan report shorter than its AIM identifier")
        return ScanReport(payload[:3].decode("latin-1"), payload[3:])
    if not payload:
        raise ScannerMessageError(f"packet kind 0x{kind:02X} without sequence byte")
    seq = payload[0]
    if kind == PacketKind.ACK:
        return Ack(seq, payload[1:])
    if kind == PacketKind.NAK:
        if len(payload) != 2:
            raise ScannerMessageError("NAK needs a sequence and a reason byte")
        code = payload[1]
        reason = NakReason(code) if code in NakReason._value2member_map_ else NakReason.OTHER
        return Nak(seq, reason)
    command = COMMANDS.get(kind)
    if command is None:
        raise ScannerMessageError(f"unknown packet kind 0x{kind:02X}")
    if len(payload) != 1:
        raise ScannerMessageError(f"{command.__name__} takes only a sequence byte")
    return command(seq)


def encode_message(message: Message) -> bytes:
    """The full frame bytes for ``message``."""
    packet = message.to_packet()
    return encode_frame(packet.kind, packet.payload)
