"""A simulated MDB bus with cashless readers at 10H and/or 60H, behind the bridge framing.

:class:`CashlessBusModel` is a DeviceModel: it decodes bridge frames from the driver, hands each
command to the :class:`SimulatedCashless` at its address (no answer for other addresses, as on a
real bus) and answers with bridge frames. Each simulated reader has an identity, funds, a
deny-above rule, a card delay, and one-shot faults (:class:`Fault`) armed at runtime with
:meth:`SimulatedCashless.arm` or by ``sim://?fault=decline,nak``. ``sales`` records what each
reader charged. :func:`create_simulator` builds the (not yet started) SimulatorServer.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from hardware.common.simulator import DeviceModel, SimulatorServer
from hardware.mdb import framing
from hardware.mdb import messages as msg
from hardware.mdb.errors import MdbFramingError

PAN_CANARY = "CARD 4111 1111 1111 1111"  # Luhn-valid test number: must never leave the driver


class Fault(enum.Enum):
    DECLINE = "decline"  # the next vend is denied
    NO_ANSWER = "no_answer"  # silent from the next VEND REQUEST for fault_duration
    NAK = "nak"  # the next two commands are NAKed
    GARBAGE = "garbage"  # the next three replies come with garbage, the first with a bad checksum
    DIE_MID_VEND = "die_mid_vend"  # silent right after the next approval, then JUST RESET
    OUT_OF_SEQUENCE = "out_of_sequence"  # the next VEND REQUEST is answered "out of sequence"
    NO_END_SESSION = "no_end_session"  # the next SESSION COMPLETE never gets END SESSION
    PAN_DISPLAY = "pan_display"  # a DISPLAY REQUEST with a card number before the next decision
    IDENTITY_CHANGE = "identity_change"  # at the next idle POLL: new serial and a reset
    REFUND_FAIL = "refund_fail"  # the next VEND FAILURE is followed by a refund-error malfunction


class SaleOutcome(enum.Enum):
    SUCCESS = "success"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"
    RESET_AS_SUCCESS = "reset_as_success"  # reset between VEND APPROVED and the vend report


@dataclass(frozen=True)
class SimulatedSale:
    item: int
    amount: int  # scaled MDB value charged
    outcome: SaleOutcome


class _Phase(enum.Enum):
    INACTIVE = "inactive"
    DISABLED = "disabled"
    ENABLED = "enabled"
    SESSION = "session"
    VEND = "vend"
    APPROVED = "approved"


Reply = bytes | int | None  # data block, control code, or silence

_GARBAGE = bytes((0x00, 0xFF, 0x7E, 0x01, 0x7D, 0x7D, 0x13, 0x7F, 0x55, 0x7E, 0x7F))


class SimulatedCashless:
    """One simulated cashless reader at one MDB address."""

    def __init__(
        self,
        address: int,
        *,
        identity: msg.PeripheralId | None = None,
        config: msg.ReaderConfig | None = None,
        funds: int = 0xFFFF,
        deny_above: int | None = None,
        card_delay: float = 0.05,
        fault_duration: float = 0.6,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.address = address
        self.identity = identity or msg.PeripheralId(
            "SIM", f"SIM0000000{address:02X}", "CASHLESS", 0x0102
        )
        self.config = config or msg.ReaderConfig()
        self.funds = funds
        self.deny_above = deny_above
        self.card_delay = card_delay
        self.fault_duration = fault_duration
        self.sales: list[SimulatedSale] = []
        self.commands: list[msg.Command] = []
        self._clock = clock
        self._armed: list[Fault] = []
        self._phase = _Phase.INACTIVE
        self._outbox: list[msg.Response] = [msg.JustReset()]
        self._unacked: bytes | None = None
        self._vend: msg.VendRequest | None = None
        self._vend_at = 0.0
        self._silent_until = 0.0
        self._reset_after_silence = False
        self._naks = 0
        self.garbage_replies = 0
        self._identity_generation = 0

    # -- faults ----------------------------------------------------------------------------
    def arm(self, fault: Fault) -> None:
        """Arm a one-shot fault (NAK and GARBAGE take effect at once)."""
        if fault is Fault.NAK:
            self._naks = 2
        elif fault is Fault.GARBAGE:
            self.garbage_replies = 3
        else:
            self._armed.append(fault)

    def _take(self, fault: Fault) -> bool:
        if fault in self._armed:
            self._armed.remove(fault)
            return True
        return False

    @property
    def in_session(self) -> bool:
        return self._phase in (_Phase.SESSION, _Phase.VEND, _Phase.APPROVED)

    # -- bus side --------------------------------------------------------------------------
    def on_control(self, code: int) -> Reply:
        """The VMC's ACK / RET / NAK for our last data reply."""
        if self._clock() < self._silent_until:
            return None
        if code == framing.ACK:
            self._unacked = None
            return None
        return self._unacked  # RET (or NAK): send the same data again

    def on_command(self, command: msg.Command) -> Reply:
        now = self._clock()
        if now < self._silent_until:
            return None
        if self._reset_after_silence:
            self._reset_after_silence = False
            self._reset()
        self.commands.append(command)
        if self._naks > 0:
            self._naks -= 1
            return framing.NAK
        reply = self._dispatch(command, now)
        if isinstance(reply, bytes):
            self._unacked = reply
        return reply

    def _data(self, *responses: msg.Response) -> bytes:
        return b"".join(msg.encode_response(r) for r in responses)

    def _reset(self) -> None:
        if self._phase is _Phase.APPROVED and self._vend is not None:
            self.sales.append(
                SimulatedSale(self._vend.item, self._vend.price, SaleOutcome.RESET_AS_SUCCESS)
            )
        self._phase = _Phase.INACTIVE
        self._vend = None
        self._unacked = None
        self._outbox = [msg.JustReset()]

    def _dispatch(self, command: msg.Command, now: float) -> Reply:
        match command:
            case msg.Reset():
                self._reset()
                return framing.ACK
            case msg.Poll():
                return self._poll(now)
            case msg.SetupConfig():
                self._phase = _Phase.DISABLED
                return self._data(self.config)
            case msg.SetupPrices():
                return framing.ACK
            case msg.ExpansionRequestId():
                return self._data(self.identity)
            case msg.ReaderEnable():
                if self._phase is _Phase.DISABLED:
                    self._phase = _Phase.ENABLED
                return framing.ACK
            case msg.ReaderDisable():
                if self._phase is _Phase.ENABLED:
                    self._phase = _Phase.DISABLED
                return framing.ACK
            case msg.ReaderCancel():
                self._outbox.append(msg.Cancelled())
                return framing.ACK
            case msg.VendRequest():
                return self._vend_request(command, now)
            case msg.VendCancel():
                if self._phase is _Phase.VEND:
                    self._outbox.append(msg.VendDenied())
                    self._phase = _Phase.SESSION
                return framing.ACK
            case msg.VendSuccess() | msg.VendFailure():
                return self._vend_result(command)
            case msg.SessionComplete():
                return self._session_complete()

    def _vend_request(self, command: msg.VendRequest, now: float) -> Reply:
        if self._take(Fault.OUT_OF_SEQUENCE):
            return self._data(msg.OutOfSequence())
        if self._take(Fault.NO_ANSWER):
            self._silent_until = now + self.fault_duration
            return None
        if self._phase not in (_Phase.ENABLED, _Phase.SESSION):
            return self._data(msg.OutOfSequence())
        self._phase = _Phase.VEND
        self._vend = command
        self._vend_at = now
        return framing.ACK

    def _vend_result(self, command: msg.VendSuccess | msg.VendFailure) -> Reply:
        if self._phase is not _Phase.APPROVED or self._vend is None:
            return self._data(msg.OutOfSequence())
        vend = self._vend
        if isinstance(command, msg.VendSuccess):
            outcome = SaleOutcome.SUCCESS
        elif self._take(Fault.REFUND_FAIL):
            outcome = SaleOutcome.REFUND_FAILED
            self._outbox.append(msg.Malfunction(0xC0))
        else:
            outcome = SaleOutcome.REFUNDED
        self.sales.append(SimulatedSale(vend.item, vend.price, outcome))
        self._vend = None
        self._phase = _Phase.SESSION
        return framing.ACK

    def _session_complete(self) -> Reply:
        if self._phase is _Phase.INACTIVE or self._phase is _Phase.DISABLED:
            return self._data(msg.OutOfSequence())
        if self._take(Fault.NO_END_SESSION):
            return framing.ACK
        self._phase = _Phase.ENABLED
        self._vend = None
        self._outbox.append(msg.EndSession())
        return framing.ACK

    def _poll(self, now: float) -> Reply:
        if self._unacked is not None:
            return self._unacked  # not ACKed last time: MDB says send it again
        if self._phase is _Phase.ENABLED and self._take(Fault.IDENTITY_CHANGE):
            self._identity_generation += 1
            gen = self._identity_generation
            ident = self.identity
            serial = f"{ident.serial[:10]}{gen:02d}"
            self.identity = msg.PeripheralId(ident.manufacturer, serial, ident.model, ident.version)
            self._reset()
        if self._phase is _Phase.VEND and now >= self._vend_at + self.card_delay:
            self._decide(now)
        if not self._outbox:
            return framing.ACK
        out = bytearray()
        while self._outbox:
            chunk = msg.encode_response(self._outbox[0])
            if out and len(out) + len(chunk) > framing.MAX_BLOCK - 1:
                break
            out += chunk
            self._outbox.pop(0)
        return bytes(out)

    def _decide(self, now: float) -> None:
        assert self._vend is not None
        if self._take(Fault.PAN_DISPLAY):
            self._outbox.append(msg.DisplayRequest(30, PAN_CANARY))
        price = self._vend.price
        limit = self.deny_above if self.deny_above is not None else 0xFFFF
        deny = self._take(Fault.DECLINE) or price > limit or price > self.funds
        self._outbox.append(msg.BeginSession(self.funds))
        if deny:
            self._outbox.append(msg.VendDenied())
            self._phase = _Phase.SESSION
            return
        self._outbox.append(msg.VendApproved(price))
        self._phase = _Phase.APPROVED
        if self._take(Fault.DIE_MID_VEND):
            self._silent_until = now + self.fault_duration
            self._reset_after_silence = True


