"""The simulated terminal's link layer: framing, ACK/NAK, retransmission, wire-level faults.

:class:`WireModel` is the part of the simulated terminal every message shares: it decodes
frames, ACKs them (or NAKs / stays silent when a fault says so), answers a repeated frame with
the same reply frame again, and sends its own frames one at a time, retransmitting on NAK or ACK
timeout. Subclasses implement :meth:`WireModel._handle` (one request -> reply and events).
"""

from __future__ import annotations

import abc
import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable

from hardware.common.simulator import DeviceModel
from hardware.terminal import framing
from hardware.terminal.errors import TerminalInitError, TerminalMessageError
from hardware.terminal.messages import Message, Request, RequestRefused, decode, encode

log = logging.getLogger(__name__)


def refused(request_type: str, code: str, detail: str) -> RequestRefused:
    return RequestRefused(request_type=request_type, code=code, detail=detail)


JUNK = b"\x00\xffNOISE\x7f\x11\xfe"


class TerminalFault(enum.Enum):
    DECLINE = "decline"  # next payment declined at the reader
    NO_CARD = "no_card"  # next payment: the shopper never presents a card (terminal times out)
    NAK = "nak"  # NAK the next N frames received (without processing them)
    DROP_ACK = "drop_ack"  # process but do not ACK the next N frames received
    GARBAGE = "garbage"  # next N frames sent: junk first, then a corrupt copy, then on NAK clean
    DIE = "die"  # next payment: go silent after the card is presented, reboot after down_time
    PAN_IN_TOKEN = "pan"  # next token result carries a full card number in the token field
    TRACK_DATA = "track"  # next token result carries track 2 data in the token field
    IDENTITY_CHANGE = "identity_change"  # at the next status poll: reboot with a new serial


_ALIASES = {"timeout": TerminalFault.NO_CARD, "nak_frames": TerminalFault.NAK}


def parse_faults(spec: str) -> list[tuple[TerminalFault, int]]:
    """``"decline,nak:2"`` -> [(DECLINE, 1), (NAK, 2)]."""
    out: list[tuple[TerminalFault, int]] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, count = item.partition(":")
        try:
            fault = _ALIASES.get(name) or TerminalFault(name)
            out.append((fault, int(count) if count else 1))
        except ValueError:
            raise TerminalInitError(f"unknown terminal fault {item!r}") from None
    return out


class WireModel(DeviceModel):
    """Link layer of a simulated terminal; see the module docstring."""

    def __init__(self, *, reply_delay: float, ack_timeout: float, tries: int) -> None:
        super().__init__()
        self.reply_delay, self.ack_timeout, self.tries = reply_delay, ack_timeout, tries
        self.faults: dict[TerminalFault, int] = {}
        self.requests: list[Request] = []  # every request processed, for tests
        self._timers: set[asyncio.TimerHandle] = set()
        self._dead = False
        self._reset_wire()

    def _reset_wire(self) -> None:
        self._decoder = framing.FrameDecoder()
        self._rx_seq: int | None = None
        self._tx_seq: int | None = None
        self._last_reply: bytes | None = None
        self._outbox: deque[bytes] = deque()
        self._in_flight: bytes | None = None
        self._sent = 0
        self._ack_timer: asyncio.TimerHandle | None = None

    @abc.abstractmethod
    def _handle(self, message: Request) -> list[Message]:
        """The reply to ``message`` followed by any events it causes."""

    def inject(self, fault: TerminalFault, count: int = 1) -> None:
        """Arm ``fault`` for its next ``count`` occasions."""
        self.faults[fault] = self.faults.get(fault, 0) + count

    def clear_faults(self) -> None:
        self.faults.clear()

    def attach(self, send: Callable[[bytes], None] | None) -> None:
        super().attach(send)
        if send is None:
            self._cancel_timers()

    def _take(self, fault: TerminalFault) -> bool:
        left = self.faults.get(fault, 0)
        if left <= 0:
            return False
        self.faults[fault] = left - 1
        return True

    def _later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        def fire() -> None:
            self._timers.discard(handle)
            callback()

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)
        return handle

    def _cancel_timers(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self._ack_timer = None

    def data_received(self, data: bytes) -> None:
        if self._dead:
            return
        for token in self._decoder.feed(data):
            if isinstance(token, framing.Control):
                self._on_control(token)
            elif isinstance(token, framing.BadFrame):
                self.send(bytes([framing.NAK]))
            elif isinstance(token, framing.Frame):
                self._on_frame(token)

    def _on_frame(self, frame: framing.Frame) -> None:
        if self._take(TerminalFault.NAK):
            self.send(bytes([framing.NAK]))
            return
        if not self._take(TerminalFault.DROP_ACK):
            self.send(bytes([framing.ACK]))
        if framing.is_repeat(self._rx_seq, frame.seq):
            if self._last_reply is not None and self._last_reply not in self._outbox:
                self._queue_frame(self._last_reply)  # the same frame again: a repeat for the ECR
            return
        self._rx_seq = frame.seq
        try:
            message = decode(frame.payload)
        except TerminalMessageError as exc:
            log.debug("simulated terminal got a bad request: %s", exc)
            self._respond([refused("??", "BAD_REQUEST", "undecodable request")])
            return
        if not isinstance(message, Request):
            self._respond([refused(message.TYPE, "BAD_REQUEST", "not a request")])
            return
        self.requests.append(message)
        self._respond(self._handle(message))

    def _respond(self, messages: list[Message]) -> None:
        """Queue the reply (first) and any follow-up events after ``reply_delay``."""
        frames = [self._frame(m) for m in messages]
        self._last_reply = frames[0]
        if self.reply_delay > 0:
            self._later(self.reply_delay, lambda: self._queue_frames(frames))
        else:
            self._queue_frames(frames)

    def _frame(self, message: Message) -> bytes:
        self._tx_seq = framing.next_seq(self._tx_seq)
        return framing.encode_frame(self._tx_seq, encode(message))

    def _post(self, message: Message) -> None:
        self._queue_frame(self._frame(message))

    def _queue_frame(self, frame: bytes) -> None:
        self._queue_frames([frame])

    def _queue_frames(self, frames: list[bytes]) -> None:
        self._outbox.extend(frames)
        self._pump()

    def _pump(self) -> None:
        if self._in_flight is None and self._outbox and not self._dead:
            self._in_flight = self._outbox.popleft()
            self._sent = 0
            self._transmit()

    def _transmit(self) -> None:
        assert self._in_flight is not None
        self._sent += 1
        if self._sent == 1 and self._take(TerminalFault.GARBAGE):
            corrupt = self._in_flight[:-1] + bytes([self._in_flight[-1] ^ 0x5A])
            self.send(JUNK + corrupt)
        else:
            self.send(self._in_flight)
        self._ack_timer = self._later(self.ack_timeout, self._on_ack_timeout)

    def _on_ack_timeout(self) -> None:
        self._ack_timer = None
        self._retry_or_drop()

    def _on_control(self, control: framing.Control) -> None:
        if self._in_flight is None:
            return
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._timers.discard(self._ack_timer)
            self._ack_timer = None
        if control is framing.Control.ACK:
            self._in_flight = None
            self._pump()
        else:
            self._retry_or_drop()

    def _retry_or_drop(self) -> None:
        if self._sent < self.tries:
            self._transmit()
            return
        log.debug("simulated terminal gives up on a frame after %d tries", self._sent)
        self._in_flight = None
        self._pump()
