"""The loyalty-scanner interface, its serial-module implementation and the factory.

:class:`LoyaltyScanner` is what the kiosk sees: scans arrive as
:class:`~hardware.scanner.events.ScanDidDecode` events to listeners and/or through
``scanner.scans()`` (an async iterator), already debounced and with card data dropped.
Two implementations: :class:`SerialLoyaltyScanner` (a 2D scan engine on a serial port, this
module) and :class:`~hardware.scanner.camera.CameraLoyaltyScanner` (camera frames decoded with
zbar). :func:`open_scanner` picks one by URL:

* ``/dev/...`` or ``socket://host:port``: the serial module;
* ``sim://?fault=...&scan=TEXT&interval=S``: the serial module simulator on a pty, real driver;
* ``camera://?debounce=S``: a camera scanner the UI feeds frames to (``submit_frame``).
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl, urlsplit

from hardware.common.errors import DeviceInitError, TransportClosedError
from hardware.common.state import DeviceState, DeviceStateHolder
from hardware.common.transport import TraceHook
from hardware.scanner.dispatch import (
    DEFAULT_DEBOUNCE,
    DEFAULT_MAX_DATA,
    Clock,
    ScanDispatcher,
    ScanStream,
)
from hardware.scanner.errors import (
    ScannerCommandRejectedError,
    ScannerInitError,
    ScannerMessageError,
    ScannerTimeoutError,
    ScannerUnavailableError,
)
from hardware.scanner.events import ScannerListener, ScannerStateDidChange, ScanSource
from hardware.scanner.messages import (
    Command,
    Disable,
    Enable,
    Identify,
    Ping,
    ScannerIdentity,
    ScanReport,
    Trigger,
)
from hardware.scanner.protocol import ScannerProtocol, TraceMessageHook
from hardware.scanner.symbology import from_aim
from hardware.scanner.transport import open_scanner_transport

log = logging.getLogger(__name__)

DEFAULT_RECONNECT_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


class LoyaltyScanner(abc.ABC):
    """A source of loyalty scans. Listener and stream plumbing is shared; the rest is the
    source's own."""

    def __init__(self, dispatcher: ScanDispatcher) -> None:
        self._dispatch = dispatcher

    @property
    def source(self) -> ScanSource:
        return self._dispatch.source

    def add_listener(self, listener: ScannerListener) -> None:
        """Call ``listener`` with every event (decodes, rejects, state changes)."""
        self._dispatch.add_listener(listener)

    def remove_listener(self, listener: ScannerListener) -> None:
        self._dispatch.remove_listener(listener)

    def scans(self) -> ScanStream:
        """An async iterator of decoded scans from now on; ends when the scanner closes."""
        return self._dispatch.open_stream()

    @property
    @abc.abstractmethod
    def state(self) -> DeviceState: ...

    @property
    @abc.abstractmethod
    def identity(self) -> ScannerIdentity | None: ...

    @property
    @abc.abstractmethod
    def enabled(self) -> bool:
        """Whether scanning is wanted (reapplied by the serial driver after a reconnect)."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Begin scanning; an unreachable device ends UNAVAILABLE and keeps reconnecting."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop for good; open scan streams end."""

    @abc.abstractmethod
    async def enable(self) -> None: ...

    @abc.abstractmethod
    async def disable(self) -> None: ...


