"""A byte-level simulator of the tokenizing payment terminal, with fault injection.

:class:`TerminalModel` speaks the same frames as the real terminal (ACK/NAK, retransmission,
repeated-frame handling, unsolicited events). Card behaviour (brand, last 4, token generation),
delays and identity are configurable; faults are armed at runtime with
:meth:`TerminalModel.inject` or through ``sim://?fault=...`` (see :func:`parse_faults`) and are
consumed at their natural moment (the next payment, the next frames, the next status poll).
:func:`create_simulator` returns a not-yet-started ``SimulatorServer``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import string
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import parse_qsl

from hardware.cardreader import ReaderIdentity
from hardware.common.simulator import SimulatorServer
from hardware.terminal.errors import TerminalInitError
from hardware.terminal.messages import (
    CancelAccepted,
    CancelPayment,
    CardWasPresented,
    GetStatus,
    Identify,
    IdentityReport,
    Message,
    PaymentAccepted,
    PaymentDidTimeOut,
    PaymentWasCancelled,
    PaymentWasDeclined,
    ReportVend,
    Request,
    StartPayment,
    StatusReport,
    TerminalDidBoot,
    TerminalStatus,
    TokenWasIssued,
    VendAcknowledged,
)
from hardware.terminal.simwire import TerminalFault, WireModel, parse_faults, refused

log = logging.getLogger(__name__)

TEST_PAN = "4111111111111111"  # the well-known Visa test number (Luhn-valid)
TEST_TRACK2 = ";4111111111111111=25121010000000000000?"
DEFAULT_IDENTITY = ReaderIdentity("Acme Payments", "AP-700", "SN0001", "1.4.2")


def _letters_token(payment_id: str) -> str:
    # Letters only: a random run of digits could look like a card number and trip the canary.
    return "tok_" + "".join(secrets.choice(string.ascii_letters) for _ in range(24))


class TerminalModel(WireModel):
    """The terminal's behaviour on the wire; see the module docstring."""

    def __init__(
        self,
        *,
        identity: ReaderIdentity = DEFAULT_IDENTITY,
        brand: str = "VISA",
        last4: str = "4242",
        token_factory: Callable[[str], str] = _letters_token,
        decline_reason: str = "CARD_REMOVED",
        present_delay: float = 0.05,
        processing_delay: float = 0.05,
        reply_delay: float = 0.0,
        ack_timeout: float = 0.2,
        tries: int = 3,
        down_time: float = 0.5,
    ) -> None:
        super().__init__(reply_delay=reply_delay, ack_timeout=ack_timeout, tries=tries)
        self.identity = identity
        self.brand, self.last4, self.token_factory = brand, last4, token_factory
        self.decline_reason = decline_reason
        self.present_delay, self.processing_delay = present_delay, processing_delay
        self.down_time = down_time
        self._refs = itertools.count(1)
        self._reset()

    def _reset(self) -> None:
        self._reset_wire()
        self._payment: StartPayment | None = None
        self._status = TerminalStatus.IDLE
        self._tokenized: set[str] = set()

    def _handle(self, message: Request) -> list[Message]:
        if isinstance(message, Identify):
            i = self.identity
            return [
                IdentityReport(
                    manufacturer=i.manufacturer, model=i.model, serial=i.serial, firmware=i.firmware
                )
            ]
        if isinstance(message, GetStatus):
            if self._take(TerminalFault.IDENTITY_CHANGE):
                self.identity = replace(self.identity, serial=self.identity.serial + "X")
                self._boot()
            pid = self._payment.payment_id if self._payment else ""
            return [StatusReport(self._status, pid)]
        if isinstance(message, StartPayment):
            return self._start_payment(message)
        if isinstance(message, CancelPayment):
            return self._cancel(message.payment_id)
        if message.payment_id in self._tokenized:
            self._tokenized.discard(message.payment_id)
            return [VendAcknowledged(message.payment_id)]
        return [refused(ReportVend.TYPE, "UNKNOWN_PAYMENT", "no such tokenized payment")]

    def _start_payment(self, message: StartPayment) -> list[Message]:
        if self._payment is not None:
            return [refused(message.TYPE, "BUSY", "a payment is in progress")]
        self._payment = message
        self._status = TerminalStatus.WAITING_CARD
        pid = message.payment_id
        self._later(message.timeout_ms / 1000, lambda: self._shopper_timeout(pid))
        if not self._take(TerminalFault.NO_CARD):
            self._later(self.present_delay, lambda: self._card_presented(pid))
        return [PaymentAccepted(pid)]

    def _current(self, pid: str, status: TerminalStatus) -> bool:
        return (
            self._payment is not None
            and self._payment.payment_id == pid
            and (self._status is status)
        )

    def _shopper_timeout(self, pid: str) -> None:
        if self._current(pid, TerminalStatus.WAITING_CARD):
            self._end_payment()
            self._post(PaymentDidTimeOut(pid))

    def _card_presented(self, pid: str) -> None:
        if not self._current(pid, TerminalStatus.WAITING_CARD):
            return
        self._status = TerminalStatus.PROCESSING
        self._post(CardWasPresented(pid))
        if self._take(TerminalFault.DIE):
            self._die()
        else:
            self._later(self.processing_delay, lambda: self._finish(pid))

    def _finish(self, pid: str) -> None:
        if not self._current(pid, TerminalStatus.PROCESSING):
            return
        self._end_payment()
        if self._take(TerminalFault.DECLINE):
            self._post(PaymentWasDeclined(pid, self.decline_reason))
            return
        token = self.token_factory(pid)
        if self._take(TerminalFault.PAN_IN_TOKEN):
            token = TEST_PAN
        elif self._take(TerminalFault.TRACK_DATA):
            token = TEST_TRACK2
        else:
            self._tokenized.add(pid)
        reference = f"R{next(self._refs):06d}"
        self._post(
            TokenWasIssued(
                payment_id=pid, token=token, brand=self.brand, last4=self.last4, reference=reference
            )
        )

    def _cancel(self, pid: str) -> list[Message]:
        if not self._current(pid, TerminalStatus.WAITING_CARD):
            return [CancelAccepted(pid, False)]
        self._end_payment()
        return [CancelAccepted(pid, True), PaymentWasCancelled(pid)]

    def _end_payment(self) -> None:
        self._payment = None
        self._status = TerminalStatus.IDLE

    # -- dying and booting -------------------------------------------------------------------
    def _die(self) -> None:
        log.info("simulated terminal dies for %.2f s", self.down_time)
        self._dead = True
        self._cancel_timers()
        self._reset()
        asyncio.get_running_loop().call_later(self.down_time, self._come_back)

    def _come_back(self) -> None:
        self._dead = False
        self._boot()

    def _boot(self) -> None:
        self._cancel_timers()
        self._reset()
        self._post(TerminalDidBoot())


