"""The card-reader interface the kiosk pays through, shared by every reader driver.

Two real drivers implement it: ``hardware.mdb`` (MDB/ICP cashless, the reader authorizes the
vend itself) and ``hardware.terminal`` (a tokenizing terminal: it returns a payment token, the
card brand and last 4 digits, and the middleware authorizes the token with the gateway).
Neither ever hands the kiosk a card number.

Events are frozen dataclasses delivered to listeners added with ``add_listener``; while a
payment runs, :class:`PaymentDidProgress` tells the screen how far it got (as far as the
reader's protocol knows: see :class:`PaymentStage`).
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable
from dataclasses import dataclass

from hardware.common.state import DeviceState


class AuthorizationMode(enum.Enum):
    READER = "reader"  # the reader approves the vend (MDB cashless)
    GATEWAY = "gateway"  # the reader returns a token; the middleware authorizes it


class PaymentOutcome(enum.Enum):
    APPROVED = "approved"  # READER: money approved; GATEWAY: token obtained, not yet authorized
    DECLINED = "declined"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    FAILED = "failed"  # reader fault during the payment


class PaymentStage(enum.Enum):
    """How far a payment got, in this order; a driver emits only the stages its protocol
    reports (MDB: WAITING_FOR_CARD, CARD_PRESENTED; terminal: all three), each at most once."""

    WAITING_FOR_CARD = "waiting_for_card"  # the reader accepted the payment, asks for a card
    CARD_PRESENTED = "card_presented"  # a card was presented (MDB: BEGIN SESSION)
    PROCESSING = "processing"  # the reader is reading / authorizing / tokenizing


class VendOutcome(enum.Enum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True)
class ReaderIdentity:
    manufacturer: str
    model: str
    serial: str
    firmware: str


@dataclass(frozen=True)
class PaymentRequest:
    payment_id: str  # the kiosk's id for this payment (ASCII, at most 32 characters)
    amount_minor: int  # integer minor units (cents)
    currency: str  # ISO 4217, e.g. "EUR"
    item_number: int  # the selection number reported to the reader


@dataclass(frozen=True)
class PaymentResult:
    payment_id: str
    outcome: PaymentOutcome
    amount_minor: int  # READER: amount actually approved; GATEWAY: amount requested
    token: str | None = None  # GATEWAY only
    card_brand: str | None = None
    last4: str | None = None
    reader_reference: str | None = None  # reader's own transaction reference, if any
    reason: str | None = None  # decline or failure reason, never card data


@dataclass(frozen=True)
class VendReportResult:
    payment_id: str
    acknowledged: bool  # the reader confirmed the vend report
    refunded: bool | None = None  # after a FAILURE: did the reader refund (None: unknown)
    # READER mode: the reader was reset between approval and this report, and MDB counts such
    # a vend as a SUCCESS (money kept); after a FAILURE the kiosk must refund another way.
    reader_counted_success: bool = False


@dataclass(frozen=True)
class ReaderStateDidChange:
    old: DeviceState
    new: DeviceState


@dataclass(frozen=True)
class ReaderIdentityDidChange:
    """The reader reports another identity than before: possible tampering."""

    old: ReaderIdentity | None
    new: ReaderIdentity


@dataclass(frozen=True)
class ReaderDidReset:
    """The reader reset. During an approved, unreported vend, MDB counts this as a SUCCESS."""

    payment_id_in_flight: str | None


@dataclass(frozen=True)
class ReaderFaultDidOccur:
    code: str
    detail: str  # never card data


@dataclass(frozen=True)
class PaymentDidProgress:
    """The payment in progress reached ``stage`` (stages only move forward)."""

    payment_id: str
    stage: PaymentStage


ReaderEvent = (
    ReaderStateDidChange
    | ReaderIdentityDidChange
    | ReaderDidReset
    | ReaderFaultDidOccur
    | PaymentDidProgress
)
ReaderListener = Callable[[ReaderEvent], None]


class CardReader(abc.ABC):
    """A card reader the kiosk can take one payment at a time through."""

    mode: AuthorizationMode

    @property
    @abc.abstractmethod
    def state(self) -> DeviceState: ...

    @property
    @abc.abstractmethod
    def identity(self) -> ReaderIdentity | None: ...

    @abc.abstractmethod
    def add_listener(self, listener: ReaderListener) -> None: ...

    @abc.abstractmethod
    async def start(self) -> None:
        """Open the port, initialise and enable the reader; keeps reconnecting until closed."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def request_payment(self, request: PaymentRequest, *, timeout: float) -> PaymentResult:
        """Ask the shopper to present a card and wait for the reader's answer.

        The outcome of a payment the reader took part in is returned (APPROVED, DECLINED,
        CANCELLED, TIMED_OUT, or FAILED for a reader fault during it); progress is reported
        with :class:`PaymentDidProgress` events. A payment that cannot start raises instead:

        * ``DeviceUnavailableError`` when the reader is closed, not started, UNAVAILABLE or
          FAULT (a reader still initialising or closing the previous session may be waited
          for, within ``timeout``, before this is raised);
        * a ``DeviceOperationError`` subclass (``MdbBusyError``, ``TerminalBusyError``) when
          another payment is in progress: one payment at a time per reader (MDB also refuses
          until the approved vend was reported, since the reader holds one session).

        Drivers may refuse a request the protocol cannot carry (bad amount, currency, id):
        MDB returns FAILED with a reason, the terminal raises ``InvalidPaymentRequestError``.
        """

    @abc.abstractmethod
    async def cancel_payment(self) -> None:
        """Cancel the payment in progress (before approval); no-op when none is."""

    @abc.abstractmethod
    async def report_vend(self, payment_id: str, outcome: VendOutcome) -> VendReportResult:
        """Tell the reader whether the product was delivered, and end the session."""
