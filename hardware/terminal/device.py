"""The tokenizing payment terminal as a ``hardware.cardreader.CardReader`` (GATEWAY mode).

:class:`SerialTerminalReader` keeps a supervisor task that opens the port, identifies the
terminal, polls its status and, when the link is lost or hangs, goes UNAVAILABLE and reconnects
with backoff. ``request_payment`` starts a payment on the terminal and waits for its token
(APPROVED), a decline, a timeout, a cancellation or a fault (FAILED). In GATEWAY mode nothing is
charged until the middleware authorizes the token, so FAILED is always safe for the shopper.

:func:`open_terminal` picks the port by URL (device path, ``socket://``, ``sim://?fault=...``)
and returns a started reader.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

from hardware.cardreader import (
    AuthorizationMode,
    CardReader,
    PaymentOutcome,
    PaymentRequest,
    PaymentResult,
    PaymentStage,
    ReaderEvent,
    ReaderIdentity,
    ReaderListener,
    ReaderStateDidChange,
    VendOutcome,
    VendReportResult,
)
from hardware.common.pan import contains_card_data, redact
from hardware.common.state import DeviceState, DeviceStateHolder
from hardware.common.transport import TraceHook
from hardware.terminal.errors import (
    InvalidPaymentRequestError,
    TerminalBusyError,
    TerminalError,
    TerminalMessageError,
    TerminalUnavailableError,
)
from hardware.terminal.messages import (
    CancelAccepted,
    CancelPayment,
    PaymentAccepted,
    ReportVend,
    RequestRefused,
    StartPayment,
    VendAcknowledged,
    VendCode,
)
from hardware.terminal.protocol import MessageTrace
from hardware.terminal.session import Attempt, TerminalSession, TerminalTimings
from hardware.terminal.simulator import create_simulator_from_query

__all__ = ["SerialTerminalReader", "TerminalTimings", "open_terminal"]

log = logging.getLogger(__name__)
Closer = Callable[[], Awaitable[None]]


def _validate(request: PaymentRequest) -> None:
    if contains_card_data(request.payment_id):
        raise InvalidPaymentRequestError("payment id is shaped like card data")
    try:
        StartPayment(
            payment_id=request.payment_id,
            amount_minor=1,
            currency=request.currency,
            item_number=0,
            timeout_ms=0,
        ).fields()
    except TerminalMessageError as exc:
        raise InvalidPaymentRequestError(str(exc)) from None
    if not (len(request.currency) == 3 and request.currency.isascii()):
        raise InvalidPaymentRequestError("currency must be a three-letter ISO 4217 code")
    if not request.currency.isupper() or not request.currency.isalpha():
        raise InvalidPaymentRequestError("currency must be a three-letter ISO 4217 code")
    if not 0 < request.amount_minor < 10**12:
        raise InvalidPaymentRequestError("amount must be between 1 and 10^12 - 1 minor units")
    if not 0 <= request.item_number < 10**6:
        raise InvalidPaymentRequestError("item number must be between 0 and 999999")


class SerialTerminalReader(CardReader):
    """A tokenizing terminal on a serial port, pty or ``socket://`` URL."""

    mode = AuthorizationMode.GATEWAY

    def __init__(
        self,
        url: str,
        *,
        timings: TerminalTimings | None = None,
        trace_bytes: TraceHook | None = None,
        trace_message: MessageTrace | None = None,
        on_close: Closer | None = None,
    ) -> None:
        self._timings = timings or TerminalTimings()
        self._listeners: list[ReaderListener] = []
        self._state = DeviceStateHolder("payment terminal", log)
        self._state.add_listener(self._on_state)
        self._session = TerminalSession(
            url,
            timings=self._timings,
            state=self._state,
            emit=self._emit,
            trace_bytes=trace_bytes,
            trace_message=trace_message,
        )
        self._on_close = on_close
        self._busy = False

    # -- CardReader surface ------------------------------------------------------------------
    @property
    def state(self) -> DeviceState:
        return self._state.state

    @property
    def identity(self) -> ReaderIdentity | None:
        return self._session.identity

    def add_listener(self, listener: ReaderListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        await self._session.start()

    async def close(self) -> None:
        await self._session.close()
        self._state.set(DeviceState.CLOSED)
        if self._on_close is not None:
            closer, self._on_close = self._on_close, None
            await closer()

    async def request_payment(self, request: PaymentRequest, *, timeout: float) -> PaymentResult:
        _validate(request)
        if self._busy:
            raise TerminalBusyError("a payment is already in progress")
        if self._state.state is not DeviceState.READY:
            raise TerminalUnavailableError(f"terminal is {self._state.state.value}")
        self._busy = True
        attempt = Attempt(request=request, result=asyncio.get_running_loop().create_future())
        self._session.attempt = attempt
        self._state.set(DeviceState.BUSY)
        try:
            return await self._pay(attempt, timeout)
        finally:
            self._busy = False
            self._session.attempt = None
            if self._state.state in (DeviceState.BUSY,):
                failure = self._session.failure
                if failure is None:
                    self._state.set(DeviceState.READY)
                else:
                    self._state.set(DeviceState.UNAVAILABLE, failure)

    async def cancel_payment(self) -> None:
        attempt = self._session.attempt
        if attempt is None or attempt.result.done():
            return
        attempt.cancel_requested = True
        if attempt.accepted:
            await self._send_cancel(attempt)

    async def report_vend(self, payment_id: str, outcome: VendOutcome) -> VendReportResult:
        code = VendCode.SUCCESS if outcome is VendOutcome.SUCCESS else VendCode.FAILURE
        if contains_card_data(payment_id):
            log.error("vend report refused: the payment id is shaped like card data")
            return VendReportResult(redact(payment_id), acknowledged=False)
        try:
            reply = await self._session.request(ReportVend(payment_id, code))
        except TerminalError as exc:
            log.warning("vend report for %s not delivered: %s", payment_id, exc)
            return VendReportResult(payment_id, acknowledged=False)
        if isinstance(reply, VendAcknowledged) and reply.payment_id == payment_id:
            if self._session.unreported == payment_id:
                self._session.unreported = None
            return VendReportResult(payment_id, acknowledged=True)
        log.warning("terminal did not acknowledge the vend report for %s: %r", payment_id, reply)
        return VendReportResult(payment_id, acknowledged=False)

    # -- payments ----------------------------------------------------------------------------
    async def _pay(self, attempt: Attempt, timeout: float) -> PaymentResult:
        req = attempt.request
        loop = asyncio.get_running_loop()
        start = StartPayment(
            payment_id=req.payment_id,
            amount_minor=req.amount_minor,
            currency=req.currency,
            item_number=req.item_number,
            timeout_ms=max(1, math.ceil(timeout * 1000)),
        )
        try:
            reply = await self._session.request(start)
        except TerminalError as exc:
            attempt.fail(f"terminal did not take the payment: {exc}")
            return attempt.result.result()
        if isinstance(reply, RequestRefused):
            attempt.fail(f"terminal refused the payment: {reply.code}")
        elif not isinstance(reply, PaymentAccepted) or reply.payment_id != req.payment_id:
            attempt.fail("terminal accepted another payment")
        if attempt.result.done():
            return attempt.result.result()
        attempt.accepted = True
        attempt.deadline = loop.time() + timeout + self._timings.payment_grace
        self._session.progress(attempt, PaymentStage.WAITING_FOR_CARD)
        if attempt.cancel_requested:
            await self._send_cancel(attempt)
        while not attempt.result.done():
            remaining = attempt.deadline - loop.time()
            if remaining <= 0:
                await self._give_up(attempt)
                break
            try:
                async with asyncio.timeout(remaining):
                    await asyncio.shield(attempt.result)
            except TimeoutError:
                continue  # the deadline may have moved (card presented): look again
        return attempt.result.result()

    async def _send_cancel(self, attempt: Attempt) -> None:
        try:
            reply = await self._session.request(CancelPayment(attempt.request.payment_id))
        except TerminalError as exc:
            log.warning("cancel of %s not delivered: %s", attempt.request.payment_id, exc)
            return
        if isinstance(reply, CancelAccepted) and not reply.cancelled:
            log.info("terminal had nothing left to cancel for %s", attempt.request.payment_id)

    async def _give_up(self, attempt: Attempt) -> None:
        """The terminal said nothing in time: cancel it and wait briefly for its last word."""
        log.warning("no answer for payment %s in time: cancelling", attempt.request.payment_id)
        attempt.timed_out_locally = True
        await self._send_cancel(attempt)
        try:
            async with asyncio.timeout(self._timings.reply_timeout):
                await asyncio.shield(attempt.result)
        except TimeoutError:
            attempt.settle(PaymentOutcome.TIMED_OUT, reason="terminal gave no result in time")

    # -- events ------------------------------------------------------------------------------
    def _on_state(self, old: DeviceState, new: DeviceState) -> None:
        self._emit(ReaderStateDidChange(old, new))

    def _emit(self, event: ReaderEvent) -> None:
        for listener in list(self._listeners):
            listener(event)


async def open_terminal(
    url: str,
    *,
    trace_bytes: TraceHook | None = None,
    trace_message: MessageTrace | None = None,
    timings: TerminalTimings | None = None,
) -> SerialTerminalReader:
    """Open and start the terminal at ``url``.

    ``sim://?fault=decline,nak:2&brand=MASTERCARD`` starts an in-process simulator on a pty
    (see :func:`hardware.terminal.simulator.create_simulator_from_query`) and connects the real
    driver to it; the simulator is closed with the reader.
    """
    on_close: Closer | None = None
    if url.startswith("sim:"):
        server = create_simulator_from_query(url.partition("?")[2])
        url = await server.start_pty()
        on_close = server.close
    reader = SerialTerminalReader(
        url,
        timings=timings,
        trace_bytes=trace_bytes,
        trace_message=trace_message,
        on_close=on_close,
    )
    await reader.start()
    return reader
