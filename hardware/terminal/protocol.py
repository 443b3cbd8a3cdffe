"""The terminal link: one request in flight, ACK/NAK with bounded retransmission, replies kept
apart from unsolicited events, and the card-number canary on every byte the terminal sends.

:class:`TerminalProtocol` owns a reader task over a :class:`ByteTransport`. ``request()`` sends
a frame, retransmits it on NAK or ACK timeout (``tries`` transmissions in all), then waits for
the matching reply; a reply arriving before the ACK counts as the ACK. Frames from the terminal
are ACKed (NAKed when broken), repeats are dropped, and events go to ``on_inbound``.

Card-data canary: any frame, broken frame or garbage run holding something shaped like a card
number or track data is rejected (ACKed so the terminal does not resend it, never decoded) and
reported as a :class:`ProtocolFault` with code ``CARD_DATA``; logs, faults and exceptions name
only the message type and field number. ``trace_bytes`` then receives the frame with the
offending fields replaced by ``[REDACTED]`` and every remaining long digit run masked with ``#``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from hardware.common.errors import TransportClosedError
from hardware.common.pan import contains_card_data
from hardware.common.transport import ByteTransport, TraceHook
from hardware.terminal import framing
from hardware.terminal.errors import (
    TerminalLinkError,
    TerminalMessageError,
    TerminalTimeoutError,
    TerminalUnavailableError,
)
from hardware.terminal.messages import (
    EXPECTED_REPLY,
    FS,
    Event,
    Message,
    Reply,
    Request,
    RequestRefused,
    decode,
    encode,
)

log = logging.getLogger(__name__)

CARD_DATA = "CARD_DATA"
BAD_MESSAGE = "BAD_MESSAGE"
FS_BYTE = framing.FS
_DIGIT_RUN = re.compile(rb"(?:[0-9][ -]?){9,}[0-9]")


@dataclass(frozen=True)
class ProtocolFault:
    """Something the terminal sent that the link rejected (never holds card data)."""

    code: str
    detail: str


Inbound = Event | ProtocolFault
MessageTrace = Callable[[str, Message], None]


def scrub(raw: bytes) -> bytes:
    """``raw`` for a trace: card-bearing FS fields replaced, long digit runs masked."""
    parts = [b"[REDACTED]" if contains_card_data(p) else p for p in raw.split(bytes([FS_BYTE]))]
    joined = bytes([FS_BYTE]).join(parts)
    return _DIGIT_RUN.sub(lambda m: re.sub(rb"[0-9]", b"#", m.group()), joined)


def _card_fields(payload: bytes) -> list[int]:
    """Numbers (1 = message type) of the fields of ``payload`` holding card data."""
    return [i for i, part in enumerate(payload.split(FS.encode()), 1) if contains_card_data(part)]


class TerminalProtocol:
    """The link to one connected terminal; create one per opened transport."""

    def __init__(
        self,
        transport: ByteTransport,
        *,
        on_inbound: Callable[[Inbound], None],
        on_lost: Callable[[str], None],
        ack_timeout: float,
        reply_timeout: float,
        tries: int,
        trace_bytes: TraceHook | None = None,
        trace_message: MessageTrace | None = None,
    ) -> None:
        self._transport = transport
        self._on_inbound = on_inbound
        self._on_lost = on_lost
        self._ack_timeout = ack_timeout
        self._reply_timeout = reply_timeout
        self._tries = tries
        self._trace_bytes = trace_bytes
        self._trace_message = trace_message
        self._decoder = framing.FrameDecoder()
        self._lock = asyncio.Lock()
        self._tx_seq: int | None = None
        self._rx_seq: int | None = None
        self._ack: asyncio.Future[bool] | None = None
        self._reply: asyncio.Future[Reply] | None = None
        self._expected: type[Reply] | None = None
        self._task: asyncio.Task[None] | None = None
        self._lost: str | None = None
        self.retransmissions = 0
        self.garbage_bytes = 0

    @property
    def lost(self) -> str | None:
        """Why the link was lost, or None while it is up."""
        return self._lost

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    async def close(self) -> None:
        if self._task is not None:
            while not self._task.done():
                self._task.cancel()
                await asyncio.wait([self._task], timeout=1.0)
            self._task = None
        await self._transport.close()
        self._mark_lost("closed")

    # -- requests ----------------------------------------------------------------------------
    async def request(self, message: Request) -> Reply:
        """Send ``message`` and return its reply (or a RequestRefused).

        Raises TerminalLinkError (never ACKed), TerminalTimeoutError (ACKed, no reply) or
        TerminalUnavailableError (link lost or closed).
        """
        async with self._lock:
            self._check_up()
            self._tx_seq = framing.next_seq(self._tx_seq)
            frame = framing.encode_frame(self._tx_seq, encode(message))
            loop = asyncio.get_running_loop()
            self._reply = loop.create_future()
            self._expected = EXPECTED_REPLY[type(message)]
            try:
                await self._transmit(frame, message)
                try:
                    async with asyncio.timeout(self._reply_timeout):
                        return await asyncio.shield(self._reply)
                except TimeoutError:
                    raise TerminalTimeoutError(
                        f"terminal acknowledged {message.TYPE} but did not answer "
                        f"within {self._reply_timeout} s"
                    ) from None
            finally:
                for fut in (self._ack, self._reply):
                    if fut is not None and fut.done() and not fut.cancelled():
                        fut.exception()  # mark a link-lost exception as seen
                self._reply = self._ack = None
                self._expected = None

    async def _transmit(self, frame: bytes, message: Request) -> None:
        assert self._reply is not None
        loop = asyncio.get_running_loop()
        for attempt in range(1, self._tries + 1):
            self._check_up()
            self._ack = loop.create_future()
            self._write(frame)
            if self._trace_message is not None:
                self._trace_message("tx", message)
            try:
                async with asyncio.timeout(self._ack_timeout):
                    acked = await asyncio.shield(self._ack)
                if acked:
                    return
                why = "NAK"
            except TimeoutError:
                why = "no ACK"
            if self._reply.done():  # the reply came although the ACK was lost
                return
            self._check_up()
            if attempt < self._tries:
                self.retransmissions += 1
                log.info("terminal %s for %s (try %d): retransmitting", why, message.TYPE, attempt)
        raise TerminalLinkError(
            f"terminal did not acknowledge {message.TYPE} after {self._tries} tries"
        )

    def _check_up(self) -> None:
        if self._lost is not None:
            raise TerminalUnavailableError(f"terminal link lost: {self._lost}")

    def _write(self, data: bytes) -> None:
        if self._trace_bytes is not None:
            self._trace_bytes("tx", scrub(data) if contains_card_data(data) else data)
        try:
            self._transport.write(data)
        except TransportClosedError as exc:
            self._mark_lost(str(exc))
            raise TerminalUnavailableError(f"terminal link lost: {exc}") from None

    def _mark_lost(self, why: str) -> None:
        if self._lost is not None:
            return
        self._lost = why
        for fut in (self._ack, self._reply):
            if fut is not None and not fut.done():
                fut.set_exception(TerminalUnavailableError(f"terminal link lost: {why}"))
        if why != "closed":
            self._on_lost(why)

    # -- receiving ---------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self._transport.read()
                for token in self._decoder.feed(data):
                    self._handle(token)
        except TransportClosedError as exc:
            self._mark_lost(str(exc))
        except Exception:  # task root: log, then treat as a lost link so the device reconnects
            log.exception("terminal reader task failed")
            self._mark_lost("internal error in the reader task")

    def _handle(self, token: framing.Token) -> None:
        if isinstance(token, framing.Control):
            self._trace_rx(bytes([token.value]))
            if self._ack is not None and not self._ack.done():
                self._ack.set_result(token is framing.Control.ACK)
        elif isinstance(token, framing.Garbage):
            self.garbage_bytes += len(token.raw)
            self._trace_rx(scrub(token.raw))
            log.debug("ignored %d garbage bytes from the terminal", len(token.raw))
            self._canary(token.raw, "garbage")
        elif isinstance(token, framing.BadFrame):
            self._trace_rx(scrub(token.raw))
            log.info("broken frame from the terminal (%s): NAK", token.fault.value)
            self._send_control(framing.NAK)
            self._canary(token.raw, "broken frame")
        else:
            self._on_frame(token)

    def _canary(self, raw: bytes, what: str) -> bool:
        if not contains_card_data(raw):
            return False
        log.warning("terminal sent card-shaped data in a %s; rejected", what)
        self._on_inbound(ProtocolFault(CARD_DATA, f"terminal sent card-shaped data in a {what}"))
        return True

    def _on_frame(self, frame: framing.Frame) -> None:
        self._send_control(framing.ACK)
        fields = _card_fields(frame.payload)
        if fields or contains_card_data(frame.raw):
            self._trace_rx(scrub(frame.raw))
            kind = frame.payload[:2].decode("latin-1") if 1 not in fields else "?"
            where = f"field {', '.join(map(str, fields))}" if fields else "its framing"
            log.warning(
                "terminal sent card-shaped data in %s of a %r message; rejected", where, kind
            )
            self._on_inbound(
                ProtocolFault(CARD_DATA, f"card-shaped data in {where} of a {kind!r} message")
            )
            return
        self._trace_rx(frame.raw)
        if framing.is_repeat(self._rx_seq, frame.seq):
            log.debug("repeated terminal frame %d dropped", frame.seq)
            return
        self._rx_seq = frame.seq
        try:
            message = decode(frame.payload)
        except TerminalMessageError as exc:
            log.warning("undecodable message from the terminal: %s", exc)
            self._on_inbound(ProtocolFault(BAD_MESSAGE, str(exc)))
            return
        if self._trace_message is not None:
            self._trace_message("rx", message)
        if isinstance(message, Event):
            self._on_inbound(message)
        elif isinstance(message, Reply) and self._is_awaited(message):
            self._settle(message)
        else:
            log.info("unexpected %s from the terminal ignored", message.TYPE)

    def _is_awaited(self, message: Message) -> bool:
        if self._reply is None or self._reply.done() or self._expected is None:
            return False
        return isinstance(message, (self._expected, RequestRefused))

    def _settle(self, message: Reply) -> None:
        assert self._reply is not None
        self._reply.set_result(message)
        if self._ack is not None and not self._ack.done():
            self._ack.set_result(True)

    def _send_control(self, byte: int) -> None:
        try:
            self._write(bytes([byte]))
        except TerminalUnavailableError:
            log.debug("could not send 0x%02X: link lost", byte)

    def _trace_rx(self, data: bytes) -> None:
        if self._trace_bytes is not None:
            self._trace_bytes("rx", data)
