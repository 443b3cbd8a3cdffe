"""The payment terminal's messages: one frozen dataclass per request, reply and event.

A message body is a two-letter ASCII type followed by its fields, each preceded by FS (0x1C):
``PY<FS>pay-1<FS>1250<FS>EUR<FS>7<FS>30000``. :func:`encode` and :func:`decode` convert
between bodies and dataclasses; every field is printable ASCII without FS. Field meanings and
the request -> reply pairs are listed in docs/hardware/terminal.md.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self, TypeVar, get_args

from hardware.terminal.errors import TerminalMessageError

FS = "\x1c"
_CURRENCY = re.compile(r"[A-Z]{3}")
_LAST4 = re.compile(r"[0-9]{4}")
_CODE = re.compile(r"[A-Za-z_]{1,24}")
E = TypeVar("E", bound=enum.Enum)


class TerminalStatus(enum.Enum):
    IDLE = "IDLE"
    WAITING_CARD = "WAITING_CARD"
    PROCESSING = "PROCESSING"


class VendCode(enum.Enum):
    SUCCESS = "S"
    FAILURE = "F"


def text(value: str, name: str, *, max_len: int, empty: bool = False) -> str:
    """Validate one field: printable ASCII, no FS, at most ``max_len`` characters."""
    if not value and not empty:
        raise TerminalMessageError(f"{name} is empty")
    if len(value) > max_len:
        raise TerminalMessageError(f"{name} longer than {max_len} characters")
    if any(not 0x20 <= ord(ch) <= 0x7E for ch in value):
        raise TerminalMessageError(f"{name} holds a character that is not printable ASCII")
    return value


def shown(value: str) -> str:
    """``value`` quoted when it is a short code; else only its length (it may be card data)."""
    return repr(value) if _CODE.fullmatch(value) else f"<{len(value)} characters>"


def number(value: str, name: str, *, digits: int = 12) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > digits:
        raise TerminalMessageError(f"{name} is not a number of at most {digits} digits")
    return int(value)


def _enum_value(kind: type[E], value: str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise TerminalMessageError(f"unknown {name} {shown(value)}") from None


def _arity(fields: Sequence[str], count: int, kind: str) -> None:
    if len(fields) != count:
        raise TerminalMessageError(f"{kind} needs {count} fields, got {len(fields)}")


# -- shapes shared by several messages -------------------------------------------------------
@dataclass(frozen=True)
class _NoFields:
    TYPE: ClassVar[str]

    def fields(self) -> tuple[str, ...]:
        return ()

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> Self:
        _arity(fields, 0, cls.TYPE)
        return cls()


@dataclass(frozen=True)
class _PaymentIdOnly:
    TYPE: ClassVar[str]
    payment_id: str

    def fields(self) -> tuple[str, ...]:
        return (text(self.payment_id, "payment id", max_len=32),)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> Self:
        _arity(fields, 1, cls.TYPE)
        return cls(text(fields[0], "payment id", max_len=32))


# -- requests (kiosk -> terminal) ----------------------------------------------------------
@dataclass(frozen=True)
class Identify(_NoFields):
    TYPE: ClassVar[str] = "ID"


@dataclass(frozen=True)
class GetStatus(_NoFields):
    TYPE: ClassVar[str] = "ST"


@dataclass(frozen=True, kw_only=True)
class StartPayment:
    TYPE: ClassVar[str] = "PY"
    payment_id: str
    amount_minor: int
    currency: str
    item_number: int
    timeout_ms: int  # how long the terminal waits for the shopper's card

    def fields(self) -> tuple[str, ...]:
        return (
            text(self.payment_id, "payment id", max_len=32),
            str(self.amount_minor),
            self.currency,
            str(self.item_number),
            str(self.timeout_ms),
        )

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> StartPayment:
        _arity(fields, 5, cls.TYPE)
        if not _CURRENCY.fullmatch(fields[2]):
            raise TerminalMessageError("currency is not three capital letters")
        return cls(
            payment_id=text(fields[0], "payment id", max_len=32),
            amount_minor=number(fields[1], "amount"),
            currency=fields[2],
            item_number=number(fields[3], "item", digits=6),
            timeout_ms=number(fields[4], "timeout", digits=7),
        )


@dataclass(frozen=True)
class CancelPayment(_PaymentIdOnly):
    TYPE: ClassVar[str] = "CN"


@dataclass(frozen=True)
class ReportVend:
    TYPE: ClassVar[str] = "VR"
    payment_id: str
    result: VendCode

    def fields(self) -> tuple[str, ...]:
        return (text(self.payment_id, "payment id", max_len=32), self.result.value)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> ReportVend:
        _arity(fields, 2, cls.TYPE)
        return cls(
            text(fields[0], "payment id", max_len=32), _enum_value(VendCode, fields[1], "vend")
        )


# -- replies (terminal -> kiosk, one per request) ------------------------------------------
@dataclass(frozen=True, kw_only=True)
class IdentityReport:
    TYPE: ClassVar[str] = "IR"
    manufacturer: str
    model: str
    serial: str
    firmware: str

    def fields(self) -> tuple[str, ...]:
        return (self.manufacturer, self.model, self.serial, self.firmware)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> IdentityReport:
        _arity(fields, 4, cls.TYPE)
        names = ("manufacturer", "model", "serial", "firmware")
        values = {n: text(v, n, max_len=40) for v, n in zip(fields, names, strict=True)}
        return cls(**values)


@dataclass(frozen=True)
class StatusReport:
    TYPE: ClassVar[str] = "SR"
    status: TerminalStatus
    payment_id: str  # empty when idle

    def fields(self) -> tuple[str, ...]:
        return (self.status.value, self.payment_id)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> StatusReport:
        _arity(fields, 2, cls.TYPE)
        status = _enum_value(TerminalStatus, fields[0], "status")
        return cls(status, text(fields[1], "payment id", max_len=32, empty=True))


@dataclass(frozen=True)
class PaymentAccepted(_PaymentIdOnly):
    TYPE: ClassVar[str] = "PA"


@dataclass(frozen=True)
class CancelAccepted:
    TYPE: ClassVar[str] = "CA"
    payment_id: str
    cancelled: bool  # False: nothing of that id was cancellable any more

    def fields(self) -> tuple[str, ...]:
        return (self.payment_id, "1" if self.cancelled else "0")

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> CancelAccepted:
        _arity(fields, 2, cls.TYPE)
        if fields[1] not in ("0", "1"):
            raise TerminalMessageError("cancelled flag is not 0 or 1")
        return cls(text(fields[0], "payment id", max_len=32), fields[1] == "1")


@dataclass(frozen=True)
class VendAcknowledged(_PaymentIdOnly):
    TYPE: ClassVar[str] = "VA"


@dataclass(frozen=True, kw_only=True)
class RequestRefused:
    """The terminal's answer to any request it will not carry out."""

    TYPE: ClassVar[str] = "NK"
    request_type: str
    code: str  # BUSY, UNKNOWN_PAYMENT, BAD_REQUEST, ...
    detail: str

    def fields(self) -> tuple[str, ...]:
        return (self.request_type, self.code, self.detail)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> RequestRefused:
        _arity(fields, 3, cls.TYPE)
        return cls(
            request_type=text(fields[0], "request type", max_len=2),
            code=text(fields[1], "code", max_len=24),
            detail=text(fields[2], "detail", max_len=80, empty=True),
        )


