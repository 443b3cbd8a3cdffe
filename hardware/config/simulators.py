"""Any device's simulator built from a ``sim://`` query: :func:`create_simulator_for`.

The configuration check builds (and drops) the simulator of every ``sim://`` URL to check its
options, and ``hardware sim`` starts them. This module imports the simulators, and with them
asyncio and the device packages, so :mod:`hardware.config.loader` imports it only for a file
that has a ``sim://`` URL and :mod:`hardware.config` on first use: a machine whose devices are
device paths or sockets checks its file without loading any driver.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from hardware.common.errors import HardwareError
from hardware.common.simulator import SimulatorServer
from hardware.config.model import HardwareConfigError
from hardware.dispenser.simulator import simulator_from_query
from hardware.mdb.simulator import create_simulator as create_mdb
from hardware.scanner.simulator import SIMULATOR_OPTIONS
from hardware.scanner.simulator import create_simulator as create_scanner
from hardware.terminal.simulator import create_simulator_from_query


def create_simulator_for(device: str, query: str = "", *, where: str = "") -> SimulatorServer:
    """The (not yet started) simulator of ``device`` (one of SIMULATED_DEVICES) built from a
    ``sim://`` query string such as ``fault=decline&deny_above=500``."""
    where = where or f"{device} simulator"
    pairs = parse_qsl(query, keep_blank_values=True)
    try:
        if device == "mdb":
            options: dict[str, object] = {}
            for key, value in pairs:
                joined = f"{options[key]},{value}" if key == "fault" and key in options else value
                options[key] = joined
            return create_mdb(**options)
        if device == "terminal":
            return create_simulator_from_query(query)
        if device == "dispenser":
            return simulator_from_query(query)
        if device == "scanner":
            texts = dict(pairs)
            unknown = sorted(set(texts) - SIMULATOR_OPTIONS)
            if unknown or len(texts) != len(pairs):
                raise ValueError(f"unknown or repeated options {unknown or [k for k, _ in pairs]}")
            return create_scanner(**texts)
    except (ValueError, TypeError, HardwareError) as exc:
        raise HardwareConfigError(f"{where}: bad simulator option: {exc}") from None
    raise HardwareConfigError(f"{where}: no simulator for {device!r}")
