"""The dispenser driver's options: the actuation limits (with their hard caps), the link
timings and :class:`DispenserOptions`, in a module that imports nothing of the driver.

They are the ``[hardware.dispenser]`` configuration's values, so the configuration check
(:mod:`hardware.config`) builds them before the kiosk's first frame without loading the wire
messages, the protocol, asyncio or pyserial. :mod:`hardware.dispenser.values` and the package
re-export them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HARD_MAX_DOSES = 10  # no configuration can allow more doses in one command
HARD_MAX_SPRAY_PULSE_MS = 500  # nor a longer atomizer pulse
HARD_MAX_DROP_PULSE_MS = 3000  # nor a longer bottle-release motor run


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


@dataclass(frozen=True)
class DispenserOptions:
    """Everything a :class:`~hardware.dispenser.device.SerialDispenser` takes besides its port
    URL."""

    timings: LinkTimings = field(default_factory=LinkTimings)
    limits: ActuationLimits = field(default_factory=ActuationLimits)
    name: str = "dispenser"
