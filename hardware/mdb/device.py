"""The MDB cashless card reader as a ``hardware.cardreader.CardReader``, and its factories.

:class:`MdbCardReader` drives one cashless address (10H or 60H) on a shared :class:`MdbBus`.
One task per reader owns everything said to the reader: it resets, configures, identifies and
enables it, then polls, sending the vend cycle's commands between polls as
:class:`~hardware.mdb.session.VendSession` asks. The public coroutines only queue work for that
task and await its outcome, so there is never a second command in flight.

Non-response (no valid answer for ``non_response_time``) or a lost port makes the reader
UNAVAILABLE; the task keeps re-initialising it with backoff. Factories: :func:`open_card_reader`
(one address) and :func:`open_card_readers` (several addresses, one bus); ``sim://`` URLs start
the simulator on a pty and connect the real driver to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from hardware.cardreader import (
    AuthorizationMode,
    CardReader,
    PaymentOutcome,
    PaymentRequest,
    PaymentResult,
    ReaderEvent,
    ReaderIdentity,
    ReaderIdentityDidChange,
    ReaderListener,
    ReaderStateDidChange,
    VendOutcome,
    VendReportResult,
)
from hardware.common.errors import DeviceUnavailableError
from hardware.common.state import DOWN_STATES, DeviceState, DeviceStateHolder
from hardware.common.transport import TraceHook
from hardware.mdb import messages as msg
from hardware.mdb.conversions import check_request, identity_from, minor_exponent, to_scaled
from hardware.mdb.errors import (
    MdbBusyError,
    MdbError,
    MdbInitError,
    MdbOperationError,
    MdbUnavailableError,
)
from hardware.mdb.protocol import AddressTraces, MdbBus, MessageTraceHook
from hardware.mdb.session import (
    PendingPayment,
    PendingReport,
    ReaderWasReset,
    ResetRequired,
    VendSession,
)
from hardware.mdb.simulator import create_simulator

log = logging.getLogger(__name__)

R = TypeVar("R", bound=msg.Response)

_SETTLED = frozenset({DeviceState.READY, DeviceState.UNAVAILABLE, DeviceState.FAULT})


class MdbCardReader(CardReader):
    """An MDB/ICP cashless reader at one address; the reader authorizes the vend itself."""

    mode = AuthorizationMode.READER

    def __init__(
        self,
        bus: MdbBus,
        *,
        address: int = msg.CashlessAddress.CASHLESS_1,
        non_response_time: float = 5.0,
        poll_interval: float = 0.05,
        end_session_timeout: float | None = None,
        refund_polls: int = 3,
        expected_identity: ReaderIdentity | None = None,
        vmc_identity: msg.ExpansionRequestId | None = None,
        backoff: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self.address = msg.CashlessAddress(address)
        self.name = f"MDB cashless {self.address.value:02X}H"
        self._bus = bus
        bus.acquire()
        self._nrt = non_response_time
        self._poll_interval = poll_interval
        self._vmc_identity = vmc_identity or msg.ExpansionRequestId()
        self._backoff = backoff
        self._identity: ReaderIdentity | None = None
        self._expected = expected_identity
        self._listeners: list[ReaderListener] = []
        self._holder = DeviceStateHolder(self.name, log)
        self._holder.add_listener(self._on_state)
        self._session = VendSession(
            emit=self._emit,
            logger=log,
            non_response_time=non_response_time,
            end_session_timeout=end_session_timeout or non_response_time,
            refund_polls=refund_polls,
        )
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._initialised_once = False
        self._closed = False

    @property
    def state(self) -> DeviceState:
        return self._holder.state

    @property
    def identity(self) -> ReaderIdentity | None:
        return self._identity

    @property
    def bus(self) -> MdbBus:  # its dropped_bytes / bad_frames / stale_frames help in the field
        return self._bus

    def add_listener(self, listener: ReaderListener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: ReaderEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _on_state(self, old: DeviceState, new: DeviceState) -> None:
        self._changed.set()
        self._emit(ReaderStateDidChange(old, new))

    def _sync_busy(self) -> None:
        self._holder.set(DeviceState.READY if self._session.idle else DeviceState.BUSY)

    async def _wait_changed(self, timeout: float) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(timeout, 0.0)):
                await self._changed.wait()

    # -- CardReader: lifetime --------------------------------------------------------------
    async def start(self) -> None:
        """Start the reader's task and wait until it is READY or known to be unreachable."""
        if self._closed:
            raise MdbUnavailableError(f"{self.name} is closed")
        if self._task is not None:
            return
        self._holder.set(DeviceState.CONNECTING)
        self._task = asyncio.create_task(self._run(), name=self.name)
        loop = asyncio.get_running_loop()
        limit = loop.time() + max(10.0, 6 * self._nrt)
        while self.state not in _SETTLED and loop.time() < limit:
            await self._wait_changed(limit - loop.time())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        task = self._task
        while task is not None and not task.done():
            task.cancel()  # again if a cancellation was swallowed by a finishing wait
            await asyncio.wait({task}, timeout=0.5)
        self._session.abort("the reader was closed")
        self._holder.set(DeviceState.CLOSED)
        await self._bus.release()

    # -- CardReader: payments --------------------------------------------------------------
    async def request_payment(self, request: PaymentRequest, *, timeout: float) -> PaymentResult:
        """Send VEND REQUEST and wait for VEND APPROVED / DENIED.

        MdbUnavailableError at once if closed, not started or UNAVAILABLE; MdbBusyError while
        a payment, unreported approved vend or vend report is in progress; a reader still
        initialising or ending a session is waited for within ``timeout``, after which the
        vend is cancelled at the reader (TIMED_OUT). Progress: WAITING_FOR_CARD, CARD_PRESENTED.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.state is not DeviceState.READY or not self._session.idle:
            if self._closed or self._task is None:
                raise MdbUnavailableError(f"{self.name} is closed or not started")
            if not self._session.free:
                raise MdbBusyError(f"{self.name} already has a payment in progress")
            if self.state in DOWN_STATES or loop.time() >= deadline:
                raise MdbUnavailableError(f"{self.name} is {self.state.value}")
            await self._wait_changed(deadline - loop.time())
        failed = check_request(request, self._session.config)
        if failed is not None:
            return PaymentResult(request.payment_id, PaymentOutcome.FAILED, 0, reason=failed)
        exponent = minor_exponent(request.currency)
        price = to_scaled(request.amount_minor, self._session.config, exponent)
        assert price is not None  # checked above
        future: asyncio.Future[PaymentResult] = loop.create_future()
        self._session.payment = PendingPayment(request, price, exponent, deadline, future)
        self._sync_busy()
        self._wake.set()
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await self.cancel_payment()
            raise

    async def cancel_payment(self) -> None:
        payment = self._session.payment
        if payment is None:
            return
        if not payment.sent:
            self._session.payment = None
            result = PaymentResult(payment.request.payment_id, PaymentOutcome.CANCELLED, 0)
            if not payment.future.done():
                payment.future.set_result(result)
            self._sync_busy()
            return
        payment.cancel_requested = True
        self._wake.set()

    async def report_vend(self, payment_id: str, outcome: VendOutcome) -> VendReportResult:
        """Send VEND SUCCESS / FAILURE, close the session, and return the reader's answer.

        A payment the reader counts as a success (reset after approval, ``ReaderDidReset``) gets
        ``acknowledged=False, reader_counted_success=True`` (FAILURE: refund another way).
        """
        session = self._session
        refunded = False if outcome is VendOutcome.FAILURE else None
        counted = session.was_reset_counted(payment_id)
        unacked = VendReportResult(payment_id, False, refunded, reader_counted_success=counted)
        if counted:
            return unacked
        if session.in_flight is None or session.in_flight.payment_id != payment_id:
            raise MdbOperationError(f"{self.name}: no approved vend {payment_id!r} to report")
        if session.report is not None:
            raise MdbBusyError(f"{self.name}: vend {payment_id!r} is already being reported")
        if self.state not in (DeviceState.READY, DeviceState.BUSY):
            return unacked
        future: asyncio.Future[VendReportResult] = asyncio.get_running_loop().create_future()
        item = session.in_flight.item_number
        session.report = PendingReport(payment_id, item, outcome, future)
        self._wake.set()
        return await asyncio.shield(future)

    # -- the reader's task -----------------------------------------------------------------
    async def _run(self) -> None:
        delay = self._backoff[0]
        while not self._closed:
            try:
                await self._initialise()
                delay = self._backoff[0]
                await self._serve()
            except ReaderWasReset as exc:
                log.warning("%s: %s; re-initialising", self.name, exc)
            except ResetRequired as exc:
                log.warning("%s: %s; resetting the reader", self.name, exc)
            except (MdbError, DeviceUnavailableError) as exc:
                await self._unavailable(str(exc), delay)
                delay = min(delay * 2, self._backoff[1])
            except Exception as exc:  # task root: log and keep the reader alive
                log.exception("%s: unexpected error", self.name)
                await self._unavailable(f"unexpected {type(exc).__name__}", delay)
                delay = min(delay * 2, self._backoff[1])

    async def _unavailable(self, reason: str, delay: float) -> None:
        self._session.abort(f"reader unavailable: {reason}")
        self._holder.set(DeviceState.UNAVAILABLE, reason)
        await asyncio.sleep(delay)

    async def _command(self, command: msg.Command) -> tuple[msg.Response, ...]:
        return await self._bus.transact(self.address, command, retry_for=self._nrt)

    async def _initialise(self) -> None:
        if self.state is not DeviceState.UNAVAILABLE:
            self._holder.set(DeviceState.INITIALIZING)
        await self._command(msg.Reset())
        self._session.after_reset(announce=self._initialised_once)
        await self._expect(None, msg.JustReset)
        config = await self._expect(msg.SetupConfig(), msg.ReaderConfig)
        await self._command(msg.SetupPrices())
        peripheral = await self._expect(self._vmc_identity, msg.PeripheralId)
        await self._command(msg.ReaderEnable())
        self._session.config = config
        self._note_identity(identity_from(peripheral))
        self._initialised_once = True
        self._sync_busy()

    async def _expect(self, command: msg.Command | None, kind: type[R]) -> R:
        """Send ``command`` (or just poll) and poll until a reply of ``kind`` arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._nrt
        responses = await self._command(command) if command is not None else ()
        while True:
            for response in responses:
                if isinstance(response, kind):
                    return response
                if isinstance(response, msg.DisplayRequest):
                    self._session.on_display(response)
                elif isinstance(response, msg.Malfunction):
                    self._session.on_malfunction(response.error_code)
            if loop.time() >= deadline:
                raise MdbInitError(f"{self.name} sent no {kind.__name__}")
            await asyncio.sleep(self._poll_interval)
            responses = await self._command(msg.Poll())

    def _note_identity(self, new: ReaderIdentity) -> None:
        old = self._identity if self._identity is not None else self._expected
        self._identity = new
        self._expected = None
        if old is not None and old != new:
            log.warning("%s: identity changed from %s to %s", self.name, old, new)
            self._emit(ReaderIdentityDidChange(old=old, new=new))

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        session = self._session
        while not self._closed:
            self._wake.clear()
            command = session.next_command(loop.time())
            self._sync_busy()
            if command is not None:
                responses = await self._command(command)
                session.command_done(command)
                session.on_responses(responses, loop.time())
                self._sync_busy()
                continue
            responses = await self._command(msg.Poll())
            session.on_responses(responses, loop.time())
            session.after_poll(loop.time())
            self._sync_busy()
            if responses:
                continue  # the reader had something to say: ask again at once
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()