class CashlessBusModel(DeviceModel):
    """The bus behind a simulated bridge: one or more cashless readers by address."""

    def __init__(self, readers: list[SimulatedCashless], *, seed: int = 0) -> None:
        super().__init__()
        self.readers = {r.address: r for r in readers}
        self._decoder = framing.BridgeDecoder()
        self._last: SimulatedCashless | None = None
        self._random = random.Random(seed)

    def reader(self, address: int = msg.CashlessAddress.CASHLESS_1) -> SimulatedCashless:
        return self.readers[address]

    def data_received(self, data: bytes) -> None:
        for words in self._decoder.feed(data):
            self._on_words(words)

    def _on_words(self, words: tuple[int, ...]) -> None:
        try:
            decoded = framing.decode_from_vmc(words)
        except MdbFramingError:
            return  # a corrupted command gets no answer; the VMC retries
        if isinstance(decoded, framing.ControlWord):
            if self._last is not None:
                self._answer(self._last, self._last.on_control(decoded.code))
            return
        found = msg.decode_command(decoded.data)
        if found is None:
            return
        reader = self.readers.get(found[0])
        if reader is None:
            return  # nobody at this address
        self._last = reader
        self._answer(reader, reader.on_command(found[1]))

    def _answer(self, reader: SimulatedCashless, reply: Reply) -> None:
        if reply is None:
            return
        if isinstance(reply, int):
            words = framing.encode_peripheral_control(reply)
        else:
            words = framing.encode_peripheral_block(reply)
        frame = framing.encode_bridge_frame(words)
        if reader.garbage_replies > 0:
            first = reader.garbage_replies == 3
            reader.garbage_replies -= 1
            noise = bytes(self._random.randrange(256) for _ in range(5))
            if first and isinstance(reply, bytes):
                bad = (*words[:-1], (words[-1] + 1) & 0xFF | framing.MODE_BIT)
                frame = framing.encode_bridge_frame(bad)  # checksum wrong: the VMC asks RET
            frame = _GARBAGE + noise + frame + b"\x7e\x00\x12"
        self.send(frame)


