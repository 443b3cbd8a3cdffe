"""The simulated board's pending faults (:class:`Faults`, :func:`apply_fault`) and its
non-volatile memory (:class:`BoardMemory`): levels, command-id history and execution counts,
optionally kept in a JSON state file written atomically (temp file, fsync, rename).

A simulator process that outlives a killed kiosk, or is itself restarted on the same file,
still knows every command id it saw; a command that was in progress when the process died
comes back as FAILED/INTERRUPTED with the doses it had delivered.
"""

from __future__ import annotations

import json
import os
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hardware.dispenser import messages as m


@dataclass
class SimChannel:
    remaining_ul: int = 50_000
    dose_ul: int = 100
    low_ul: int = 5_000


@dataclass
class SimSlot:
    bottles: int = 5
    low_at: int = 1


@dataclass
class Record:
    """One command id the board has seen."""

    command_id: int
    kind: int
    params: list[int]  # target, doses, pulse, test: a repeat must match exactly
    status: int = m.WireStatus.IN_PROGRESS
    outcome: int = m.WireOutcome.NONE
    doses_done: int = 0
    detail: str = ""

    def report(self, eta_ms: int = 0) -> m.Report:
        return m.Report(
            self.command_id,
            m.CommandKind(self.kind),
            m.WireStatus(self.status),
            m.WireOutcome(self.outcome),
            self.doses_done,
            min(eta_ms, 0xFFFF),
            self.detail,
        )


class BoardMemory:
    """History of the last ``history_size`` command ids plus levels, saved on every change."""

    def __init__(
        self,
        *,
        channels: list[SimChannel],
        slots: list[SimSlot],
        state_file: Path | None,
        history_size: int,
    ) -> None:
        self.channels = channels
        self.slots = slots
        self.history: OrderedDict[int, Record] = OrderedDict()
        self.history_size = history_size
        self.executions: Counter[int] = Counter()  # command id -> times actually started
        self.boot_id = 1
        self.state_file = state_file
        if state_file is not None and state_file.exists():
            self._load(state_file)
        self.save()

    def remember(self, record: Record) -> None:
        self.history[record.command_id] = record
        while len(self.history) > self.history_size:
            self.history.popitem(last=False)

    def interrupt_unfinished(self) -> None:
        """After a (simulated) reboot: whatever was running did not finish."""
        for record in self.history.values():
            if record.status == m.WireStatus.IN_PROGRESS:
                record.status, record.outcome = m.WireStatus.FAILED, m.WireOutcome.INTERRUPTED
                record.detail = "board restarted mid-dispense"
        self.save()

    def save(self) -> None:
        if self.state_file is None:
            return
        state = {
            "boot_id": self.boot_id,
            "channels": [c.remaining_ul for c in self.channels],
            "slots": [s.bottles for s in self.slots],
            "history": [asdict(r) for r in self.history.values()],
            "executions": {str(k): v for k, v in self.executions.items()},
        }
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_file)

    def _load(self, path: Path) -> None:
        state = json.loads(path.read_text(encoding="utf-8"))
        self.boot_id = int(state["boot_id"]) + 1
        for c, remaining in zip(self.channels, state["channels"], strict=False):
            c.remaining_ul = int(remaining)
        for s, bottles in zip(self.slots, state["slots"], strict=False):
            s.bottles = int(bottles)
        for item in state["history"]:
            self.remember(Record(**item))
        self.executions.update({int(k): int(v) for k, v in state["executions"].items()})
        self.interrupt_unfinished()


@dataclass
class Faults:
    empty: set[int] = field(default_factory=set)
    jam: set[int] = field(default_factory=set)
    jam_slot: set[int] = field(default_factory=set)
    door: bool = False
    nak: int = 0
    drop: int = 0
    drop_result: int = 0
    garbage: int = 0
    corrupt: int = 0
    die: float | None = None  # seconds dead, striking at the next dispense
    die_reason: m.ResetReason = m.ResetReason.BROWNOUT


def apply_fault(faults: Faults, spec: str) -> None:
    """Add one fault spec such as ``jam:1``, ``nak:3`` or ``die:0.5`` to ``faults``."""
    name, _, arg = spec.partition(":")
    f = faults
    if name in ("empty", "jam", "jam_slot"):
        getattr(f, name).add(int(arg or 0))
    elif name in ("nak", "drop", "drop_result", "garbage", "corrupt"):
        setattr(f, name, getattr(f, name) + int(arg or 1))
    elif name == "door":
        f.door = True
    elif name in ("die", "reset"):
        f.die = float(arg) if arg else (0.5 if name == "die" else 0.02)
        f.die_reason = m.ResetReason.BROWNOUT if name == "die" else m.ResetReason.WATCHDOG
    else:
        raise ValueError(f"unknown dispenser fault {spec!r}")