async def open_card_readers(
    url: str,
    *,
    addresses: tuple[int, ...] = (msg.CashlessAddress.CASHLESS_1, msg.CashlessAddress.CASHLESS_2),
    trace_bytes: TraceHook | None = None,
    trace_by_address: AddressTraces | None = None,
    trace_message: MessageTraceHook | None = None,
    reply_timeout: float = 0.2,
    non_response_time: float = 5.0,
    poll_interval: float = 0.05,
    end_session_timeout: float | None = None,
) -> list[MdbCardReader]:
    """Readers (not yet started) for ``addresses``, sharing one bus on ``url``: a device path,
    ``socket://host:port`` or ``sim://?option=...`` (see hardware.mdb.simulator.create_model;
    ``addresses`` defaults to the readers asked for). The bus and any simulator close when the
    last of these readers is closed. Hex trace: ``trace_by_address`` gives each reader its own
    hook for its transactions, ``trace_bytes`` gets the rest (all, alone; hardware.mdb.protocol)."""
    bus_url, on_close = url, None
    if (parts := urlsplit(url)).scheme == "sim":
        options: dict[str, object] = dict(parse_qsl(parts.query))
        options.setdefault("addresses", ",".join(f"{a:02X}" for a in addresses))
        server = create_simulator(**options)
        bus_url, on_close = await server.start_pty(), server.close
    bus = MdbBus(
        bus_url,
        reply_timeout=reply_timeout,
        trace_bytes=trace_bytes,
        trace_by_address=trace_by_address,
        trace_message=trace_message,
        on_close=on_close,
    )
    return [
        MdbCardReader(
            bus,
            address=address,
            non_response_time=non_response_time,
            poll_interval=poll_interval,
            end_session_timeout=end_session_timeout,
        )
        for address in addresses
    ]


async def open_card_reader(
    url: str,
    *,
    address: int = msg.CashlessAddress.CASHLESS_1,
    trace_bytes: TraceHook | None = None,
    trace_message: MessageTraceHook | None = None,
    reply_timeout: float = 0.2,
    non_response_time: float = 5.0,
    poll_interval: float = 0.05,
    end_session_timeout: float | None = None,
) -> MdbCardReader:
    """One reader (not yet started: call ``await reader.start()``) on its own bus."""
    readers = await open_card_readers(
        url,
        addresses=(address,),
        trace_bytes=trace_bytes,
        trace_message=trace_message,
        reply_timeout=reply_timeout,
        non_response_time=non_response_time,
        poll_interval=poll_interval,
        end_session_timeout=end_session_timeout,
    )
    return readers[0]
