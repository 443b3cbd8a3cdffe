"""The VMC side of one cashless reader's vend cycle, as a state machine without I/O.

Selection-first ("always idle") cycle::

    IDLE --VEND REQUEST--> REQUESTED --VEND APPROVED--> APPROVED --VEND SUCCESS/FAILURE-->
    SETTLING (after FAILURE: a few polls for a refund error) --SESSION COMPLETE--> CLOSING
    --END SESSION--> IDLE;            REQUESTED --VEND DENIED--> SETTLING

:class:`VendSession` says which command to send next (:meth:`VendSession.next_command`, None
means POLL), digests the reader's replies (:meth:`VendSession.on_responses`) and raises
:class:`ResetRequired` / :class:`ReaderWasReset` when the reader must be (or was) reset.
:meth:`VendSession.after_reset` applies MDB's rule that a reset between VEND APPROVED and the
vend report counts as VEND SUCCESS: it reports the payment in flight in ``ReaderDidReset``.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hardware.cardreader import (
    PaymentDidProgress,
    PaymentOutcome,
    PaymentRequest,
    PaymentResult,
    PaymentStage,
    ReaderDidReset,
    ReaderEvent,
    ReaderFaultDidOccur,
    VendOutcome,
    VendReportResult,
)
from hardware.common.pan import redact
from hardware.mdb.conversions import from_scaled
from hardware.mdb.errors import MdbError
from hardware.mdb.messages import (
    REFUND_ERROR_CLASS,
    BeginSession,
    Command,
    DisplayRequest,
    EndSession,
    JustReset,
    Malfunction,
    OutOfSequence,
    ReaderConfig,
    Response,
    SessionCancelRequest,
    SessionComplete,
    VendApproved,
    VendCancel,
    VendDenied,
    VendFailure,
    VendRequest,
    VendSuccess,
)


class ResetRequired(MdbError):
    """The driver must reset the reader (out of sequence, no END SESSION, no cancel answer)."""


class ReaderWasReset(MdbError):
    """The reader reported JUST RESET outside initialisation."""


class Phase(enum.Enum):
    IDLE = "idle"
    REQUESTED = "requested"
    APPROVED = "approved"
    SETTLING = "settling"
    CLOSING = "closing"


@dataclass
class PendingPayment:
    request: PaymentRequest
    price: int  # scaled MDB value
    exponent: int  # minor-unit exponent of the currency
    deadline: float
    future: asyncio.Future[PaymentResult]
    sent: bool = False
    cancel_requested: bool = False
    cancel_sent: bool = False
    cancel_deadline: float = 0.0
    stage: PaymentStage | None = None  # the last PaymentDidProgress stage announced


@dataclass
class PendingReport:
    payment_id: str
    item: int
    outcome: VendOutcome
    future: asyncio.Future[VendReportResult] | None  # None: the driver's own refund
    sent: bool = False
    acked: bool = False
    refund_error: bool = False

    def result(self, *, counted_success: bool = False) -> VendReportResult:
        refunded: bool | None = None
        if self.outcome is VendOutcome.FAILURE:
            # not acknowledged: the reader counts the vend as a success (reset rule)
            refunded = not self.refund_error if self.acked else False
        return VendReportResult(
            self.payment_id,
            acknowledged=self.acked,
            refunded=refunded,
            reader_counted_success=counted_success and not self.acked,
        )


class VendSession:
    """One reader's vend cycle; the device loop asks it what to send and feeds it replies."""

    def __init__(
        self,
        *,
        emit: Callable[[ReaderEvent], None],
        logger: logging.Logger,
        non_response_time: float,
        end_session_timeout: float,
        refund_polls: int = 3,
    ) -> None:
        self._emit = emit
        self._log = logger
        self._nrt = non_response_time
        self._end_timeout = end_session_timeout
        self._refund_polls = refund_polls
        self.config = ReaderConfig()
        self.phase = Phase.IDLE
        self.payment: PendingPayment | None = None
        self.report: PendingReport | None = None
        self.in_flight: PaymentRequest | None = None  # approved, not yet reported and ACKed
        self._settle_polls = 0
        self._end_deadline = 0.0
        self._reset_counted: deque[str] = deque(maxlen=256)
        self._waiting_for_card = False

    @property
    def idle(self) -> bool:
        return self.phase is Phase.IDLE and self.payment is None and self.report is None

    @property
    def free(self) -> bool:
        """No payment, vend report or unreported approved vend on this reader."""
        return self.payment is None and self.report is None and self.in_flight is None

    def was_reset_counted(self, payment_id: str) -> bool:
        return payment_id in self._reset_counted

    # -- what to send ----------------------------------------------------------------------
    def next_command(self, now: float) -> Command | None:
        """The next command to send (state already advanced), or None to POLL."""
        p, r = self.payment, self.report
        if p is not None and not p.sent and self.phase is Phase.IDLE:
            p.sent = True
            self.phase = Phase.REQUESTED
            return VendRequest(p.price, p.request.item_number)
        if (
            p is not None
            and self.phase is Phase.REQUESTED
            and not p.cancel_sent
            and (p.cancel_requested or now >= p.deadline)
        ):
            p.cancel_sent = True
            p.cancel_deadline = now + self._nrt
            return VendCancel()
        if r is not None and not r.sent and self.phase is Phase.APPROVED:
            r.sent = True
            return VendSuccess(r.item) if r.outcome is VendOutcome.SUCCESS else VendFailure()
        if self.phase is Phase.SETTLING and self._settle_polls <= 0:
            self.phase = Phase.CLOSING
            self._end_deadline = now + self._end_timeout
            return SessionComplete()
        return None

    def command_done(self, command: Command) -> None:
        """``command`` was accepted by the reader (ACK or data)."""
        if isinstance(command, VendRequest) and self.payment is not None:
            self._waiting_for_card = True  # announced once its replies raised nothing
        if isinstance(command, VendSuccess | VendFailure) and self.report is not None:
            self.report.acked = True
            self.in_flight = None
            self.phase = Phase.SETTLING
            self._settle_polls = 0 if isinstance(command, VendSuccess) else self._refund_polls

    def after_poll(self, now: float) -> None:
        """Count settling polls and enforce the reader's deadlines."""
        if self.phase is Phase.SETTLING:
            self._settle_polls -= 1
        p = self.payment
        if p is not None and p.cancel_sent and now > p.cancel_deadline:
            raise ResetRequired("the reader did not answer VEND CANCEL")
        if self.phase is Phase.CLOSING and now > self._end_deadline:
            raise ResetRequired("the reader sent no END SESSION")

    # -- replies ---------------------------------------------------------------------------
    def on_responses(self, responses: tuple[Response, ...], now: float) -> None:
        waiting, self._waiting_for_card = self._waiting_for_card, False
        if waiting and not any(isinstance(r, JustReset | OutOfSequence) for r in responses):
            self._progress(PaymentStage.WAITING_FOR_CARD)
        for response in responses:
            self._on_response(response, now)

    def _progress(self, stage: PaymentStage) -> None:
        """Announce that the payment in progress reached ``stage`` (forward only, once)."""
        p = self.payment
        if p is None or self.phase is not Phase.REQUESTED or p.cancel_sent:
            return
        order = list(PaymentStage)
        if p.stage is not None and order.index(stage) <= order.index(p.stage):
            return
        p.stage = stage
        self._emit(PaymentDidProgress(p.request.payment_id, stage))

    def _on_response(self, response: Response, now: float) -> None:
        match response:
            case JustReset():
                raise ReaderWasReset("the reader reset itself")
            case OutOfSequence():
                self._fault("out_of_sequence", "the reader reported command out of sequence")
                raise ResetRequired("command out of sequence")
            case VendApproved(amount):
                self._on_approved(amount, now)
            case VendDenied():
                self._on_denied()
            case EndSession():
                self._on_end_session()
            case SessionCancelRequest():
                self._on_session_cancel()
            case Malfunction(code):
                self.on_malfunction(code)
            case DisplayRequest():
                self.on_display(response)
            case BeginSession(funds):
                self._log.debug("reader began a session (funds %d)", funds)
                self._progress(PaymentStage.CARD_PRESENTED)
            case _:
                self._log.debug("reader reply ignored: %s", response)

    def _fault(self, code: str, detail: str) -> None:
        self._emit(ReaderFaultDidOccur(code=code, detail=detail))

    def on_malfunction(self, code: int) -> None:
        self._log.warning("reader malfunction %02XH", code)
        if code >> 4 == REFUND_ERROR_CLASS and self.report is not None:
            self.report.refund_error = True
        self._fault("malfunction", f"reader error code {code:02X}H")

    def on_display(self, display: DisplayRequest) -> None:
        if display.card_data:
            # display.text is already redacted by messages.decode_responses
            self._log.warning("dropped a DISPLAY REQUEST with card data: %r", redact(display.text))
            self._fault("card_data", "a DISPLAY REQUEST held card-number-shaped text; dropped")
        else:
            self._log.info("reader display: %s", redact(display.text))

    def _resolve_payment(self, outcome: PaymentOutcome, amount: int, reason: str | None) -> None:
        p = self.payment
        self.payment = None
        if p is not None and not p.future.done():
            p.future.set_result(
                PaymentResult(p.request.payment_id, outcome, amount_minor=amount, reason=reason)
            )

    def _on_approved(self, amount: int, now: float) -> None:
        p = self.payment
        if self.phase is not Phase.REQUESTED or p is None:
            self._log.warning("VEND APPROVED without a vend request: reporting VEND FAILURE")
            self.report = PendingReport("", 0, VendOutcome.FAILURE, None)
            self.phase = Phase.APPROVED
            return
        self.phase = Phase.APPROVED
        self.in_flight = p.request
        if p.cancel_requested or p.cancel_sent or now >= p.deadline:
            outcome = PaymentOutcome.CANCELLED if p.cancel_requested else PaymentOutcome.TIMED_OUT
            self._log.warning("approved after cancel: reporting VEND FAILURE for a refund")
            item = p.request.item_number
            self.report = PendingReport(p.request.payment_id, item, VendOutcome.FAILURE, None)
            self._resolve_payment(outcome, 0, "approved after cancel; refund requested")
            return
        minor = from_scaled(amount, self.config, p.exponent)
        self._resolve_payment(PaymentOutcome.APPROVED, minor, None)

    def _on_denied(self) -> None:
        p = self.payment
        if self.phase is Phase.REQUESTED and p is not None:
            if p.cancel_requested:
                self._resolve_payment(PaymentOutcome.CANCELLED, 0, "cancelled")
            elif p.cancel_sent:
                self._resolve_payment(PaymentOutcome.TIMED_OUT, 0, "no card presented in time")
            else:
                self._resolve_payment(PaymentOutcome.DECLINED, 0, "denied by the reader")
        if self.phase is not Phase.CLOSING:
            self.phase = Phase.SETTLING
            self._settle_polls = 0

    def _on_session_cancel(self) -> None:
        if self.phase is Phase.REQUESTED:
            self._resolve_payment(PaymentOutcome.CANCELLED, 0, "the reader cancelled the session")
        if self.phase in (Phase.IDLE, Phase.REQUESTED):
            self.phase = Phase.SETTLING
            self._settle_polls = 0

    def _on_end_session(self) -> None:
        if self.phase is Phase.APPROVED:
            self._log.warning("END SESSION before the vend was reported; ignored")
            return
        if self.phase is Phase.REQUESTED:
            self._resolve_payment(PaymentOutcome.CANCELLED, 0, "the reader ended the session")
        self._finish_report()
        self.phase = Phase.IDLE

    def _finish_report(self) -> None:
        r = self.report
        self.report = None
        if r is not None and r.future is not None and not r.future.done():
            r.future.set_result(r.result(counted_success=self.was_reset_counted(r.payment_id)))

    # -- resets and outages ----------------------------------------------------------------
    def abort(self, reason: str) -> None:
        """Resolve whatever is pending (the reader is gone or being reset)."""
        self._resolve_payment(PaymentOutcome.FAILED, 0, reason)
        self._finish_report()
        self.phase = Phase.IDLE

    def after_reset(self, *, announce: bool) -> None:
        """The reader was reset: a vend in flight now counts as a SUCCESS."""
        in_flight = self.in_flight
        self.in_flight = None
        if in_flight is not None:
            self._reset_counted.append(in_flight.payment_id)
            self._log.warning(
                "reader reset with vend %s approved and unreported: MDB counts it as a success",
                in_flight.payment_id,
            )
        self.abort("the reader was reset")
        if announce:
            pid = None if in_flight is None else in_flight.payment_id
            self._emit(ReaderDidReset(payment_id_in_flight=pid))