_FLOAT_OPTIONS = ("present_delay", "processing_delay", "reply_delay", "ack_timeout", "down_time")
_TEXT_OPTIONS = ("manufacturer", "model", "serial", "firmware", "brand", "last4", "fault")


def create_simulator(
    *,
    fault: str = "",
    manufacturer: str = DEFAULT_IDENTITY.manufacturer,
    model: str = DEFAULT_IDENTITY.model,
    serial: str = DEFAULT_IDENTITY.serial,
    firmware: str = DEFAULT_IDENTITY.firmware,
    brand: str = "VISA",
    last4: str = "4242",
    present_delay: float = 0.05,
    processing_delay: float = 0.05,
    reply_delay: float = 0.0,
    ack_timeout: float = 0.2,
    down_time: float = 0.5,
) -> SimulatorServer:
    """A terminal simulator (not started); ``fault`` as in :func:`parse_faults`."""
    terminal = TerminalModel(identity=ReaderIdentity(manufacturer, model, serial, firmware))
    terminal.brand, terminal.last4 = brand, last4
    terminal.present_delay, terminal.processing_delay = present_delay, processing_delay
    terminal.reply_delay, terminal.ack_timeout, terminal.down_time = (
        reply_delay,
        ack_timeout,
        down_time,
    )
    for kind, count in parse_faults(fault):
        terminal.inject(kind, count)
    return SimulatorServer(terminal, name="payment terminal")


def create_simulator_from_query(query: str) -> SimulatorServer:
    """The simulator for the query part of a ``sim://?...`` URL."""
    texts: dict[str, str] = {}
    floats: dict[str, float] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in _TEXT_OPTIONS:
            texts[key] = f"{texts[key]},{value}" if key == "fault" and key in texts else value
        elif key in _FLOAT_OPTIONS:
            try:
                floats[key] = float(value)
            except ValueError:
                raise TerminalInitError(f"sim option {key} is not a number") from None
        else:
            raise TerminalInitError(f"unknown sim option {key!r}")
    return create_simulator(**texts, **floats)  # type: ignore[arg-type]
