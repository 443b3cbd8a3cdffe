"""Connection supervision for the payment terminal, and routing of its events to the payment.

:class:`TerminalSession` runs one supervisor task: open the port, identify the terminal (a new
identity emits ``ReaderIdentityDidChange``), cancel any payment it still holds from before, go
READY, then poll its status every ``poll_interval``. Any link failure (port lost, no ACK after
the bounded retries, no reply) makes it UNAVAILABLE, ends the payment in progress FAILED and
reconnects with exponential backoff until closed. Unsolicited events settle the
:class:`Attempt` in progress; faults become ``ReaderFaultDidOccur``.
"""

from __future__ import annotations

import asyncio
import logging
import math
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
    ReaderIdentity,
    ReaderIdentityDidChange,
)
from hardware.common.errors import HardwareError
from hardware.common.state import DeviceState, DeviceStateHolder
from hardware.common.transport import TraceHook
from hardware.terminal.errors import (
    TerminalInitError,
    TerminalTimeoutError,
    TerminalUnavailableError,
)
from hardware.terminal.messages import (
    CancelPayment,
    CardWasPresented,
    GetStatus,
    Identify,
    IdentityReport,
    PaymentDidTimeOut,
    PaymentWasCancelled,
    PaymentWasDeclined,
    Reply,
    Request,
    StatusReport,
    TerminalDidBoot,
    TerminalDidFail,
    TerminalStatus,
    TokenWasIssued,
)
from hardware.terminal.protocol import (
    CARD_DATA,
    Inbound,
    MessageTrace,
    ProtocolFault,
    TerminalProtocol,
)
from hardware.terminal.timings import TerminalTimings as TerminalTimings  # re-exported
from hardware.terminal.transport import open_terminal_transport

log = logging.getLogger(__name__)


@dataclass(eq=False, kw_only=True)
class Attempt:
    """The payment in progress (mutable, owned by the reader)."""

    request: PaymentRequest
    result: asyncio.Future[PaymentResult]
    accepted: bool = False
    cancel_requested: bool = False
    timed_out_locally: bool = False
    deadline: float = math.inf
    stage: PaymentStage | None = None  # the last PaymentDidProgress stage announced

    def settle(
        self,
        outcome: PaymentOutcome,
        *,
        reason: str | None = None,
        token: TokenWasIssued | None = None,
    ) -> None:
        if self.result.done():
            return
        self.result.set_result(
            PaymentResult(
                payment_id=self.request.payment_id,
                outcome=outcome,
                amount_minor=self.request.amount_minor,
                token=token.token if token else None,
                card_brand=token.brand if token else None,
                last4=token.last4 if token else None,
                reader_reference=(token.reference or None) if token else None,
                reason=reason,
            )
        )

    def fail(self, reason: str) -> None:
        self.settle(PaymentOutcome.FAILED, reason=reason)


