"""MDB/ICP cashless messages (level 1 formats) as frozen dataclasses with encode/decode.

Commands go VMC -> reader: :func:`encode_command` gives the block bytes (address byte first,
checksum excluded) for a cashless address, :func:`decode_command` is the reader's (simulator's)
side. Replies go reader -> VMC: one data block can carry several replies back to back;
:func:`encode_responses` / :func:`decode_responses` convert them.

A DISPLAY REQUEST whose text looks like a card number is decoded with the text redacted and
``card_data=True``: no object built here ever holds card digits from the wire.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from hardware.common.pan import contains_card_data, redact


class CashlessAddress(enum.IntEnum):
    CASHLESS_1 = 0x10
    CASHLESS_2 = 0x60


MAX_VALUE = 0xFFFE  # 0xFFFF means "unknown" in several MDB fields


# -- commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reset:
    pass


@dataclass(frozen=True)
class SetupConfig:
    vmc_level: int = 1
    columns: int = 0
    rows: int = 0
    display_info: int = 0


@dataclass(frozen=True)
class SetupPrices:
    max_price: int = 0xFFFF
    min_price: int = 0


@dataclass(frozen=True)
class Poll:
    pass


@dataclass(frozen=True)
class VendRequest:
    price: int  # scaled MDB value
    item: int


@dataclass(frozen=True)
class VendCancel:
    pass


@dataclass(frozen=True)
class VendSuccess:
    item: int


@dataclass(frozen=True)
class VendFailure:
    pass


@dataclass(frozen=True)
class SessionComplete:
    pass


@dataclass(frozen=True)
class ReaderDisable:
    pass


@dataclass(frozen=True)
class ReaderEnable:
    pass


@dataclass(frozen=True)
class ReaderCancel:
    pass


@dataclass(frozen=True)
class ExpansionRequestId:
    manufacturer: str = "PKS"  # the VMC's own identity, sent to the reader
    serial: str = "000000000001"
    model: str = "PERFUMEKIOSK"
    version: int = 0x0100


Command = (
    Reset
    | SetupConfig
    | SetupPrices
    | Poll
    | VendRequest
    | VendCancel
    | VendSuccess
    | VendFailure
    | SessionComplete
    | ReaderDisable
    | ReaderEnable
    | ReaderCancel
    | ExpansionRequestId
)


def _text(value: str, size: int) -> bytes:
    return value.encode("ascii", "replace")[:size].ljust(size, b" ")


def _u16(value: int) -> bytes:
    return (value & 0xFFFF).to_bytes(2, "big")


def _command_body(command: Command) -> tuple[int, bytes]:
    """(offset from the address, bytes after the command byte)."""
    match command:
        case Reset():
            return 0, b""
        case SetupConfig(level, cols, rows, info):
            return 1, bytes((0x00, level, cols, rows, info))
        case SetupPrices(max_price, min_price):
            return 1, b"\x01" + _u16(max_price) + _u16(min_price)
        case Poll():
            return 2, b""
        case VendRequest(price, item):
            return 3, b"\x00" + _u16(price) + _u16(item)
        case VendCancel():
            return 3, b"\x01"
        case VendSuccess(item):
            return 3, b"\x02" + _u16(item)
        case VendFailure():
            return 3, b"\x03"
        case SessionComplete():
            return 3, b"\x04"
        case ReaderDisable():
            return 4, b"\x00"
        case ReaderEnable():
            return 4, b"\x01"
        case ReaderCancel():
            return 4, b"\x02"
        case ExpansionRequestId(mfr, serial, model, version):
            body = _text(mfr, 3) + _text(serial, 12) + _text(model, 12) + _u16(version)
            return 7, b"\x00" + body


def encode_command(address: int, command: Command) -> bytes:
    """Block bytes (address+command byte first, checksum excluded) for ``command``."""
    offset, body = _command_body(command)
    return bytes((address | offset,)) + body


def _word(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big")


def _ascii(data: bytes) -> str:
    return data.decode("ascii", "replace").rstrip(" \x00")


def decode_command(data: bytes) -> tuple[int, Command] | None:
    """(address, command) for a VMC block, or None when it is not a known cashless command."""
    if not data:
        return None
    address, offset, rest = data[0] & 0xF8, data[0] & 0x07, data[1:]
    sub = rest[0] if rest else None
    simple: dict[tuple[int, int | None, int], Command] = {
        (0, None, 0): Reset(),
        (2, None, 0): Poll(),
        (3, 0x01, 1): VendCancel(),
        (3, 0x03, 1): VendFailure(),
        (3, 0x04, 1): SessionComplete(),
        (4, 0x00, 1): ReaderDisable(),
        (4, 0x01, 1): ReaderEnable(),
        (4, 0x02, 1): ReaderCancel(),
    }
    found = simple.get((offset, sub, len(rest)))
    command: Command | None = found
    if found is None:
        key = (offset, sub, len(rest))
        if key == (1, 0x00, 5):
            command = SetupConfig(rest[1], rest[2], rest[3], rest[4])
        elif key == (1, 0x01, 5):
            command = SetupPrices(_word(rest, 1), _word(rest, 3))
        elif key == (3, 0x00, 5):
            command = VendRequest(_word(rest, 1), _word(rest, 3))
        elif key == (3, 0x02, 3):
            command = VendSuccess(_word(rest, 1))
        elif key == (7, 0x00, 30):
            command = ExpansionRequestId(
                _ascii(rest[1:4]), _ascii(rest[4:16]), _ascii(rest[16:28]), _word(rest, 28)
            )
    return None if command is None else (address, command)


# -- replies (poll responses) --------------------------------------------------------------


@dataclass(frozen=True)
class JustReset:
    pass


@dataclass(frozen=True)
class ReaderConfig:
    feature_level: int = 1
    country_code: int = 0x1978  # "1" + ISO 4217 numeric, BCD (1978 = EUR)
    scale_factor: int = 1
    decimal_places: int = 2
    max_response_time: int = 5  # seconds
    options: int = 0


@dataclass(frozen=True)
class DisplayRequest:
    duration: int  # tenths of a second
    text: str  # 32 characters; redacted when it looked like card data
    card_data: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class BeginSession:
    funds: int  # scaled; 0xFFFF = unknown


@dataclass(frozen=True)
class SessionCancelRequest:
    pass


@dataclass(frozen=True)
class VendApproved:
    amount: int  # scaled amount actually charged


@dataclass(frozen=True)
class VendDenied:
    pass


@dataclass(frozen=True)
class EndSession:
    pass


@dataclass(frozen=True)
class Cancelled:
    pass


@dataclass(frozen=True)
class PeripheralId:
    manufacturer: str
    serial: str
    model: str
    version: int  # 2 bytes BCD


@dataclass(frozen=True)
class Malfunction:
    error_code: int  # high nibble: error class (0xC_ = refund error)


@dataclass(frozen=True)
class OutOfSequence:
    pass


@dataclass(frozen=True)
class UnknownResponse:
    """A reply this driver does not know (or a truncated one); its bytes are not kept."""

    code: int
    length: int


Response = (
    JustReset
    | ReaderConfig
    | DisplayRequest
    | BeginSession
    | SessionCancelRequest
    | VendApproved
    | VendDenied
    | EndSession
    | Cancelled
    | PeripheralId
    | Malfunction
    | OutOfSequence
    | UnknownResponse
)

REFUND_ERROR_CLASS = 0xC

# reply code -> total length (code byte included), MDB level 1
_LENGTHS = dict(enumerate((1, 8, 34, 3, 1, 3, 1, 1, 1, 30, 2, 1)))
_SIMPLE: dict[int, Response] = {
    0x00: JustReset(),
    0x04: SessionCancelRequest(),
    0x06: VendDenied(),
    0x07: EndSession(),
    0x08: Cancelled(),
    0x0B: OutOfSequence(),
}


def encode_response(response: Response) -> bytes:
    match response:
        case JustReset():
            return b"\x00"
        case ReaderConfig(level, country, scale, places, max_time, options):
            return bytes((0x01, level)) + _u16(country) + bytes((scale, places, max_time, options))
        case DisplayRequest(duration, text):
            return bytes((0x02, duration)) + text.encode("latin-1", "replace")[:32].ljust(32)
        case BeginSession(funds):
            return b"\x03" + _u16(funds)
        case SessionCancelRequest():
            return b"\x04"
        case VendApproved(amount):
            return b"\x05" + _u16(amount)
        case VendDenied():
            return b"\x06"
        case EndSession():
            return b"\x07"
        case Cancelled():
            return b"\x08"
        case PeripheralId(mfr, serial, model, version):
            return b"\x09" + _text(mfr, 3) + _text(serial, 12) + _text(model, 12) + _u16(version)
        case Malfunction(code):
            return bytes((0x0A, code))
        case OutOfSequence():
            return b"\x0b"
        case UnknownResponse(code, length):
            return bytes((code,)) + bytes(max(length - 1, 0))


def encode_responses(responses: list[Response]) -> bytes:
    return b"".join(encode_response(r) for r in responses)


def _decode_one(chunk: bytes) -> Response:
    code = chunk[0]
    simple = _SIMPLE.get(code)
    if simple is not None:
        return simple
    if code == 0x01:
        return ReaderConfig(chunk[1], _word(chunk, 2), chunk[4], chunk[5], chunk[6], chunk[7])
    if code == 0x02:
        raw = chunk[2:34]
        if contains_card_data(raw):
            return DisplayRequest(chunk[1], redact(raw), card_data=True)
        return DisplayRequest(chunk[1], raw.decode("latin-1").rstrip())
    if code == 0x03:
        return BeginSession(_word(chunk, 1))
    if code == 0x05:
        return VendApproved(_word(chunk, 1))
    if code == 0x09:
        return PeripheralId(
            _ascii(chunk[1:4]), _ascii(chunk[4:16]), _ascii(chunk[16:28]), _word(chunk, 28)
        )
    return Malfunction(chunk[1])  # 0x0A, the only code left in _LENGTHS


def decode_responses(data: bytes) -> tuple[Response, ...]:
    """Split a reader's data block into its replies (unknown or truncated ones end the block)."""
    out: list[Response] = []
    pos = 0
    while pos < len(data):
        code = data[pos]
        length = _LENGTHS.get(code)
        if length is None or pos + length > len(data):
            out.append(UnknownResponse(code, len(data) - pos))
            break
        out.append(_decode_one(data[pos : pos + length]))
        pos += length
    return tuple(out)
