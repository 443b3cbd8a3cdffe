"""Which devices the kiosk has and where they are: the ``[hardware]`` configuration, and opening
every configured device.

* :class:`HardwareConfig` and its parts (:mod:`hardware.config.model`); ``HardwareConfig.demo()``
  puts every device on ``sim://``.
* :func:`load_hardware_config` reads and checks the ``[hardware]`` table of a TOML file
  (:mod:`hardware.config.loader`); a bad file raises :class:`HardwareConfigError` naming the key.
* :func:`open_devices` opens and starts every configured device through its package factory and
  returns :class:`Devices` (:mod:`hardware.config.opening`); the kiosk's composition root calls it.
  ``open_devices(config, trace=hub.hook)`` wires a hex-trace hook per port ("card_reader",
  "card_reader_2"..., "dispenser", "scanner"; see :func:`card_reader_ports`).
* :func:`create_simulator_for` builds any device's simulator from a ``sim://`` query
  (:mod:`hardware.config.simulators`).

The values and the check are imported here at once; the opening and the simulators on first
use (PEP 562), because they bring every driver, asyncio and pyserial, and the kiosk checks its
configuration file before its first frame (``perfume-kiosk run --config``) but opens the
devices only after it.

See docs/simulators.md for the file format and the simulators.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hardware.config.loader import load_hardware_config, parse_hardware_config
from hardware.config.model import (
    MDB_ADDRESSES,
    SIMULATED_DEVICES,
    CardReaderConfig,
    DispenserConfig,
    HardwareConfig,
    HardwareConfigError,
    MdbOptions,
    ReaderKind,
    ScannerConfig,
    ScannerOptions,
)

if TYPE_CHECKING:
    from hardware.config.opening import (
        DISPENSER_PORT,
        SCANNER_PORT,
        Devices,
        TraceFactory,
        card_reader_port,
        card_reader_ports,
        close_all,
        open_card_readers,
        open_configured_dispenser,
        open_configured_scanner,
        open_devices,
    )
    from hardware.config.simulators import create_simulator_for

_OPENING = (
    "DISPENSER_PORT",
    "SCANNER_PORT",
    "Devices",
    "TraceFactory",
    "card_reader_port",
    "card_reader_ports",
    "close_all",
    "open_card_readers",
    "open_configured_dispenser",
    "open_configured_scanner",
    "open_devices",
)
_LAZY = {
    **dict.fromkeys(_OPENING, "hardware.config.opening"),
    "create_simulator_for": "hardware.config.simulators",
}

__all__ = [
    "DISPENSER_PORT",
    "MDB_ADDRESSES",
    "SCANNER_PORT",
    "SIMULATED_DEVICES",
    "CardReaderConfig",
    "Devices",
    "DispenserConfig",
    "HardwareConfig",
    "HardwareConfigError",
    "MdbOptions",
    "ReaderKind",
    "ScannerConfig",
    "ScannerOptions",
    "TraceFactory",
    "card_reader_port",
    "card_reader_ports",
    "close_all",
    "create_simulator_for",
    "load_hardware_config",
    "open_card_readers",
    "open_configured_dispenser",
    "open_configured_scanner",
    "open_devices",
    "parse_hardware_config",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # once imported, a plain attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
