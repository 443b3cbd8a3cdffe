"""One command in flight to the serial scanner module; unsolicited scans kept apart from replies.

:class:`ScannerProtocol` owns a reader task over a ``ByteTransport``.
Replies (ACK/NAK) are matched to the command in flight by their sequence byte; anything else
that is a reply is stale and ignored. SCAN reports go to ``on_scan`` as they arrive, whatever
command is in flight. A command that gets no reply within ``command_timeout`` is resent
(same sequence byte) up to ``retries`` times, then fails with ScannerTimeoutError.

Tracing: ``trace_bytes`` sees whole frames and runs of discarded bytes, never raw chunks, and
anything shaped like card data is redacted first; ``trace_message`` sees decoded messages with
card-shaped scan data redacted likewise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Callable

from hardware.common.errors import TransportClosedError
from hardware.common.pan import contains_card_data, redact
from hardware.common.transport import ByteTransport, TraceHook
from hardware.scanner.errors import (
    ScannerCommandRejectedError,
    ScannerMessageError,
    ScannerTimeoutError,
    ScannerUnavailableError,
)
from hardware.scanner.framing import (
    HEADER_LEN,
    DeframedItem,
    Deframer,
    DiscardReason,
    Packet,
    encode_frame,
)
from hardware.scanner.messages import (
    Ack,
    Command,
    Message,
    Nak,
    ScanReport,
    decode_packet,
    encode_message,
)

log = logging.getLogger(__name__)

TraceMessageHook = Callable[[str, Message], None]
ScanHandler = Callable[[ScanReport], None]
GARBAGE_TRACE_CHUNK = 256
REDACTED = b"[REDACTED]"


# Discarded bytes have no known field boundaries: a card number glued to neighbouring digits
# ("]Q1" + number) hides in a longer run that fails the Luhn check, so every long digit run
# is masked in their trace.
_LONG_DIGIT_RUN = re.compile(rb"(?:[0-9][ -]?){12,}[0-9]")
_TRAILING_DIGITS = re.compile(rb"[0-9 -]+$")


def _scrub_discarded(data: bytes) -> bytes:
    masked = _LONG_DIGIT_RUN.sub(REDACTED, data)
    return redact(masked).encode("latin-1") if contains_card_data(masked) else masked


def _card_shaped(packet: Packet, raw: bytes) -> bool:
    # The payload alone too: a digit in the header or the AIM prefix ("]Q1") can hide a card
    # number inside a longer digit run that fails the Luhn check as a whole.
    parts = (raw, packet.payload, packet.payload[3:])
    return any(contains_card_data(part) for part in parts)


class ScannerProtocol:
    """Request/reply and unsolicited scans over one open transport (one connection's life)."""

    def __init__(
        self,
        transport: ByteTransport,
        *,
        on_scan: ScanHandler,
        command_timeout: float = 0.5,
        retries: int = 2,
        stall_timeout: float = 0.2,
        trace_bytes: TraceHook | None = None,
        trace_message: TraceMessageHook | None = None,
    ) -> None:
        self._transport = transport
        self._on_scan = on_scan
        self._timeout = command_timeout
        self._retries = retries
        self._stall_timeout = stall_timeout
        self._trace_bytes = trace_bytes
        self._trace_message = trace_message
        self._deframer = Deframer()
        self._lock = asyncio.Lock()
        self._seq = 0
        self._pending: tuple[int, asyncio.Future[Ack | Nak]] | None = None
        self._garbage = bytearray()
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self.lost_reason: str | None = None
        self.discarded: Counter[DiscardReason] = Counter()
        self.bad_messages = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    @property
    def is_lost(self) -> bool:
        return self._lost.is_set()

    async def wait_lost(self) -> str:
        """Wait until the connection is gone; returns why."""
        await self._lost.wait()
        return self.lost_reason or "closed"

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._transport.close()
        self._mark_lost("closed")

    # -- commands ----------------------------------------------------------------------------
    async def request(self, command: type[Command]) -> Ack:
        """Send ``command`` and return its ACK; NAK raises ScannerCommandRejectedError."""
        async with self._lock:
            self._seq = (self._seq + 1) & 0xFF
            message = command(self._seq)
            frame = encode_message(message)
            name = command.__name__.upper()
            for attempt in range(self._retries + 1):
                reply = await self._exchange(message, frame, attempt)
                if reply is None:
                    continue
                if isinstance(reply, Nak):
                    raise ScannerCommandRejectedError(name, reply.reason.name)
                return reply
            raise ScannerTimeoutError(f"no reply to {name} after {self._retries + 1} tries")

    async def _exchange(self, message: Command, frame: bytes, attempt: int) -> Ack | Nak | None:
        if self._lost.is_set():
            raise ScannerUnavailableError(f"scanner connection lost: {self.lost_reason}")
        future: asyncio.Future[Ack | Nak] = asyncio.get_running_loop().create_future()
        self._pending = (message.seq, future)
        try:
            self._trace("tx", frame, message)
            try:
                self._transport.write(frame)
                await self._transport.drain()
            except TransportClosedError as exc:
                raise ScannerUnavailableError(f"scanner connection lost: {exc}") from None
            try:
                async with asyncio.timeout(self._timeout):
                    return await future
            except TimeoutError:
                log.debug("no reply to %r (try %d)", message, attempt + 1)
                return None
        finally:
            self._pending = None

    # -- receiving ---------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        reason = "closed"
        try:
            while True:
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel.
                    async with asyncio.timeout(
                        self._stall_timeout if self._deframer.pending else None
                    ):
                        data = await self._transport.read()
                except TimeoutError:
                    self._handle(self._deframer.flush_stalled())
                    self._flush_garbage()
                    continue
                self._handle(self._deframer.feed(data))
        except TransportClosedError as exc:
            reason = str(exc)
        except Exception:
            log.exception("scanner reader task failed")
            reason = "reader task failed"
        finally:
            self._mark_lost(reason)

    def _mark_lost(self, reason: str) -> None:
        if self._lost.is_set():
            return
        self.lost_reason = reason
        self._lost.set()
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(
                ScannerUnavailableError(f"scanner connection lost: {reason}")
            )

    def _handle(self, items: list[DeframedItem]) -> None:
        for item in items:
            if isinstance(item, Packet):
                self._flush_garbage()
                self._handle_packet(item)
            else:
                self.discarded[item.reason] += len(item.data)
                self._garbage += item.data
                if len(self._garbage) >= GARBAGE_TRACE_CHUNK:
                    self._flush_garbage(keep_digit_tail=True)

    def _flush_garbage(self, *, keep_digit_tail: bool = False) -> None:
        """Trace the discarded bytes collected so far. ``keep_digit_tail`` holds back a
        trailing digit run so a number is never cut in two traces too short to be masked."""
        end = len(self._garbage)
        if keep_digit_tail:
            tail = _TRAILING_DIGITS.search(self._garbage)
            if tail is not None and tail.start() > 0:
                end = tail.start()
        if end:
            chunk = bytes(self._garbage[:end])
            del self._garbage[:end]
            log.debug("scanner: discarded %d bytes", len(chunk))
            if self._trace_bytes is not None:
                self._trace_bytes("rx", _scrub_discarded(chunk))

    def _handle_packet(self, packet: Packet) -> None:
        raw = encode_frame(packet.kind, packet.payload)
        sensitive = _card_shaped(packet, raw)
        try:
            message = decode_packet(packet)
        except ScannerMessageError as exc:
            self.bad_messages += 1
            log.warning("scanner: undecodable packet 0x%02X: %s", packet.kind, exc)
            self._trace_rx(raw, None, sensitive=sensitive)
            return
        self._trace_rx(raw, message, sensitive=sensitive)
        if isinstance(message, ScanReport):
            self._on_scan(message)
        elif isinstance(message, Ack | Nak):
            pending = self._pending
            if pending is not None and pending[0] == message.seq and not pending[1].done():
                pending[1].set_result(message)
            else:
                log.debug("scanner: stale reply %r", message)
        else:
            log.warning("scanner: unexpected %s from the module", type(message).__name__)

    def _trace(self, direction: str, raw: bytes, message: Message) -> None:
        if self._trace_bytes is not None:
            self._trace_bytes(direction, raw)
        if self._trace_message is not None:
            self._trace_message(direction, message)

    def _trace_rx(self, raw: bytes, message: Message | None, *, sensitive: bool) -> None:
        if sensitive:
            raw = raw[:HEADER_LEN] + REDACTED + raw[-3:]
            if isinstance(message, ScanReport):
                message = dataclasses.replace(message, data=REDACTED)
            else:
                message = None
        if self._trace_bytes is not None:
            self._trace_bytes("rx", raw)
        if self._trace_message is not None and message is not None:
            self._trace_message("rx", message)
