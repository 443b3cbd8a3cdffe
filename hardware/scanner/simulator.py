"""A byte-level simulator of the serial 2D scan engine, with fault injection.

:class:`ScannerModel` speaks the protocol of :mod:`hardware.scanner.messages`: it answers
IDENTIFY/ENABLE/DISABLE/TRIGGER/PING with ACK (or NAK) and sends SCAN reports when
:meth:`ScannerSimulator.scan` is called (a shopper holding a code in front of the window) or on
TRIGGER when a code is :meth:`ScannerModel.present`-ed. :class:`ScannerSimulator` serves it on a
pty or TCP and sets faults at runtime (:meth:`ScannerSimulator.set_fault`) or from a
``sim://?fault=...`` URL. Faults (:class:`ScannerFault`):

* ``garbage``: random bytes (stray STX and fake headers included) around every frame;
* ``split``: every frame dribbles out a few bytes at a time;
* ``nak``: every command is answered NAK BUSY;
* ``silent``: input swallowed, nothing sent (a hung module);
* ``unplug``: the cable is pulled (TCP: connection dropped and refused; pty: silent);
* ``card``: every scan carries a card number instead of the presented code;
* ``oversized``: every scan is sent as a frame declaring more than the protocol maximum.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random

from hardware.common.simulator import DeviceModel, Sender, SimulatorServer
from hardware.scanner.errors import ScannerInitError, ScannerMessageError
from hardware.scanner.framing import MAX_PAYLOAD, STX, Deframer, Packet, encode_frame, header_check
from hardware.scanner.messages import (
    Ack,
    Command,
    Disable,
    Enable,
    Identify,
    Message,
    Nak,
    NakReason,
    ScannerIdentity,
    ScanReport,
    Trigger,
    decode_packet,
    encode_message,
)
from hardware.scanner.symbology import Symbology, to_aim

log = logging.getLogger(__name__)

TEST_CARD_NUMBER = "4111 1111 1111 1111"  # a well-known test PAN (passes Luhn)
SPLIT_CHUNK = 3
SPLIT_GAP = 0.002
SIMULATOR_OPTIONS = frozenset({"fault", "model", "serial", "firmware", "scan", "interval", "seed"})


class ScannerFault(enum.Enum):
    NONE = "none"
    GARBAGE = "garbage"
    SPLIT = "split"
    NAK = "nak"
    SILENT = "silent"
    UNPLUG = "unplug"
    CARD = "card"
    OVERSIZED = "oversized"


class ScannerModel(DeviceModel):
    """The scan engine's behaviour on the wire."""

    def __init__(self, identity: ScannerIdentity, *, seed: int = 0) -> None:
        super().__init__()
        self.identity = identity
        self.enabled = False
        self.fault = ScannerFault.NONE
        self.presented: tuple[str | bytes, Symbology] | None = None
        self.received: list[Message] = []  # every command decoded, for tests and debugging
        self._deframer = Deframer()
        self._random = random.Random(seed)
        self._drip: list[asyncio.TimerHandle] = []
        self._drip_at = 0.0

    def attach(self, send: Sender | None) -> None:
        super().attach(send)
        if send is None:
            for handle in self._drip:
                handle.cancel()
            self._drip.clear()

    def present(self, text: str | bytes | None, symbology: Symbology = Symbology.QR_CODE) -> None:
        """Put a code in front of the window (read on TRIGGER); None takes it away."""
        self.presented = None if text is None else (text, symbology)

    def data_received(self, data: bytes) -> None:
        for item in self._deframer.feed(data):
            if not isinstance(item, Packet):
                continue  # the module ignores what it cannot frame, as a real one does
            try:
                message = decode_packet(item)
            except ScannerMessageError:
                self._send_message(Nak(item.payload[0] if item.payload else 0, NakReason.OTHER))
                continue
            self.received.append(message)
            if isinstance(message, Command):
                self._on_command(message)

    def _on_command(self, command: Command) -> None:
        if self.fault is ScannerFault.NAK:
            self._send_message(Nak(command.seq, NakReason.BUSY))
            return
        if isinstance(command, Identify):
            self._send_message(Ack(command.seq, self.identity.encode()))
            return
        if isinstance(command, Enable | Disable):
            self.enabled = isinstance(command, Enable)
        elif isinstance(command, Trigger):
            if not self.enabled:
                self._send_message(Nak(command.seq, NakReason.DISABLED))
                return
            self._send_message(Ack(command.seq))
            if self.presented is not None:
                self.scan(*self.presented)
            return
        self._send_message(Ack(command.seq))

    def scan(self, text: str | bytes, symbology: Symbology = Symbology.QR_CODE) -> bool:
        """Decode ``text`` now and report it; False (nothing sent) while disabled."""
        if not self.enabled:
            return False
        data = text.encode("utf-8") if isinstance(text, str) else text
        if self.fault is ScannerFault.CARD:
            data = b"LOYALTY " + TEST_CARD_NUMBER.encode("ascii")
        if self.fault is ScannerFault.OVERSIZED:
            self._send_frame(self._oversized_frame(data))
            return True
        self._send_message(ScanReport(to_aim(symbology), data))
        return True

    def _oversized_frame(self, data: bytes) -> bytes:
        length = MAX_PAYLOAD + 1 + len(data)
        kind = 0x53
        head = bytes([STX, kind, length >> 8, length & 0xFF, header_check(kind, length)])
        return head + b"]Q1" + data * (length // max(len(data), 1) + 1)

    def _send_message(self, message: Message) -> None:
        self._send_frame(encode_message(message))

    def _send_frame(self, frame: bytes) -> None:
        if self.fault is ScannerFault.GARBAGE:
            frame = self._garbage() + frame + self._garbage()
        if self.fault is ScannerFault.SPLIT:
            self._dribble(frame)
        else:
            self.send(frame)

    def _garbage(self) -> bytes:
        noise = bytes(self._random.randrange(256) for _ in range(self._random.randrange(1, 12)))
        fake = encode_frame(0x53, b"]Q1ghost")[: self._random.randrange(1, 10)]  # cut short
        return noise + bytes([STX]) + fake

    def _dribble(self, frame: bytes) -> None:
        loop = asyncio.get_running_loop()
        self._drip_at = max(self._drip_at, loop.time())
        self._drip = [h for h in self._drip if not h.cancelled() and h.when() > loop.time()]
        for i in range(0, len(frame), SPLIT_CHUNK):
            self._drip_at += SPLIT_GAP
            chunk = frame[i : i + SPLIT_CHUNK]
            self._drip.append(loop.call_at(self._drip_at, self.send, chunk))


class ScannerSimulator(SimulatorServer):
    """A :class:`SimulatorServer` for the scan engine, with runtime faults and auto-scan."""

    model: ScannerModel

    def __init__(self, model: ScannerModel, *, autoscan: str | None, interval: float) -> None:
        super().__init__(model, name="loyalty scanner")
        self.model = model
        self.fault = ScannerFault.NONE
        self._autoscan = autoscan
        self._interval = interval
        self._autoscan_task: asyncio.Task[None] | None = None

    def set_fault(self, fault: ScannerFault | str) -> None:
        """Switch to ``fault`` (``ScannerFault.NONE`` clears; unplug is undone by replug)."""
        fault = ScannerFault(fault)
        self.fault = fault
        self.model.fault = fault
        self.silent = fault is ScannerFault.SILENT
        if fault is ScannerFault.UNPLUG:
            self.unplug()
        else:
            self.replug()
        log.info("scanner simulator fault: %s", fault.value)

    def scan(self, text: str | bytes, symbology: Symbology = Symbology.QR_CODE) -> bool:
        """A shopper shows ``text`` to the module; False when the module is disabled."""
        return self.model.scan(text, symbology)

    async def start_pty(self) -> str:
        path = await super().start_pty()
        self._start_autoscan()
        return path

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        url = await super().start_tcp(host, port)
        self._start_autoscan()
        return url

    def _start_autoscan(self) -> None:
        if self._autoscan is not None and self._autoscan_task is None:
            self._autoscan_task = asyncio.get_running_loop().create_task(self._autoscan_loop())

    async def _autoscan_loop(self) -> None:
        assert self._autoscan is not None
        while True:
            await asyncio.sleep(self._interval)
            self.model.scan(self._autoscan)

    async def close(self) -> None:
        if self._autoscan_task is not None:
            self._autoscan_task.cancel()
            await asyncio.gather(self._autoscan_task, return_exceptions=True)
            self._autoscan_task = None
        await super().close()


def create_simulator(
    *,
    fault: ScannerFault | str = ScannerFault.NONE,
    model: str = "SIM-2D100",
    serial: str = "SIM0001",
    firmware: str = "1.0.0",
    scan: str | None = None,
    interval: float | str = 5.0,
    seed: int | str = 0,
) -> ScannerSimulator:
    """A scanner simulator, not yet started. ``scan``: text shown to the module every
    ``interval`` seconds (a demo shopper); all options may be strings (from a URL query)."""
    try:
        start_fault = ScannerFault(fault)
        period, rng_seed = float(interval), int(seed)
    except ValueError as exc:
        raise ScannerInitError(f"bad scanner simulator option: {exc}") from None
    identity = ScannerIdentity(model=model, serial=serial, firmware=firmware)
    simulator = ScannerSimulator(
        ScannerModel(identity, seed=rng_seed), autoscan=scan, interval=period
    )
    simulator.set_fault(start_fault)
    return simulator
