"""A byte-level simulator of the dispenser board, served on a pty or TCP by
:class:`hardware.common.simulator.SimulatorServer`, with fault injection.

:class:`DispenserModel` speaks the real wire protocol: it executes each command id at most
once (counting executions in ``memory.executions``), answers repeats from a bounded history,
reports level, door and temperature events, and can keep its memory in a JSON state file
(:mod:`hardware.dispenser.sim_state`). :func:`create_simulator` builds a
:class:`DispenserSimulator` (a SimulatorServer, not yet started); ``sim://`` URLs go through
:func:`simulator_from_query`.

Faults (``sim://?fault=jam:1&fault=nak:2``, or :meth:`DispenserSimulator.inject_fault` at
runtime): ``empty[:ch]``, ``jam[:ch]``, ``jam_slot[:slot]``, ``door``, ``nak[:n]``,
``drop[:n]`` (replies), ``drop_result[:n]``, ``garbage[:n]``, ``corrupt[:n]``, ``silent``,
``die[:seconds]`` and ``reset`` (the last two strike during the next dispense).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import parse_qs

from hardware.common.simulator import DeviceModel, SimulatorServer
from hardware.dispenser import messages as m
from hardware.dispenser.errors import MalformedMessageError
from hardware.dispenser.framing import BadFrame, Frame, FrameDecoder, encode_frame
from hardware.dispenser.sim_state import (
    BoardMemory,
    Faults,
    Record,
    SimChannel,
    SimSlot,
    apply_fault,
)

MAX_DOSES = 10
MAX_PULSE_MS = 3000
Kind = m.CommandKind
_STOP = m.WireOutcome.INTERRUPTED  # "the board died": stop without a final answer


class DispenserModel(DeviceModel):
    """The dispenser board's behaviour on the wire."""

    def __init__(
        self,
        *,
        channels: Sequence[SimChannel] | None = None,
        slots: Sequence[SimSlot] | None = None,
        dose_seconds: float = 0.05,
        drop_seconds: float = 0.1,
        temperature_c: float = 21.0,
        state_file: Path | None = None,
        history_size: int = 1024,
        serial: str = "SIM-0001",
    ) -> None:
        super().__init__()
        self.channels = list(channels or [SimChannel() for _ in range(4)])
        self.slots = list(slots or [SimSlot() for _ in range(3)])
        self.memory = BoardMemory(channels=self.channels, slots=self.slots,
                                  state_file=state_file, history_size=history_size)  # fmt: skip
        self.dose_seconds = dose_seconds
        self.drop_seconds = drop_seconds
        self.temperature_dc = round(temperature_c * 10)
        self.door_open = False
        self.serial = serial
        self.faults = Faults()
        self.muted = False  # dead or rebooting: hears and says nothing
        self._decoder = FrameDecoder()
        self._event_seq = 0
        self._rng = random.Random(7)
        self._job: asyncio.Task[None] | None = None
        self._timers: set[asyncio.Task[None]] = set()

    @property
    def executions(self) -> dict[int, int]:
        return dict(self.memory.executions)

    # -- wire ------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.muted:
            return
        for item in self._decoder.feed(data):
            if isinstance(item, BadFrame):
                if item.seq is not None:
                    self._send_frame(item.seq, m.Nak(m.NakReason.BAD_CRC))
            else:
                self._on_frame(item)

    def _on_frame(self, frame: Frame) -> None:
        if self.faults.nak > 0:
            self.faults.nak -= 1
            self._send_frame(frame.seq, m.Nak(m.NakReason.BAD_CRC))
            return
        if frame.type not in m.REQUESTS:
            self._send_frame(frame.seq, m.Nak(m.NakReason.UNKNOWN_TYPE))
            return
        try:
            request = m.decode_message(frame.type, frame.payload)
        except MalformedMessageError:
            self._send_frame(frame.seq, m.Nak(m.NakReason.MALFORMED))
            return
        reply = self._answer(request)
        if self.faults.drop > 0:
            self.faults.drop -= 1  # executed, but the answer is lost on the way
            return
        self._send_frame(frame.seq, reply)

    def _answer(self, request: m.Message) -> m.Reply:
        if isinstance(request, m.Hello):
            return m.Identity(1, len(self.channels), len(self.slots), MAX_DOSES, MAX_PULSE_MS,
                              self.memory.boot_id, "PK-DISP-1", self.serial, "sim-1.0")  # fmt: skip
        if isinstance(request, m.ReadStatus):
            return self.status()
        if isinstance(request, m.QueryCommand):
            record = self.memory.history.get(request.command_id)
            if record is None:
                return m.Report(request.command_id, Kind.NONE, m.WireStatus.NEVER_RECEIVED,
                                m.WireOutcome.NONE, 0)  # fmt: skip
            return record.report(self._eta(record))
        assert isinstance(request, m.Spray | m.DropBottle)
        return self._actuate(request)

    def _send_frame(self, seq: int, message: m.Message) -> None:
        wire = bytearray(encode_frame(Frame(seq, message.TYPE, message.encode())))
        if self.faults.corrupt > 0:
            self.faults.corrupt -= 1
            mask = next(k for k in (0x01, 0x02, 0x10) if wire[-1] ^ k not in (0x7D, 0x7E))
            wire[-1] ^= mask
        if self.faults.garbage > 0:
            self.faults.garbage -= 1
            junk = bytes(self._rng.randrange(256) for _ in range(12))
            wire[0:0] = junk + b"\x7e\x05\x01"  # noise, then a frame cut short
        if not self.muted:
            self.send(bytes(wire))

    def _event(self, message: m.Event) -> None:
        self._event_seq = (self._event_seq + 1) & 0xFF
        self._send_frame(self._event_seq, message)

    # -- sensors ---------------------------------------------------------------------------
    def status(self) -> m.Status:
        return m.Status(self.door_open, self.temperature_dc,
                        tuple(self._channel_reading(i) for i in range(len(self.channels))),
                        tuple(self._slot_reading(i) for i in range(len(self.slots))))  # fmt: skip

    def _channel_reading(self, i: int) -> m.ChannelLevelChanged:
        c = self.channels[i]
        remaining = 0 if i in self.faults.empty else c.remaining_ul
        return m.ChannelLevelChanged(i, remaining, c.dose_ul, remaining <= c.low_ul)

    def _slot_reading(self, i: int) -> m.SlotLevelChanged:
        s = self.slots[i]
        return m.SlotLevelChanged(i, s.bottles, s.bottles <= s.low_at)

    def set_door(self, is_open: bool) -> None:
        if is_open != self.door_open:
            self.door_open = is_open
            self._event(m.DoorChanged(is_open))

    def set_temperature(self, celsius: float) -> None:
        self.temperature_dc = round(celsius * 10)
        self._event(m.TemperatureChanged(self.temperature_dc))

    def refill(self, channel: int, ml: float) -> None:
        self.channels[channel].remaining_ul = round(ml * 1000)
        self.faults.empty.discard(channel)
        self.memory.save()
        self._event(self._channel_reading(channel))

    # -- actuations ------------------------------------------------------------------------
    def _actuate(self, request: m.Spray | m.DropBottle) -> m.Reply:
        if isinstance(request, m.Spray):
            kind = Kind.SPRAY
            params = [request.channel, request.doses, request.pulse_ms, int(request.test)]
        else:
            kind, params = Kind.DROP, [request.slot, 1, request.pulse_ms, int(request.test)]
        known = self.memory.history.get(request.command_id)
        if known is not None:
            if known.kind != kind or known.params != params:
                return m.Nak(m.NakReason.CONFLICT)
            return known.report(self._eta(known))  # a repeat: answered, never executed again
        record = Record(request.command_id, kind, params)
        self.memory.remember(record)
        target, doses, pulse = params[0], params[1], params[2]
        targets = self.channels if kind is Kind.SPRAY else self.slots
        if not 0 <= target < len(targets) or not 1 <= doses <= MAX_DOSES or pulse > MAX_PULSE_MS:
            return self._finish(record, m.WireOutcome.REFUSED, "bad target or over the cap")
        if self._job is not None:
            return self._finish(record, m.WireOutcome.REFUSED, "busy with another command")
        if self.door_open:
            return self._finish(record, m.WireOutcome.DOOR_OPEN, "door is open")
        if not self._has_stock(kind, target):
            return self._finish(record, m.WireOutcome.EMPTY, "empty")
        self.memory.executions[request.command_id] += 1
        self.memory.save()  # recorded durably before anything moves
        self._job = asyncio.get_running_loop().create_task(self._run(record))
        return record.report(self._eta(record))

    def _has_stock(self, kind: Kind, target: int) -> bool:
        if kind is Kind.DROP:
            return self.slots[target].bottles > 0
        c = self.channels[target]
        return target not in self.faults.empty and c.remaining_ul >= c.dose_ul

    def _eta(self, record: Record) -> int:
        if record.status != m.WireStatus.IN_PROGRESS:
            return 0
        if record.kind == Kind.DROP:
            return round(self.drop_seconds * 1000)
        return round((record.params[1] - record.doses_done) * self.dose_seconds * 1000)

    async def _run(self, record: Record) -> None:
        target, doses = record.params[0], record.params[1]
        kind = Kind(record.kind)
        try:
            for i in range(doses):
                stop = self._interruption(kind, target, i, doses)
                if stop is _STOP:
                    return  # dead: no final answer; the reboot marks it INTERRUPTED
                if stop is not None:
                    self._finish(record, stop, stop.name.lower().replace("_", " "), announce=True)
                    return
                await asyncio.sleep(self.dose_seconds if kind is Kind.SPRAY else self.drop_seconds)
                self._deliver_one(kind, target)
                record.doses_done += 1
                self.memory.save()
            self._finish(record, m.WireOutcome.OK, "", announce=True)
        finally:
            self._job = None

    def _interruption(self, kind: Kind, target: int, i: int, doses: int) -> m.WireOutcome | None:
        strike = i == min(1, doses - 1)  # faults strike after the first dose when there are two
        if strike and self.faults.die is not None:
            seconds, self.faults.die = self.faults.die, None
            self._die(seconds, self.faults.die_reason)
            return _STOP
        if strike and self.faults.door:
            self.faults.door = False
            self.set_door(True)
        if self.door_open:
            return m.WireOutcome.DOOR_OPEN
        jammed = self.faults.jam if kind is Kind.SPRAY else self.faults.jam_slot
        if strike and target in jammed:
            return m.WireOutcome.JAM
        return None if self._has_stock(kind, target) else m.WireOutcome.EMPTY

    def _deliver_one(self, kind: Kind, target: int) -> None:
        if kind is Kind.SPRAY:
            c = self.channels[target]
            c.remaining_ul = max(0, c.remaining_ul - c.dose_ul)
            self._event(self._channel_reading(target))
        else:
            self.slots[target].bottles -= 1
            self._event(self._slot_reading(target))

    def _finish(
        self, record: Record, outcome: m.WireOutcome, detail: str, *, announce: bool = False
    ) -> m.Report:
        record.status = m.WireStatus.DONE if outcome is m.WireOutcome.OK else m.WireStatus.FAILED
        record.outcome, record.detail = outcome, detail
        self.memory.save()
        report = record.report()
        if announce and self.faults.drop_result > 0:
            self.faults.drop_result -= 1
        elif announce:
            self._event(m.CommandFinished(report))
        return report

    # -- resets and death ------------------------------------------------------------------
    def reset(self, *, dead_seconds: float = 0.02) -> None:
        """Reboot now: a dispense in progress stops (INTERRUPTED), the board is deaf for
        ``dead_seconds``, then announces BOARD_RESET with a new boot id."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self._die(dead_seconds, m.ResetReason.REQUESTED)

    def _die(self, seconds: float, reason: m.ResetReason) -> None:
        self.muted = True
        self._decoder = FrameDecoder()
        self._after(seconds, lambda: self._boot(reason))

    def _boot(self, reason: m.ResetReason) -> None:
        self.memory.boot_id += 1
        self.memory.interrupt_unfinished()
        self.muted = False
        self._event(m.BoardReset(self.memory.boot_id, reason))

    def _after(self, seconds: float, action: Callable[[], None]) -> None:
        async def later() -> None:
            await asyncio.sleep(seconds)
            action()

        task = asyncio.get_running_loop().create_task(later())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def close(self) -> None:
        for task in [self._job, *self._timers]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._job = None

    # -- fault injection -------------------------------------------------------------------
    def inject_fault(self, spec: str) -> None:
        """Apply one fault spec such as ``jam:1``, ``nak:3`` or ``die:0.5`` (see module doc)."""
        apply_fault(self.faults, spec)

    def clear_faults(self) -> None:
        """Drop every pending fault and close the door (a technician fixed the machine)."""
        self.faults = Faults()
        self.set_door(False)


class DispenserSimulator(SimulatorServer):
    """A SimulatorServer for the dispenser board that also closes its model."""

    model: DispenserModel

    def __init__(self, model: DispenserModel) -> None:
        super().__init__(model, name="dispenser")

    def inject_fault(self, spec: str) -> None:
        """Like :meth:`DispenserModel.inject_fault`, plus ``silent`` (a hung board)."""
        if spec == "silent":
            self.silent = True
        else:
            self.model.inject_fault(spec)

    def clear_faults(self) -> None:
        self.silent = False
        self.model.clear_faults()

    async def close(self) -> None:
        await self.model.close()
        await super().close()


def create_simulator(
    *,
    channels: int = 4,
    slots: int = 3,
    ml: float = 50.0,
    dose_ul: int = 100,
    bottles: int = 5,
    dose_seconds: float = 0.05,
    drop_seconds: float = 0.1,
    state_file: str | Path | None = None,
    serial: str = "SIM-0001",
    faults: Sequence[str] = (),
) -> DispenserSimulator:
    """Build a dispenser simulator (not yet started: call start_pty() or start_tcp())."""
    model = DispenserModel(
        channels=[SimChannel(round(ml * 1000), dose_ul) for _ in range(channels)],
        slots=[SimSlot(bottles) for _ in range(slots)],
        dose_seconds=dose_seconds,
        drop_seconds=drop_seconds,
        state_file=Path(state_file) if state_file else None,
        serial=serial,
    )
    simulator = DispenserSimulator(model)
    for spec in faults:
        simulator.inject_fault(spec)
    return simulator


def simulator_from_query(query: str) -> DispenserSimulator:
    """Build a simulator from a ``sim://`` query string; ValueError for unknown options."""
    opts = parse_qs(query, keep_blank_values=True)
    unknown = set(opts) - {"fault", "channels", "slots", "ml", "bottles", "dose_seconds",
                           "drop_seconds", "state_file", "serial"}  # fmt: skip
    if unknown:
        raise ValueError(f"unknown simulator options {sorted(unknown)}")

    def one(key: str, default: str) -> str:
        return opts.get(key, [default])[-1]

    return create_simulator(
        channels=int(one("channels", "4")),
        slots=int(one("slots", "3")),
        ml=float(one("ml", "50")),
        bottles=int(one("bottles", "5")),
        dose_seconds=float(one("dose_seconds", "0.05")),
        drop_seconds=float(one("drop_seconds", "0.1")),
        state_file=one("state_file", "") or None,
        serial=one("serial", "SIM-0001"),
        faults=opts.get("fault", []),
    )
