"""The MDB bus as the VMC (bus master) drives it: one command in flight, replies, retries.

:class:`MdbBus` owns the bridge port and is shared by every cashless address on it (10H and
60H side by side). :meth:`MdbBus.transact` sends one command and returns the reader's replies:

* each attempt holds the bus lock, sends the block, waits ``reply_timeout`` for the answer,
  asks once for a retransmission (RET) after a bad checksum, and ACKs a data reply;
* NAK, silence and bad blocks are retried until ``retry_for`` (the MDB non-response time)
  has passed, then :class:`MdbTimeoutError` is raised; the lock is released between attempts
  so a silent reader does not starve the other address;
* frames arriving while no command is in flight (late replies, noise) are kept apart from
  replies: they are dropped before the next command and counted in ``stale_frames``.

The bus (not the transport) feeds the trace hooks, because only it can see card data inside
bridge frames: received frames holding card-shaped data are traced as ``[REDACTED]``, and bytes
outside frames (``rx-garbage``) with every ASCII digit masked as ``#``, whichever hook gets them.
With ``trace_by_address`` each reader on the shared line has a trace of its own: the bytes of a
transaction (the command, whose address byte names the reader, the reply, our RET and ACK, and
any noise meanwhile) go to that address's hook. Bytes that belong to no reader go to
``trace_bytes``: what arrives between transactions (garbage before a command, a reply too late
for its attempt: replies carry no address) and transactions to an address without a hook.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from hardware.common.errors import TransportClosedError
from hardware.common.pan import contains_card_data
from hardware.common.transport import ByteTransport, TraceHook
from hardware.mdb import framing
from hardware.mdb.errors import MdbFramingError, MdbNakError, MdbTimeoutError, MdbUnavailableError
from hardware.mdb.messages import Command, Response, decode_responses, encode_command
from hardware.mdb.transport import BRIDGE_BAUDRATE, open_bridge

log = logging.getLogger(__name__)

MessageTraceHook = Callable[[str, object], None]
AddressTraces = Mapping[int, TraceHook]  # MDB address -> the trace hook of that reader
CloseHook = Callable[[], Awaitable[None]]

_RETRY_PAUSE = 0.01
_MASK_DIGITS = bytes(0x23 if 0x30 <= b <= 0x39 else b for b in range(256))


class MdbBus:
    """One MDB bus behind one bridge port; opened lazily, reopened after the port is lost."""

    def __init__(
        self,
        url: str,
        *,
        reply_timeout: float = 0.2,
        baudrate: int = BRIDGE_BAUDRATE,
        trace_bytes: TraceHook | None = None,
        trace_by_address: AddressTraces | None = None,
        trace_message: MessageTraceHook | None = None,
        on_close: CloseHook | None = None,
    ) -> None:
        self.url = url
        self.reply_timeout = reply_timeout
        self._baudrate = baudrate
        self._trace_bytes = trace_bytes  # the bytes of no reader (every byte, if alone)
        self._trace_by_address = dict(trace_by_address or {})
        self._tracing = trace_bytes  # the hook of the transaction in flight, else trace_bytes
        self._trace_message = trace_message
        self._on_close = on_close
        self._lock = asyncio.Lock()
        self._transport: ByteTransport | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._frames: asyncio.Queue[tuple[int, ...] | None] = asyncio.Queue()
        self._decoder = framing.BridgeDecoder()
        self._users = 0
        self._closed = False
        self.stale_frames = 0

    # -- lifetime --------------------------------------------------------------------------
    def acquire(self) -> None:
        """Register one more user (a reader); the bus closes when the last one releases it."""
        self._users += 1

    async def release(self) -> None:
        self._users -= 1
        if self._users <= 0:
            await self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def dropped_bytes(self) -> int:
        return self._decoder.dropped_bytes

    @property
    def bad_frames(self) -> int:
        return self._decoder.bad_frames

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._drop_transport()
        if self._on_close is not None:
            await self._on_close()

    async def _drop_transport(self) -> None:
        task, transport = self._reader_task, self._transport
        self._reader_task = self._transport = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if transport is not None:
            await transport.close()

    async def _ensure_open(self) -> ByteTransport:
        if self._closed:
            raise MdbUnavailableError("the MDB bus is closed")
        task = self._reader_task
        if self._transport is not None and self._transport.is_open and task and not task.done():
            return self._transport
        await self._drop_transport()
        transport = await open_bridge(self.url, baudrate=self._baudrate)
        self._transport = transport
        self._decoder = framing.BridgeDecoder()
        self._frames = asyncio.Queue()
        self._reader_task = asyncio.create_task(self._read_loop(transport, self._frames))
        return transport

    async def _read_loop(
        self, transport: ByteTransport, frames: asyncio.Queue[tuple[int, ...] | None]
    ) -> None:
        try:
            while True:
                data = await transport.read()
                for words in self._decoder.feed(data):
                    self._trace_rx_frame(words)
                    frames.put_nowait(words)
                garbage = self._decoder.take_garbage()
                if garbage and self._tracing is not None:
                    # noise may split a card number across reads: mask every digit
                    self._tracing("rx-garbage", garbage.translate(_MASK_DIGITS))
        except TransportClosedError as exc:
            log.debug("MDB bridge %s closed: %s", self.url, exc)
        except Exception:  # task root: log, the next transact reopens the port
            log.exception("MDB bus reader on %s failed", self.url)
        finally:
            frames.put_nowait(None)

    # -- tracing ---------------------------------------------------------------------------
    def _trace_rx_frame(self, words: tuple[int, ...]) -> None:
        if self._tracing is None:
            return
        if contains_card_data(bytes(w & 0xFF for w in words)):
            self._tracing("rx", b"[REDACTED]")
        else:
            self._tracing("rx", framing.encode_bridge_frame(words))

    def _trace(self, direction: str, message: object) -> None:
        if self._trace_message is not None:
            self._trace_message(direction, message)

    def _write(self, transport: ByteTransport, words: tuple[int, ...]) -> None:
        frame = framing.encode_bridge_frame(words)
        if self._tracing is not None:
            self._tracing("tx", frame)
        transport.write(frame)

    # -- commands --------------------------------------------------------------------------
    async def transact(
        self, address: int, command: Command, *, retry_for: float
    ) -> tuple[Response, ...]:
        """Send ``command`` to ``address``; return its replies (empty for a plain ACK).

        Retries NAK, silence and bad blocks until ``retry_for`` seconds have passed, then raises
        MdbTimeoutError. TransportClosedError / MdbUnavailableError mean the port is gone.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + retry_for
        while True:
            try:
                return await self._attempt(address, command)
            except (MdbTimeoutError, MdbNakError, MdbFramingError) as exc:
                last = exc
            if loop.time() >= deadline:
                name = type(command).__name__
                raise MdbTimeoutError(
                    f"{name} to {address:02X}H: no valid answer within {retry_for:g} s ({last})"
                )
            if not isinstance(last, MdbTimeoutError):
                await asyncio.sleep(_RETRY_PAUSE)

    async def _attempt(self, address: int, command: Command) -> tuple[Response, ...]:
        async with self._lock:
            transport = await self._ensure_open()
            while not self._frames.empty():
                if self._frames.get_nowait() is None:
                    raise TransportClosedError("MDB bridge port lost")
                self.stale_frames += 1
            self._trace("tx", command)
            self._tracing = self._trace_by_address.get(address, self._trace_bytes)
            try:
                reply = await self._exchange(transport, address, command)
            finally:
                self._tracing = self._trace_bytes
        if reply is None:
            return ()
        responses = decode_responses(reply.data)
        for response in responses:
            self._trace("rx", response)
        return responses

    async def _exchange(
        self, transport: ByteTransport, address: int, command: Command
    ) -> framing.Block | None:
        """One attempt's bytes: the command, the reply (RET once), our ACK; None for an ACK."""
        self._write(transport, framing.encode_vmc_block(encode_command(address, command)))
        await transport.drain()
        reply = await self._reply(transport)
        if isinstance(reply, framing.ControlWord):
            self._trace("rx", reply)
            if reply.code == framing.ACK:
                return None
            if reply.code == framing.NAK:
                raise MdbNakError(f"{address:02X}H answered NAK")
            raise MdbFramingError(f"{address:02X}H answered control word {reply.code:02X}H")
        self._write(transport, framing.encode_vmc_control(framing.ACK))
        await transport.drain()
        return reply

    async def _reply(self, transport: ByteTransport) -> framing.ControlWord | framing.Block:
        try:
            return framing.decode_from_peripheral(await self._next_frame())
        except MdbFramingError:
            self._write(transport, framing.encode_vmc_control(framing.RET))
            await transport.drain()
        return framing.decode_from_peripheral(await self._next_frame())

    async def _next_frame(self) -> tuple[int, ...]:
        try:
            async with asyncio.timeout(self.reply_timeout):
                words = await self._frames.get()
        except TimeoutError:
            raise MdbTimeoutError("no answer") from None
        if words is None:
            raise TransportClosedError("MDB bridge port lost")
        return words
