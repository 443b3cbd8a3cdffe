"""Public value types of the dispenser interface: outcomes, results, levels, identity and the
events listeners receive, plus their conversion from wire messages; the actuation limits, link
timings and driver options live in :mod:`hardware.dispenser.options` and are re-exported here.
Re-exported by :mod:`hardware.dispenser` (the package).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hardware.common.state import DeviceState
from hardware.dispenser import messages as m
from hardware.dispenser.options import HARD_MAX_DOSES as HARD_MAX_DOSES  # re-exported
from hardware.dispenser.options import HARD_MAX_DROP_PULSE_MS as HARD_MAX_DROP_PULSE_MS
from hardware.dispenser.options import HARD_MAX_SPRAY_PULSE_MS as HARD_MAX_SPRAY_PULSE_MS
from hardware.dispenser.options import ActuationLimits as ActuationLimits
from hardware.dispenser.options import DispenserOptions as DispenserOptions
from hardware.dispenser.options import LinkTimings as LinkTimings

COMMAND_ID_MAX = 0xFFFFFFFF


class DispenseOutcome(enum.Enum):
    OK = "ok"  # everything asked for was delivered
    EMPTY = "empty"  # channel or slot ran empty (doses_done says how many went out)
    JAM = "jam"
    DOOR_OPEN = "door_open"  # the door was or got opened: the board stopped
    REFUSED = "refused"  # the board refused before moving anything (busy, bad target)
    INTERRUPTED = "interrupted"  # the board reset or lost power mid-dispense
    UNKNOWN = "unknown"  # the driver got no final answer: ask query_command later


class CommandStatus(enum.Enum):
    DONE = "done"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    NEVER_RECEIVED = "never_received"


class ActuationKind(enum.Enum):
    SPRAY = "spray"
    DROP = "drop"


@dataclass(frozen=True)
class DispenseResult:
    """Outcome of one command id. ``doses_done`` counts sprays (or bottles, 0/1, for a drop)
    the board confirmed; for UNKNOWN it is the last count known, a lower bound."""

    command_id: int
    outcome: DispenseOutcome
    doses_done: int
    detail: str = ""


@dataclass(frozen=True)
class CommandReport:
    command_id: int
    status: CommandStatus
    result: DispenseResult | None  # set for DONE and FAILED
    kind: ActuationKind | None = None


@dataclass(frozen=True)
class BoardIdentity:
    model: str
    serial: str
    firmware: str
    channel_count: int
    slot_count: int
    max_doses: int  # the board's own cap per command
    max_pulse_ms: int
    boot_id: int  # changes at every board reset


@dataclass(frozen=True)
class ChannelLevel:
    channel: int
    remaining_ul: int  # microlitres
    dose_ul: int  # calibrated microlitres per dose
    low: bool

    @property
    def remaining_ml(self) -> float:
        return self.remaining_ul / 1000

    @property
    def doses_left(self) -> int:
        return self.remaining_ul // self.dose_ul if self.dose_ul else 0


@dataclass(frozen=True)
class SlotLevel:
    slot: int
    bottles: int
    low: bool


@dataclass(frozen=True)
class BoardStatus:
    channels: Mapping[int, ChannelLevel]
    slots: Mapping[int, SlotLevel]
    door_open: bool
    temperature_c: float


# -- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DoorDidOpen:
    pass


@dataclass(frozen=True)
class DoorDidClose:
    pass


@dataclass(frozen=True)
class LevelDidChange:
    level: ChannelLevel | SlotLevel


@dataclass(frozen=True)
class TemperatureDidChange:
    temperature_c: float


@dataclass(frozen=True)
class BoardDidReset:
    boot_id: int
    reason: str  # power_on, watchdog, requested, brownout


@dataclass(frozen=True)
class CommandDidFinish:
    """The board announced a command's final result (also for commands nobody waits for)."""

    result: DispenseResult


@dataclass(frozen=True)
class DispenserStateDidChange:
    old: DeviceState
    new: DeviceState


DispenserEvent = (
    DoorDidOpen
    | DoorDidClose
    | LevelDidChange
    | TemperatureDidChange
    | BoardDidReset
    | CommandDidFinish
    | DispenserStateDidChange
)
DispenserListener = Callable[[DispenserEvent], None]


_OUTCOMES = {
    m.WireOutcome.OK: DispenseOutcome.OK,
    m.WireOutcome.EMPTY: DispenseOutcome.EMPTY,
    m.WireOutcome.JAM: DispenseOutcome.JAM,
    m.WireOutcome.DOOR_OPEN: DispenseOutcome.DOOR_OPEN,
    m.WireOutcome.REFUSED: DispenseOutcome.REFUSED,
    m.WireOutcome.INTERRUPTED: DispenseOutcome.INTERRUPTED,
    m.WireOutcome.NONE: DispenseOutcome.UNKNOWN,
}
_STATUSES = {s: CommandStatus[s.name] for s in m.WireStatus}
_KINDS = {m.CommandKind.SPRAY: ActuationKind.SPRAY, m.CommandKind.DROP: ActuationKind.DROP}


def result_of(report: m.Report) -> DispenseResult | None:
    if report.status is m.WireStatus.DONE:
        outcome = DispenseOutcome.OK
    elif report.status is m.WireStatus.FAILED:
        outcome = _OUTCOMES[report.outcome]
    else:
        return None
    return DispenseResult(report.command_id, outcome, report.doses_done, report.detail)


def channel_level(c: m.ChannelReading) -> ChannelLevel:
    return ChannelLevel(c.channel, c.remaining_ul, c.dose_ul, c.low)


def slot_level(s: m.SlotReading) -> SlotLevel:
    return SlotLevel(s.slot, s.bottles, s.low)


def command_report_of(report: m.Report) -> CommandReport:
    return CommandReport(
        command_id=report.command_id,
        status=_STATUSES[report.status],
        result=result_of(report),
        kind=_KINDS.get(report.kind),
    )


def board_status_of(status: m.Status) -> BoardStatus:
    return BoardStatus(
        channels={c.channel: channel_level(c) for c in status.channels},
        slots={s.slot: slot_level(s) for s in status.slots},
        door_open=status.door_open,
        temperature_c=status.temperature_dc / 10,
    )
