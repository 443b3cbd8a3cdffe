"""Link layer to the dispenser board: one request in flight, ACK by reply, retransmission, and the
supervisor that keeps the link up.

:class:`DispenserProtocol` sends a request frame with a fresh sequence number and waits for
the reply frame carrying that number (the reply is the acknowledgement). On a retryable NAK
or when no reply comes within ``reply_timeout`` it sends the *same bytes* again (same sequence
number, same command id), at most ``retries`` more times. Actuations are safe to retransmit
because the board answers a repeated command id from its history instead of executing it
again. Replies that do not match the pending sequence number (late answers to an earlier
attempt) are dropped. Unsolicited events are never taken for replies: they go to ``on_event``.
:class:`LinkSupervisor` reconnects with backoff when the link dies or the board goes silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hardware.common.errors import HardwareError, TransportClosedError
from hardware.common.transport import ByteTransport
from hardware.dispenser.errors import (
    CommandIdConflictError,
    DispenserTimeoutError,
    MalformedMessageError,
    NakError,
)
from hardware.dispenser.framing import BadFrame, Frame, FrameDecoder, encode_frame
from hardware.dispenser.messages import (
    EVENTS,
    REPLIES,
    Event,
    Message,
    Nak,
    NakReason,
    ReadStatus,
    Reply,
    Request,
    Status,
    decode_message,
)

log = logging.getLogger(__name__)

MessageTrace = Callable[[str, Message], None]
EventHandler = Callable[[Event], None]
R = TypeVar("R", bound=Reply)

RETRYABLE_NAKS = frozenset({NakReason.BAD_CRC, NakReason.MALFORMED, NakReason.BUSY})


class DispenserProtocol:
    """Request/reply over one open transport; dies (``closed``) when the transport does."""

    def __init__(
        self,
        transport: ByteTransport,
        *,
        reply_timeout: float,
        retries: int,
        on_event: EventHandler,
        trace_message: MessageTrace | None = None,
    ) -> None:
        self._transport = transport
        self._reply_timeout = reply_timeout
        self._retries = retries
        self._on_event = on_event
        self._trace = trace_message
        self._decoder = FrameDecoder()
        self._lock = asyncio.Lock()
        self._seq = 0
        self._pending: tuple[int, asyncio.Future[Reply]] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self.close_reason = ""
        self.retransmits = 0
        self.stale_replies = 0

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._reader = asyncio.create_task(self._read_loop(), name="dispenser-link-reader")

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._transport.close()
        self._mark_closed("closed")

    @property
    def bad_frames(self) -> int:
        return self._decoder.bad_frames

    # -- requests --------------------------------------------------------------------------
    async def ask(self, message: Request, expect: type[R]) -> R:
        """Send ``message`` and return its reply, which must be an ``expect``."""
        reply = await self.request(message)
        if not isinstance(reply, expect):
            raise MalformedMessageError(
                f"board answered {type(message).__name__} with {type(reply).__name__}"
            )
        return reply

    async def request(self, message: Request) -> Reply:
        """Send ``message`` and wait for its reply, retransmitting the same frame on a
        retryable NAK or a timeout. Raises DispenserTimeoutError after the last attempt,
        TransportClosedError when the link dies, NakError/CommandIdConflictError otherwise."""
        async with self._lock:
            self._seq = (self._seq + 1) & 0xFF
            seq = self._seq
            wire = encode_frame(Frame(seq, message.TYPE, message.encode()))
            last = "no reply"
            for attempt in range(self._retries + 1):
                if attempt:
                    self.retransmits += 1
                    log.debug("retransmitting %s seq %d (%s)", type(message).__name__, seq, last)
                reply = await self._exchange(seq, wire, message)
                if reply is None:
                    last = "no reply"
                    continue
                if isinstance(reply, Nak):
                    last = f"NAK {reply.reason.name}"
                    if reply.reason in RETRYABLE_NAKS:
                        continue
                    if reply.reason is NakReason.CONFLICT:
                        raise CommandIdConflictError(
                            f"{type(message).__name__}: command id already used differently"
                        )
                    raise NakError(f"{type(message).__name__} refused: {reply.reason.name}")
                return reply
            raise DispenserTimeoutError(
                f"{type(message).__name__}: {last} after {self._retries + 1} attempts"
            )

    async def _exchange(self, seq: int, wire: bytes, message: Request) -> Reply | None:
        if self.closed:
            raise TransportClosedError(self.close_reason or "link closed")
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending = (seq, future)
        try:
            if self._trace is not None:
                self._trace("tx", message)
            self._transport.write(wire)
            await self._transport.drain()
            async with asyncio.timeout(self._reply_timeout):
                return await future
        except TimeoutError:
            return None
        finally:
            self._pending = None

    # -- receiving -------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        reason = "closed"
        try:
            while True:
                data = await self._transport.read()
                for item in self._decoder.feed(data):
                    if isinstance(item, BadFrame):
                        log.debug("dropped a bad frame from the board: %s", item.reason)
                    else:
                        self._dispatch(item)
        except TransportClosedError as exc:
            reason = str(exc)
        except Exception:
            log.exception("dispenser link reader crashed")
            reason = "reader crashed"
        finally:
            self._mark_closed(reason)

    def _mark_closed(self, reason: str) -> None:
        if not self._closed.is_set():
            self.close_reason = reason
            self._closed.set()
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(TransportClosedError(reason))

    def _dispatch(self, frame: Frame) -> None:
        try:
            message = decode_message(frame.type, frame.payload)
        except MalformedMessageError as exc:
            log.debug("dropped an unreadable frame from the board: %s", exc)
            return
        if self._trace is not None:
            self._trace("rx", message)
        if frame.type in EVENTS:
            self._on_event(message)  # type: ignore[arg-type]
        elif frame.type in REPLIES:
            pending = self._pending
            if pending is not None and pending[0] == frame.seq and not pending[1].done():
                pending[1].set_result(message)  # type: ignore[arg-type]
            else:
                self.stale_replies += 1
                log.debug("dropped a stale reply (seq %d)", frame.seq)
        else:
            log.debug("dropped a request-type frame sent by the board (0x%02X)", frame.type)


class LinkSupervisor:
    """Keeps one :class:`DispenserProtocol` up until closed.

    It opens the link (``open_link``), runs ``on_up`` (identify the board, mark it READY),
    then polls the board with READ_STATUS every ``poll_interval``. A closed transport, a
    failing ``on_up`` or ``silent_polls`` failed polls in a row call ``on_down(reason)``, drop
    the link and reconnect with exponential backoff. :meth:`request_reidentify` runs ``on_up``
    again on the live link (after a board reset).
    """

    def __init__(
        self,
        *,
        open_link: Callable[[], Awaitable[DispenserProtocol]],
        on_up: Callable[[DispenserProtocol], Awaitable[None]],
        on_down: Callable[[str], None],
        poll_interval: float,
        silent_polls: int,
        reconnect_min: float,
        reconnect_max: float,
    ) -> None:
        self._open_link = open_link
        self._on_up = on_up
        self._on_down = on_down
        self._poll_interval = poll_interval
        self._silent_polls = silent_polls
        self._reconnect = (reconnect_min, reconnect_max)
        self.protocol: DispenserProtocol | None = None
        self._task: asyncio.Task[None] | None = None
        self._first_attempt = asyncio.Event()
        self._reidentify = asyncio.Event()

    async def start(self) -> None:
        """Start supervising; returns once the first connection attempt is over."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="dispenser-link-supervisor")
        await self._first_attempt.wait()

    def request_reidentify(self) -> None:
        self._reidentify.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drop()

    async def _drop(self) -> None:
        protocol, self.protocol = self.protocol, None
        if protocol is not None:
            await protocol.close()

    async def _run(self) -> None:
        delay = self._reconnect[0]
        while True:
            was_up = False
            try:
                was_up = await self._session()
            except HardwareError as exc:
                self._on_down(str(exc))
            except Exception:
                log.exception("dispenser link supervisor crashed; reconnecting")
                self._on_down("internal error")
            finally:
                await self._drop()
            self._first_attempt.set()
            if was_up:
                delay = self._reconnect[0]
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._reconnect[1])

    async def _session(self) -> bool:
        self.protocol = protocol = await self._open_link()
        self._reidentify.clear()
        await self._on_up(protocol)
        self._first_attempt.set()
        failures = 0
        while True:
            await self._wait_for_trouble(protocol)
            if protocol.closed:
                self._on_down(protocol.close_reason or "link closed")
                return True
            if self._reidentify.is_set():
                self._reidentify.clear()
                await self._on_up(protocol)
                continue
            try:
                await protocol.ask(ReadStatus(), Status)
                failures = 0
            except DispenserTimeoutError as exc:
                failures += 1
                if failures >= self._silent_polls:
                    self._on_down(f"board silent: {exc}")
                    return True

    async def _wait_for_trouble(self, protocol: DispenserProtocol) -> None:
        waits = {
            asyncio.ensure_future(protocol.wait_closed()),
            asyncio.ensure_future(self._reidentify.wait()),
        }
        try:
            await asyncio.wait(waits, timeout=self._poll_interval, return_when="FIRST_COMPLETED")
        finally:
            for task in waits:
                task.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