# -- events (terminal -> kiosk, unsolicited) -----------------------------------------------
@dataclass(frozen=True)
class CardWasPresented(_PaymentIdOnly):
    """The shopper presented a card; the terminal is reading / tokenizing it."""

    TYPE: ClassVar[str] = "EP"


@dataclass(frozen=True, kw_only=True)
class TokenWasIssued:
    TYPE: ClassVar[str] = "ET"
    payment_id: str
    token: str
    brand: str
    last4: str
    reference: str  # the terminal's own transaction reference (may be empty)

    def fields(self) -> tuple[str, ...]:
        return (self.payment_id, self.token, self.brand, self.last4, self.reference)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> TokenWasIssued:
        _arity(fields, 5, cls.TYPE)
        if not _LAST4.fullmatch(fields[3]):
            raise TerminalMessageError("last4 is not four digits")
        return cls(
            payment_id=text(fields[0], "payment id", max_len=32),
            token=text(fields[1], "token", max_len=128),
            brand=text(fields[2], "brand", max_len=20),
            last4=fields[3],
            reference=text(fields[4], "reference", max_len=40, empty=True),
        )


@dataclass(frozen=True)
class PaymentWasDeclined:
    """Declined at the reader: card removed too early, unsupported card, read error..."""

    TYPE: ClassVar[str] = "ED"
    payment_id: str
    reason: str

    def fields(self) -> tuple[str, ...]:
        return (self.payment_id, self.reason)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> PaymentWasDeclined:
        _arity(fields, 2, cls.TYPE)
        return cls(text(fields[0], "payment id", max_len=32), text(fields[1], "reason", max_len=40))