def _addresses(value: object) -> list[int]:
    if isinstance(value, str):
        return [int(part, 16) for part in value.split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple):
        return [int(v) for v in value]
    raise ValueError(f"bad addresses option {value!r}")


def create_model(**options: object) -> CashlessBusModel:
    """Build the bus model from options (the ``sim://`` query, or keyword values).

    Options: ``addresses`` ("10,60" hex, default 10), ``fault`` (comma-separated Fault values,
    armed on every reader), ``funds``, ``deny_above`` (scaled values), ``card_delay``,
    ``fault_duration`` (seconds), ``seed``.
    """
    known = {"addresses", "fault", "funds", "deny_above", "card_delay", "fault_duration", "seed"}
    unknown = set(options) - known
    if unknown:
        raise ValueError(f"unknown MDB simulator options: {sorted(unknown)}")
    deny = options.get("deny_above")
    readers = [
        SimulatedCashless(
            address,
            funds=int(str(options.get("funds", 0xFFFF))),
            deny_above=None if deny is None else int(str(deny)),
            card_delay=float(str(options.get("card_delay", 0.05))),
            fault_duration=float(str(options.get("fault_duration", 0.6))),
        )
        for address in _addresses(options.get("addresses", "10"))
    ]
    faults = [Fault(f.strip()) for f in str(options.get("fault", "")).split(",") if f.strip()]
    for reader in readers:
        for fault in faults:
            reader.arm(fault)
    return CashlessBusModel(readers, seed=int(str(options.get("seed", 0))))


def create_simulator(**options: object) -> SimulatorServer:
    """A SimulatorServer (not yet started) serving :func:`create_model` ``(**options)``."""
    return SimulatorServer(create_model(**options), name="mdb")
