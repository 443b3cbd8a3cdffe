"""Dispenser controller board driver: spray channels, bottle slots, door, levels, temperature.

Import the public API from here: :class:`Dispenser` (the interface), :func:`open_dispenser`
(the factory: device path, ``socket://host:port`` or ``sim://``), the result and event types,
and the error tree. See docs/hardware/dispenser.md for the wire protocol.

The errors and the driver's options (:mod:`hardware.dispenser.options`) are imported here at
once; the rest on first use (PEP 562): the driver brings asyncio and pyserial, the values the
wire messages, and the kiosk checks its ``[hardware.dispenser]`` options before its first
frame with none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hardware.dispenser.errors import (
    ActuationRefusedError,
    CommandIdConflictError,
    DispenserError,
    DispenserInitError,
    DispenserOperationError,
    DispenserTimeoutError,
    DispenserUnavailableError,
)
from hardware.dispenser.options import (
    HARD_MAX_DOSES,
    HARD_MAX_DROP_PULSE_MS,
    HARD_MAX_SPRAY_PULSE_MS,
    ActuationLimits,
    DispenserOptions,
    LinkTimings,
)

if TYPE_CHECKING:
    from hardware.dispenser.device import Dispenser, SerialDispenser, open_dispenser
    from hardware.dispenser.values import (
        ActuationKind,
        BoardDidReset,
        BoardIdentity,
        BoardStatus,
        ChannelLevel,
        CommandDidFinish,
        CommandReport,
        CommandStatus,
        DispenseOutcome,
        DispenseResult,
        DispenserEvent,
        DispenserListener,
        DispenserStateDidChange,
        DoorDidClose,
        DoorDidOpen,
        LevelDidChange,
        SlotLevel,
        TemperatureDidChange,
    )

__all__ = [
    "HARD_MAX_DOSES",
    "HARD_MAX_DROP_PULSE_MS",
    "HARD_MAX_SPRAY_PULSE_MS",
    "ActuationKind",
    "ActuationLimits",
    "ActuationRefusedError",
    "BoardDidReset",
    "BoardIdentity",
    "BoardStatus",
    "ChannelLevel",
    "CommandDidFinish",
    "CommandIdConflictError",
    "CommandReport",
    "CommandStatus",
    "DispenseOutcome",
    "DispenseResult",
    "Dispenser",
    "DispenserError",
    "DispenserEvent",
    "DispenserInitError",
    "DispenserListener",
    "DispenserOperationError",
    "DispenserOptions",
    "DispenserStateDidChange",
    "DispenserTimeoutError",
    "DispenserUnavailableError",
    "DoorDidClose",
    "DoorDidOpen",
    "LevelDidChange",
    "LinkTimings",
    "SerialDispenser",
    "SlotLevel",
    "TemperatureDidChange",
    "open_dispenser",
]
_DRIVER = frozenset({"Dispenser", "SerialDispenser", "open_dispenser"})


def __getattr__(name: str) -> Any:
    if name in __all__:  # not imported above: the driver's or the values'
        module = "device" if name in _DRIVER else "values"
        value = getattr(importlib.import_module(f"hardware.dispenser.{module}"), name)
        globals()[name] = value  # once imported, a plain attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