@dataclass(frozen=True)
class PaymentDidTimeOut(_PaymentIdOnly):
    """The shopper presented no card within the payment's timeout."""

    TYPE: ClassVar[str] = "EO"


@dataclass(frozen=True)
class PaymentWasCancelled(_PaymentIdOnly):
    TYPE: ClassVar[str] = "EC"


@dataclass(frozen=True, kw_only=True)
class TerminalDidFail:
    """A terminal-side error; ``payment_id`` is empty when no payment was concerned."""

    TYPE: ClassVar[str] = "EE"
    payment_id: str
    code: str
    detail: str

    def fields(self) -> tuple[str, ...]:
        return (self.payment_id, self.code, self.detail)

    @classmethod
    def from_fields(cls, fields: Sequence[str]) -> TerminalDidFail:
        _arity(fields, 3, cls.TYPE)
        return cls(
            payment_id=text(fields[0], "payment id", max_len=32, empty=True),
            code=text(fields[1], "code", max_len=24),
            detail=text(fields[2], "detail", max_len=80, empty=True),
        )


@dataclass(frozen=True)
class TerminalDidBoot(_NoFields):
    """The terminal (re)started; whatever payment it held is gone."""

    TYPE: ClassVar[str] = "EB"


Request = Identify | GetStatus | StartPayment | CancelPayment | ReportVend
Reply = (
    IdentityReport
    | StatusReport
    | PaymentAccepted
    | CancelAccepted
    | VendAcknowledged
    | RequestRefused
)
Event = (
    CardWasPresented
    | TokenWasIssued
    | PaymentWasDeclined
    | PaymentDidTimeOut
    | PaymentWasCancelled
    | TerminalDidFail
    | TerminalDidBoot
)
Message = Request | Reply | Event

REQUEST_TYPES: tuple[type[Request], ...] = get_args(Request)
REPLY_TYPES: tuple[type[Reply], ...] = get_args(Reply)
EVENT_TYPES: tuple[type[Event], ...] = get_args(Event)
# The reply each request expects (any request may also be answered by RequestRefused).
EXPECTED_REPLY: dict[type[Request], type[Reply]] = {
    Identify: IdentityReport,
    GetStatus: StatusReport,
    StartPayment: PaymentAccepted,
    CancelPayment: CancelAccepted,
    ReportVend: VendAcknowledged,
}
_DECODERS: dict[str, Callable[[Sequence[str]], Message]] = {
    kind.TYPE: kind.from_fields for kind in (*REQUEST_TYPES, *REPLY_TYPES, *EVENT_TYPES)
}


def encode(message: Message) -> bytes:
    """The frame body of ``message``; raises TerminalMessageError for unsendable fields."""
    fields = message.fields()
    for value in fields:
        text(value, "field", max_len=200, empty=True)
    return FS.join((message.TYPE, *fields)).encode("ascii")


def decode(payload: bytes) -> Message:
    """The message in a frame body; raises TerminalMessageError (never with card data)."""
    parts = payload.decode("latin-1").split(FS)
    decoder = _DECODERS.get(parts[0])
    if decoder is None:
        raise TerminalMessageError(f"unknown message type {shown(parts[0])}")
    return decoder(parts[1:])