class TerminalSession:
    """Keeps one terminal connected and identified; see the module docstring."""

    def __init__(
        self,
        url: str,
        *,
        timings: TerminalTimings,
        state: DeviceStateHolder,
        emit: Callable[[ReaderEvent], None],
        trace_bytes: TraceHook | None,
        trace_message: MessageTrace | None,
    ) -> None:
        self._url = url
        self._t = timings
        self._state = state
        self._emit = emit
        self._trace_bytes = trace_bytes
        self._trace_message = trace_message
        self._identity: ReaderIdentity | None = None
        self._link: TerminalProtocol | None = None
        self._failure: str | None = None
        self._reidentify = False
        self._wake = asyncio.Event()
        self._first = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.attempt: Attempt | None = None
        self.unreported: str | None = None  # last APPROVED payment not yet vend-reported

    @property
    def identity(self) -> ReaderIdentity | None:
        return self._identity

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def failure(self) -> str | None:
        """Why the current link failed (the supervisor is about to reconnect), or None."""
        return self._failure if self._link is not None else "not connected"

    def progress(self, attempt: Attempt, stage: PaymentStage) -> None:
        """Announce that ``attempt`` reached ``stage`` (forward only, once, while pending)."""
        order = list(PaymentStage)
        if attempt.result.done() or attempt.cancel_requested or attempt.timed_out_locally:
            return
        if attempt.stage is not None and order.index(stage) <= order.index(attempt.stage):
            return
        attempt.stage = stage
        self._emit(PaymentDidProgress(attempt.request.payment_id, stage))

    async def start(self) -> None:
        if self._task is not None:
            return
        self._first.clear()
        self._closing = False
        self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            async with asyncio.timeout(self._t.start_wait):
                await self._first.wait()
        except TimeoutError:
            log.warning("payment terminal not connected yet; still trying")

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=1.0)
        await self._drop_link("reader closed")

    async def request(self, message: Request) -> Reply:
        """Send one request over the current link; link failures also trigger a reconnect."""
        link = self._link
        if self._failure is not None:
            raise TerminalUnavailableError(f"terminal link failed: {self._failure}")
        if link is None:
            raise TerminalUnavailableError("terminal not connected")
        try:
            return await link.request(message)
        except (TerminalTimeoutError, TerminalUnavailableError) as exc:
            if self._link is link:
                self._fail_link(str(exc))
            raise

    # -- supervision -------------------------------------------------------------------------
    async def _run(self) -> None:
        backoff = self._t.reconnect_min
        while not self._closing:
            try:
                await self._connect()
                backoff = self._t.reconnect_min
                self._first.set()
                reason = await self._serve()
            except HardwareError as exc:
                reason = str(exc)
            except Exception:  # task root: log and reconnect rather than die silently
                log.exception("terminal supervisor failed")
                reason = "internal error"
            await self._drop_link(reason)
            if self.closing:
                break
            self._state.set(DeviceState.UNAVAILABLE, reason)
            self._first.set()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._t.reconnect_max)

    async def _connect(self) -> None:
        if self._state.state is DeviceState.CLOSED:
            self._state.set(DeviceState.CONNECTING)
        transport = await open_terminal_transport(self._url, open_timeout=self._t.open_timeout)
        self._failure = None
        self._reidentify = False
        self._link = TerminalProtocol(
            transport,
            on_inbound=self._on_inbound,
            on_lost=self._fail_link,
            ack_timeout=self._t.ack_timeout,
            reply_timeout=self._t.reply_timeout,
            tries=self._t.tries,
            trace_bytes=self._trace_bytes,
            trace_message=self._trace_message,
        )
        self._link.start()
        if self._state.state is DeviceState.CONNECTING:
            self._state.set(DeviceState.INITIALIZING)
        await self._identify()
        status = await self.request(GetStatus())
        if isinstance(status, StatusReport) and status.status is not TerminalStatus.IDLE:
            log.warning(
                "terminal still holds payment %r from before: cancelling", status.payment_id
            )
            await self.request(CancelPayment(status.payment_id))
        self._state.set(DeviceState.READY)

    async def _serve(self) -> str:
        """Poll until the link fails; return why."""
        while not self._closing:
            self._wake.clear()
            if self._failure is not None:
                return self._failure
            if self._reidentify:
                self._reidentify = False
                await self._identify()
                continue
            try:
                async with asyncio.timeout(self._t.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                self._on_status(await self.request(GetStatus()))
        return "reader closed"

    def _on_status(self, reply: Reply) -> None:
        attempt = self.attempt
        if (
            isinstance(reply, StatusReport)
            and attempt is not None
            and reply.payment_id == attempt.request.payment_id
            and reply.status is TerminalStatus.PROCESSING
        ):
            self.progress(attempt, PaymentStage.PROCESSING)

    async def _identify(self) -> None:
        reply = await self.request(Identify())
        if not isinstance(reply, IdentityReport):
            raise TerminalInitError(f"terminal did not identify itself: {reply!r}")
        new = ReaderIdentity(reply.manufacturer, reply.model, reply.serial, reply.firmware)
        old = self._identity
        if new == old:
            return
        self._identity = new
        if old is None:
            log.info("payment terminal identified: %s", new)
        else:
            log.warning("payment terminal identity changed from %s to %s", old, new)
        self._emit(ReaderIdentityDidChange(old, new))

    def _fail_link(self, why: str) -> None:
        if self._failure is None:
            self._failure = why
        self._wake.set()

    async def _drop_link(self, reason: str) -> None:
        link, self._link = self._link, None
        if link is not None:
            await link.close()
        if self.attempt is not None:
            self.attempt.fail(f"terminal link lost: {reason}")

    # -- events ------------------------------------------------------------------------------
    def _on_inbound(self, item: Inbound) -> None:
        attempt = self.attempt
        if isinstance(item, ProtocolFault):
            self._emit(ReaderFaultDidOccur(item.code, item.detail))
            if item.code == CARD_DATA and attempt is not None:
                attempt.fail("the reader sent card data; payment rejected")
        elif isinstance(item, TerminalDidBoot):
            in_flight = attempt.request.payment_id if attempt else self.unreported
            log.warning("payment terminal restarted (payment in flight: %s)", in_flight)
            self._emit(ReaderDidReset(in_flight))
            if attempt is not None:
                attempt.fail("terminal restarted")
            self._reidentify = True
            self._wake.set()
        elif isinstance(item, TerminalDidFail):
            self._emit(ReaderFaultDidOccur(item.code, item.detail))
            if attempt is not None and item.payment_id in ("", attempt.request.payment_id):
                attempt.fail(f"terminal error {item.code}")
        elif attempt is None or item.payment_id != attempt.request.payment_id:
            log.info("terminal %s for a payment not in progress ignored", item.TYPE)
        else:
            self._settle(attempt, item)

    def _settle(
        self,
        attempt: Attempt,
        item: CardWasPresented
        | TokenWasIssued
        | PaymentWasDeclined
        | PaymentDidTimeOut
        | PaymentWasCancelled,
    ) -> None:
        if isinstance(item, CardWasPresented):
            now = asyncio.get_running_loop().time()
            attempt.deadline = max(attempt.deadline, now + self._t.processing_timeout)
            self.progress(attempt, PaymentStage.CARD_PRESENTED)
        elif isinstance(item, TokenWasIssued):
            attempt.settle(PaymentOutcome.APPROVED, token=item)
            self.unreported = attempt.request.payment_id
        elif isinstance(item, PaymentWasDeclined):
            attempt.settle(PaymentOutcome.DECLINED, reason=item.reason)
        elif isinstance(item, PaymentDidTimeOut):
            attempt.settle(PaymentOutcome.TIMED_OUT, reason="no card presented")
        elif attempt.timed_out_locally:
            attempt.settle(PaymentOutcome.TIMED_OUT, reason="no verdict in time; cancelled")
        else:
            attempt.settle(PaymentOutcome.CANCELLED, reason="cancelled")
