"""The dispenser board interface the purchase flow is written against (:class:`Dispenser`),
its serial driver (:class:`SerialDispenser`) and the :func:`open_dispenser` factory.

Every actuation carries a 32-bit command id chosen by the kiosk. The driver never resends an
actuation under a new id; the link layer may retransmit the same frame because the board
executes a command id at most once and answers repeats from its history. When no final answer
comes the result is ``UNKNOWN`` and :meth:`Dispenser.query_command` tells later what really
happened. The on-time cap (:class:`ActuationLimits`) is checked before any byte goes out.
Unsolicited board events reach listeners as frozen dataclasses (:class:`DoorDidOpen`...).
The value types live in :mod:`hardware.dispenser.values` and are re-exported here.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from hardware.common.errors import TransportClosedError
from hardware.common.simulator import SimulatorServer
from hardware.common.state import USABLE_STATES, DeviceState, DeviceStateHolder
from hardware.common.transport import TraceHook
from hardware.dispenser import messages as m
from hardware.dispenser.errors import (
    ActuationRefusedError,
    DispenserInitError,
    DispenserTimeoutError,
    DispenserUnavailableError,
    MalformedMessageError,
    NakError,
)
from hardware.dispenser.protocol import DispenserProtocol, LinkSupervisor, MessageTrace, R
from hardware.dispenser.transport import open_dispenser_transport
from hardware.dispenser.values import (
    COMMAND_ID_MAX,
    BoardDidReset,
    BoardIdentity,
    BoardStatus,
    CommandDidFinish,
    CommandReport,
    DispenseOutcome,
    DispenseResult,
    DispenserEvent,
    DispenserListener,
    DispenserOptions,
    DispenserStateDidChange,
    DoorDidClose,
    DoorDidOpen,
    LevelDidChange,
    TemperatureDidChange,
    board_status_of,
    channel_level,
    command_report_of,
    result_of,
    slot_level,
)

log = logging.getLogger(__name__)

_LINK_ERRORS = (DispenserTimeoutError, TransportClosedError, NakError, MalformedMessageError)


class Dispenser(abc.ABC):
    """The dispenser board: spray channels, bottle slots, door and level sensors."""

    @property
    @abc.abstractmethod
    def state(self) -> DeviceState: ...

    @property
    @abc.abstractmethod
    def identity(self) -> BoardIdentity | None: ...

    @abc.abstractmethod
    def add_listener(self, listener: DispenserListener) -> None: ...

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect and identify the board, then keep reconnecting in the background until
        closed. Returns after the first attempt, READY or UNAVAILABLE."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def spray(
        self,
        *,
        command_id: int,
        channel: int,
        doses: int,
        test: bool = False,
        pulse_ms: int | None = None,
    ) -> DispenseResult:
        """Fire ``doses`` sprays on ``channel`` at most once for ``command_id``. Raises
        ActuationRefusedError or DispenserUnavailableError before sending anything; once bytes
        went out it returns a result, UNKNOWN when the final answer never came."""

    @abc.abstractmethod
    async def drop_bottle(
        self, *, command_id: int, slot: int, test: bool = False
    ) -> DispenseResult:
        """Drop one bottle from ``slot`` at most once for ``command_id`` (rules as spray)."""

    @abc.abstractmethod
    async def query_command(self, command_id: int) -> CommandReport:
        """Ask the board what happened to ``command_id``; never executes anything."""

    @abc.abstractmethod
    async def read_status(self) -> BoardStatus: ...


class _Waiter:
    """A command waiting for its CommandFinished event (or a reason to ask)."""

    def __init__(self) -> None:
        self.report: m.Report | None = None
        self.wake = asyncio.Event()


class SerialDispenser(Dispenser):
    """The driver for the dispenser board on a serial port, pty or TCP stream."""

    def __init__(
        self,
        url: str,
        *,
        options: DispenserOptions | None = None,
        trace_bytes: TraceHook | None = None,
        trace_message: MessageTrace | None = None,
        owned_simulator: SimulatorServer | None = None,
    ) -> None:
        self.url = url
        self.options = opts = options or DispenserOptions()
        self.simulator = owned_simulator  # closed with the driver (sim:// URLs)
        self._trace_bytes = trace_bytes
        self._trace_message = trace_message
        self._state = DeviceStateHolder(opts.name, log)
        self._state.add_listener(lambda old, new: self._emit(DispenserStateDidChange(old, new)))
        self._listeners: list[DispenserListener] = []
        self._identity: BoardIdentity | None = None
        self._actuation_lock = asyncio.Lock()
        self._waiters: dict[int, _Waiter] = {}
        t = opts.timings
        self._link = LinkSupervisor(
            open_link=self._open_link,
            on_up=self._identify,
            on_down=lambda why: self._state.set(DeviceState.UNAVAILABLE, why),
            poll_interval=t.poll_interval,
            silent_polls=t.silent_polls,
            reconnect_min=t.reconnect_min,
            reconnect_max=t.reconnect_max,
        )

    # -- interface basics ------------------------------------------------------------------
    @property
    def state(self) -> DeviceState:
        return self._state.state

    @property
    def identity(self) -> BoardIdentity | None:
        return self._identity

    def add_listener(self, listener: DispenserListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        await self._link.start()

    async def close(self) -> None:
        await self._link.close()
        self._state.set(DeviceState.CLOSED)
        for waiter in self._waiters.values():
            waiter.wake.set()
        if self.simulator is not None:
            await self.simulator.close()
            self.simulator = None

    # -- link management -------------------------------------------------------------------
    async def _open_link(self) -> DispenserProtocol:
        if self._state.state not in (DeviceState.UNAVAILABLE, DeviceState.FAULT):
            self._state.set(DeviceState.CONNECTING)
        transport = await open_dispenser_transport(self.url, trace_bytes=self._trace_bytes)
        t = self.options.timings
        protocol = DispenserProtocol(
            transport,
            reply_timeout=t.reply_timeout,
            retries=t.retries,
            on_event=self._on_board_event,
            trace_message=self._trace_message,
        )
        protocol.start()
        return protocol

    async def _identify(self, protocol: DispenserProtocol) -> None:
        if self._state.state is DeviceState.CONNECTING:  # not when re-identifying after a reset
            self._state.set(DeviceState.INITIALIZING)
        ident = await protocol.ask(m.Hello(), m.Identity)
        self._identity = BoardIdentity(
            model=ident.model,
            serial=ident.serial,
            firmware=ident.firmware,
            channel_count=ident.channel_count,
            slot_count=ident.slot_count,
            max_doses=ident.max_doses,
            max_pulse_ms=ident.max_pulse_ms,
            boot_id=ident.boot_id,
        )
        busy = self._actuation_lock.locked()
        self._state.set(DeviceState.BUSY if busy else DeviceState.READY)

    def _protocol(self) -> DispenserProtocol:
        protocol = self._link.protocol
        if protocol is None or protocol.closed or self._state.state not in USABLE_STATES:
            raise DispenserUnavailableError(f"dispenser is {self._state.state.value}")
        return protocol

    # -- events ----------------------------------------------------------------------------
    def _emit(self, event: DispenserEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("dispenser listener failed on %s", type(event).__name__)

    def _on_board_event(self, event: m.Event) -> None:
        if isinstance(event, m.CommandFinished):
            report = event.report
            waiter = self._waiters.get(report.command_id)
            if waiter is not None:
                waiter.report = report
                waiter.wake.set()
            result = result_of(report)
            if result is not None:
                self._emit(CommandDidFinish(result))
        elif isinstance(event, m.DoorChanged):
            self._emit(DoorDidOpen() if event.door_open else DoorDidClose())
        elif isinstance(event, m.ChannelLevelChanged):
            self._emit(LevelDidChange(channel_level(event)))
        elif isinstance(event, m.SlotLevelChanged):
            self._emit(LevelDidChange(slot_level(event)))
        elif isinstance(event, m.TemperatureChanged):
            self._emit(TemperatureDidChange(event.temperature_dc / 10))
        else:
            for waiter in self._waiters.values():
                waiter.wake.set()  # ask now what became of the command
            self._link.request_reidentify()
            self._emit(BoardDidReset(event.boot_id, event.reason.name.lower()))

    # -- actuations ------------------------------------------------------------------------
    async def spray(
        self,
        *,
        command_id: int,
        channel: int,
        doses: int,
        test: bool = False,
        pulse_ms: int | None = None,
    ) -> DispenseResult:
        limits = self.options.limits
        pulse = limits.spray_pulse_ms if pulse_ms is None else pulse_ms
        ident = self._check_ids(command_id)
        max_doses = min(limits.max_doses_per_command, ident.max_doses)
        if not 1 <= doses <= max_doses:
            raise ActuationRefusedError(f"doses must be 1..{max_doses}, not {doses}")
        max_pulse = min(limits.max_spray_pulse_ms, ident.max_pulse_ms)
        if not 1 <= pulse <= max_pulse:
            raise ActuationRefusedError(f"pulse must be 1..{max_pulse} ms, not {pulse}")
        if not 0 <= channel < ident.channel_count:
            raise ActuationRefusedError(f"no spray channel {channel}")
        return await self._actuate(m.Spray(command_id, channel, doses, pulse, test))

    async def drop_bottle(
        self, *, command_id: int, slot: int, test: bool = False
    ) -> DispenseResult:
        ident = self._check_ids(command_id)
        if not 0 <= slot < ident.slot_count:
            raise ActuationRefusedError(f"no bottle slot {slot}")
        pulse = self.options.limits.drop_pulse_ms
        return await self._actuate(m.DropBottle(command_id, slot, pulse, test))

    def _check_ids(self, command_id: int) -> BoardIdentity:
        if not 0 <= command_id <= COMMAND_ID_MAX:
            raise ActuationRefusedError("command id must fit in 32 bits")
        if self._identity is None:
            raise DispenserUnavailableError("dispenser has not been identified yet")
        return self._identity

    async def _actuate(self, request: m.Spray | m.DropBottle) -> DispenseResult:
        cid = request.command_id
        async with self._actuation_lock:
            protocol = self._protocol()  # raises before anything is sent
            waiter = self._waiters[cid] = _Waiter()
            self._state.set(DeviceState.BUSY)
            try:
                try:
                    report = await protocol.ask(request, m.Report)
                except _LINK_ERRORS as exc:
                    return _unknown(cid, 0, f"no answer to the command: {exc}")
                result = result_of(report)
                if result is not None:
                    return result
                if report.status is m.WireStatus.NEVER_RECEIVED:
                    return _unknown(cid, 0, "board answered NEVER_RECEIVED to the command")
                return await self._await_outcome(cid, waiter, report)
            finally:
                self._waiters.pop(cid, None)
                if self._state.state is DeviceState.BUSY:
                    self._state.set(DeviceState.READY)

    async def _await_outcome(self, cid: int, waiter: _Waiter, report: m.Report) -> DispenseResult:
        """Wait for the CommandFinished event; when it does not come, ask the board."""
        t = self.options.timings
        loop = asyncio.get_running_loop()
        give_up = loop.time() + t.max_dispense
        doses, failed_queries = report.doses_done, 0
        wait = report.eta_ms / 1000 + t.result_grace
        while True:
            if waiter.report is None and self._state.state is not DeviceState.CLOSED:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, wait)):
                        await waiter.wake.wait()
            waiter.wake.clear()
            if waiter.report is not None and (result := result_of(waiter.report)) is not None:
                return result
            try:
                answer = await self._protocol().ask(m.QueryCommand(cid), m.Report)
            except (*_LINK_ERRORS, DispenserUnavailableError) as exc:
                failed_queries += 1
                if failed_queries >= t.query_attempts or loop.time() >= give_up:
                    return _unknown(cid, doses, f"no final answer: {exc}")
                wait = t.reply_timeout
                continue
            if (result := result_of(answer)) is not None:
                return result
            if answer.status is m.WireStatus.NEVER_RECEIVED:
                return _unknown(cid, doses, "board no longer knows the command")
            doses = answer.doses_done
            if loop.time() >= give_up:
                return _unknown(cid, doses, f"still in progress after {t.max_dispense} s")
            wait = answer.eta_ms / 1000 + t.result_grace

    # -- queries ---------------------------------------------------------------------------
    async def query_command(self, command_id: int) -> CommandReport:
        if not 0 <= command_id <= COMMAND_ID_MAX:
            raise ValueError("command id must fit in 32 bits")
        return command_report_of(await self._ask(m.QueryCommand(command_id), m.Report))

    async def read_status(self) -> BoardStatus:
        return board_status_of(await self._ask(m.ReadStatus(), m.Status))

    async def _ask(self, request: m.Request, expect: type[R]) -> R:
        try:
            return await self._protocol().ask(request, expect)
        except TransportClosedError as exc:
            raise DispenserUnavailableError(f"link lost: {exc}") from None


def _unknown(cid: int, doses: int, detail: str) -> DispenseResult:
    log.warning("command %d outcome unknown: %s", cid, detail)
    return DispenseResult(cid, DispenseOutcome.UNKNOWN, doses, detail)


async def open_dispenser(
    url: str,
    *,
    trace_bytes: TraceHook | None = None,
    trace_message: MessageTrace | None = None,
    options: DispenserOptions | None = None,
    start: bool = True,
) -> Dispenser:
    """Open the dispenser at ``url``: a device path, ``socket://host:port`` or ``sim://``
    (e.g. ``sim://?fault=jam:1&channels=4``: an in-process simulator on a pty driven by the
    real driver). Starts it unless ``start`` is False."""
    parts = urlsplit(url)
    simulator: SimulatorServer | None = None
    port = url
    if parts.scheme == "sim":
        from hardware.dispenser.simulator import simulator_from_query

        try:
            simulator = simulator_from_query(parts.query)
        except ValueError as exc:
            raise DispenserInitError(f"bad simulator URL {url!r}: {exc}") from None
        port = await simulator.start_pty()
    dispenser = SerialDispenser(
        port,
        options=options,
        trace_bytes=trace_bytes,
        trace_message=trace_message,
        owned_simulator=simulator,
    )
    if start:
        await dispenser.start()
    return dispenser