class SerialLoyaltyScanner(LoyaltyScanner):
    """A serial 2D scan engine speaking the protocol of :mod:`hardware.scanner.messages`.

    Connection life: open port -> IDENTIFY -> ENABLE/DISABLE (as wanted) -> READY, then a PING
    every ``heartbeat_interval`` s. A lost port, or a command unanswered after retries, makes
    the scanner UNAVAILABLE; a module that NAKs set-up makes it FAULT. Either way it reconnects
    by itself with ``reconnect_delays`` backoff until :meth:`close`.
    """

    def __init__(
        self,
        url: str,
        *,
        trace_bytes: TraceHook | None = None,
        trace_message: TraceMessageHook | None = None,
        command_timeout: float = 0.5,
        retries: int = 2,
        stall_timeout: float = 0.2,
        heartbeat_interval: float = 2.0,
        reconnect_delays: Sequence[float] = DEFAULT_RECONNECT_DELAYS,
        debounce: float = DEFAULT_DEBOUNCE,
        max_data: int = DEFAULT_MAX_DATA,
        clock: Clock = time.monotonic,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(
            ScanDispatcher(ScanSource.SERIAL, debounce=debounce, max_data=max_data, clock=clock)
        )
        self.url = url
        self._trace_bytes = trace_bytes
        self._trace_message = trace_message
        self._command_timeout = command_timeout
        self._retries = retries
        self._stall_timeout = stall_timeout
        self._heartbeat = heartbeat_interval
        self._delays = tuple(reconnect_delays) or (1.0,)
        self._on_close = on_close
        self._holder = DeviceStateHolder(f"loyalty scanner {url}", log)
        self._holder.add_listener(self._on_state)
        self._identity: ScannerIdentity | None = None
        self._enabled = True
        self._protocol: ScannerProtocol | None = None
        self._task: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()
        self._closing = False

    @property
    def state(self) -> DeviceState:
        return self._holder.state

    @property
    def identity(self) -> ScannerIdentity | None:
        return self._identity

    @property
    def enabled(self) -> bool:
        return self._enabled

    def _on_state(self, old: DeviceState, new: DeviceState) -> None:
        self._dispatch.emit(ScannerStateDidChange(old, new))

    async def start(self) -> None:
        """Start the connection task and wait for its first attempt to end (READY or not)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        await self._settled.wait()

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._holder.set(DeviceState.CLOSED)
        self._dispatch.close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            await on_close()

    async def enable(self) -> None:
        """Start decoding. The wish is kept and reapplied after reconnects even when this
        raises (ScannerUnavailableError while reconnecting)."""
        self._enabled = True
        await self._command(Enable)

    async def disable(self) -> None:
        self._enabled = False
        await self._command(Disable)

    async def trigger(self) -> None:
        """Start one decode session (as pulling a handheld's trigger)."""
        await self._command(Trigger)

    async def _command(self, command: type[Command]) -> None:
        protocol = self._protocol
        if protocol is None or not self._holder.usable:
            raise ScannerUnavailableError(f"scanner is {self.state.value}")
        await protocol.request(command)

    # -- connection life ---------------------------------------------------------------------
    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            down_state, reason, was_ready = await self._connect_and_serve()
            self._holder.set(down_state, reason)
            self._settled.set()
            failures = 0 if was_ready else failures + 1
            await asyncio.sleep(self._delays[min(failures, len(self._delays) - 1)])

    async def _connect_and_serve(self) -> tuple[DeviceState, str, bool]:
        self._holder.set(DeviceState.CONNECTING)
        try:
            transport = await open_scanner_transport(self.url)
        except TransportClosedError as exc:
            return DeviceState.UNAVAILABLE, str(exc), False
        except DeviceInitError as exc:
            return DeviceState.FAULT, str(exc), False
        protocol = ScannerProtocol(
            transport,
            on_scan=self._on_scan,
            command_timeout=self._command_timeout,
            retries=self._retries,
            stall_timeout=self._stall_timeout,
            trace_bytes=self._trace_bytes,
            trace_message=self._trace_message,
        )
        protocol.start()
        ready = False
        try:
            self._holder.set(DeviceState.INITIALIZING)
            ack = await protocol.request(Identify)
            self._identity = ScannerIdentity.decode(ack.data)
            await protocol.request(Enable if self._enabled else Disable)
            self._protocol = protocol
            self._holder.set(DeviceState.READY)
            ready = True
            self._settled.set()
            return DeviceState.UNAVAILABLE, await self._serve(protocol), True
        except ScannerCommandRejectedError as exc:
            return DeviceState.FAULT, str(exc), ready
        except (ScannerTimeoutError, ScannerUnavailableError, ScannerMessageError) as exc:
            return DeviceState.UNAVAILABLE, str(exc), ready
        finally:
            self._protocol = None
            await protocol.close()

    async def _serve(self, protocol: ScannerProtocol) -> str:
        """Ping until the connection is lost; returns why it ended."""
        while True:
            try:
                async with asyncio.timeout(self._heartbeat):
                    return await protocol.wait_lost()
            except TimeoutError:
                log.debug("scanner heartbeat due")
            try:
                await protocol.request(Ping)
            except ScannerCommandRejectedError:
                log.debug("scanner NAKed PING: it answers, so it is alive")

    def _on_scan(self, report: ScanReport) -> None:
        self._dispatch.offer(from_aim(report.aim_id), report.data)


def _float_option(options: dict[str, str], key: str, default: float) -> float:
    try:
        return float(options.pop(key, default))
    except ValueError:
        raise ScannerInitError(f"option {key} must be a number") from None


async def open_scanner(
    url: str,
    *,
    trace_bytes: TraceHook | None = None,
    trace_message: TraceMessageHook | None = None,
    debounce: float = DEFAULT_DEBOUNCE,
    max_data: int = DEFAULT_MAX_DATA,
    command_timeout: float = 0.5,
    heartbeat_interval: float = 2.0,
) -> LoyaltyScanner:
    """Build the scanner for ``url``, start it and return it (see the module docstring).

    ``sim://`` starts the serial simulator on a pty (query options go to
    :func:`hardware.scanner.simulator.create_simulator`); closing the scanner closes it.
    """
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    scanner: LoyaltyScanner
    if parts.scheme == "camera":
        from hardware.scanner.camera import CameraLoyaltyScanner

        debounce = _float_option(options, "debounce", debounce)
        if options:
            raise ScannerInitError(f"unknown camera:// options {sorted(options)}")
        scanner = CameraLoyaltyScanner(debounce=debounce, max_data=max_data)
    elif parts.scheme in ("", "file", "socket", "sim"):
        path, on_close = url, None
        if parts.scheme == "sim":
            from hardware.scanner.simulator import SIMULATOR_OPTIONS, create_simulator

            unknown = set(options) - SIMULATOR_OPTIONS
            if unknown:
                raise ScannerInitError(f"unknown sim:// options {sorted(unknown)}")
            simulator = create_simulator(**options)
            path, on_close = await simulator.start_pty(), simulator.close
        scanner = SerialLoyaltyScanner(
            path,
            trace_bytes=trace_bytes,
            trace_message=trace_message,
            command_timeout=command_timeout,
            heartbeat_interval=heartbeat_interval,
            debounce=debounce,
            max_data=max_data,
            on_close=on_close,
        )
    else:
        raise ScannerInitError(
            f"unsupported scanner URL {url!r}: use a device path, socket://, sim:// or camera://"
        )
    await scanner.start()
    return scanner
