"""Public value types of the dispenser interface: outcomes, results, levels, identity, the
actuation limits, link timings, driver options and the events listeners receive, plus their
conversion from wire messages. Re-exported by :mod:`hardware.dispenser` (the package).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hardware.common.state import DeviceState
from hardware.dispenser import messages as m

HARD_MAX_DOSES = 10  # no configuration can allow more doses in one command
HARD_MAX_SPRAY_PULSE_MS = 500  # nor a longer atomizer pulse
HARD_MAX_DROP_PULSE_MS = 3000  # nor a longer bottle-release motor run
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


@dataclass(frozen=True)
class ActuationLimits:
    """The driver's hard cap on actuator on-time, outside business logic."""

    max_doses_per_command: int = 3
    spray_pulse_ms: int = 120
    max_spray_pulse_ms: int = 250
    drop_pulse_ms: int = 1500

    def __post_init__(self) -> None:
        if not 1 <= self.max_doses_per_command <= HARD_MAX_DOSES:
            raise ValueError(f"max_doses_per_command must be 1..{HARD_MAX_DOSES}")
        if not 1 <= self.max_spray_pulse_ms <= HARD_MAX_SPRAY_PULSE_MS:
            raise ValueError(f"max_spray_pulse_ms must be 1..{HARD_MAX_SPRAY_PULSE_MS}")
        if not 1 <= self.spray_pulse_ms <= self.max_spray_pulse_ms:
            raise ValueError("spray_pulse_ms must be 1..max_spray_pulse_ms")
        if not 1 <= self.drop_pulse_ms <= HARD_MAX_DROP_PULSE_MS:
            raise ValueError(f"drop_pulse_ms must be 1..{HARD_MAX_DROP_PULSE_MS}")


@dataclass(frozen=True)
class LinkTimings:
    """Timeouts and retry counts (seconds). Tests use short ones; defaults suit the field."""

    reply_timeout: float = 0.5  # per attempt
    retries: int = 3  # link retransmissions of the same frame after the first attempt
    result_grace: float = 2.0  # beyond the board's ETA before asking query_command
    query_attempts: int = 2  # query_command rounds after a missing result before UNKNOWN
    max_dispense: float = 60.0  # give up waiting for IN_PROGRESS after this long
    poll_interval: float = 2.0  # health poll (READ_STATUS) period
    silent_polls: int = 2  # failed polls in a row before UNAVAILABLE
    reconnect_min: float = 0.2
    reconnect_max: float = 5.0


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


@dataclass(frozen=True)
class DispenserOptions:
    """Everything a :class:`SerialDispenser` takes besides its port URL."""

    timings: LinkTimings = field(default_factory=LinkTimings)
    limits: ActuationLimits = field(default_factory=ActuationLimits)
    name: str = "dispenser"


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
