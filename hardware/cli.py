"""``perfume-kiosk hardware ...`` subcommands: probe configured devices, serve simulators.

* ``hardware probe [--config FILE] [--timeout S]`` opens every device of the ``[hardware]``
  configuration (default: every device simulated, ``HardwareConfig.demo()``), waits (bounded)
  until each is READY or known to be down, and prints JSON: per device its kind, URL, state,
  identity and error (for the dispenser also its status). Exit 0 when every device is usable.
* ``hardware sim --all | --only mdb,terminal,...`` starts the simulators in this process on
  ptys (``--tcp``: TCP), with ``--fault DEVICE=SPEC`` / ``--option DEVICE.KEY=VALUE`` as in
  their ``sim://`` URLs and ``--state-dir`` for the dispenser's persistent memory, prints one
  JSON line ``{"mdb": URL, ...}`` and serves until SIGINT/SIGTERM, then closes cleanly.

Expected failures are raised as HardwareError / OSError and printed as one line by
``kiosk.cli``; nothing here prints a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hardware.common.errors import HardwareError
from hardware.common.pan import redact
from hardware.common.simulator import SimulatorServer
from hardware.common.state import USABLE_STATES, DeviceState
from hardware.common.transport import open_transport
from hardware.config import (
    SIMULATED_DEVICES,
    HardwareConfig,
    HardwareConfigError,
    ReaderKind,
    close_all,
    create_simulator_for,
    load_hardware_config,
    open_card_readers,
    open_configured_dispenser,
    open_configured_scanner,
)
from hardware.config.opening import Opened, settle, single
from hardware.dispenser import BoardStatus, Dispenser

log = logging.getLogger(__name__)

_SETTLED = frozenset({DeviceState.READY, DeviceState.UNAVAILABLE, DeviceState.FAULT})


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "hardware", help="card readers, dispenser, scanner"
    )
    actions = parser.add_subparsers(dest="hardware_command", required=True, metavar="ACTION")
    probe = actions.add_parser("probe", help="open the configured devices and report as JSON")
    probe.add_argument(
        "--config", type=Path, help="TOML file with a [hardware] table (default: all simulated)"
    )
    probe.add_argument(
        "--timeout", type=float, default=15.0, help="seconds to wait for devices to settle"
    )
    probe.set_defaults(handler=_probe)
    sim = actions.add_parser("sim", help="serve device simulators until SIGINT/SIGTERM")
    which = sim.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every simulator")
    which.add_argument(
        "--only", metavar="LIST", help="comma list of " + ",".join(SIMULATED_DEVICES)
    )
    sim.add_argument("--tcp", action="store_true", help="serve on TCP instead of ptys")
    sim.add_argument("--host", default="127.0.0.1", help="TCP address to listen on")
    sim.add_argument(
        "--fault", action="append", default=[], metavar="DEVICE=SPEC", help="arm a fault"
    )
    sim.add_argument(
        "--option", action="append", default=[], metavar="DEVICE.KEY=VALUE", help="sim option"
    )
    sim.add_argument("--state-dir", type=Path, help="keep the dispenser's memory in this folder")
    sim.add_argument("--config-out", type=Path, help="also write a [hardware] TOML file for them")
    sim.set_defaults(handler=_sim)


# -- probe -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Slot:
    """One device as the probe reports it."""

    name: str
    kind: str
    url: str
    address: int | None = None


def _probe(args: argparse.Namespace) -> int:
    config = load_hardware_config(args.config) if args.config else HardwareConfig.demo()
    if args.timeout <= 0:
        raise HardwareConfigError("--timeout must be a positive number of seconds")
    report = asyncio.run(probe(config, timeout=args.timeout))
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


def _units(config: HardwareConfig) -> list[tuple[list[_Slot], Awaitable[Opened]]]:
    units: list[tuple[list[_Slot], Awaitable[Opened]]] = []
    for i, reader in enumerate(config.card_readers):
        name, kind = f"card_readers[{i}]", reader.kind.value
        if reader.kind is ReaderKind.MDB:
            slots = [_Slot(name, kind, reader.url, a) for a in reader.addresses]
        else:
            slots = [_Slot(name, kind, reader.url)]
        units.append((slots, open_card_readers(reader)))
    if config.dispenser is not None:
        slot = _Slot("dispenser", "dispenser", config.dispenser.url)
        units.append(([slot], single(open_configured_dispenser(config.dispenser))))
    scanner = config.scanner
    for name, url in (("scanner", scanner.url), ("camera", scanner.camera)):
        if url is not None:
            units.append(
                ([_Slot(name, name, url)], single(open_configured_scanner(url, scanner.options)))
            )
    return units


async def probe(config: HardwareConfig, *, timeout: float) -> dict[str, Any]:
    """Open every configured device, wait until each settled (at most ``timeout`` s after they
    were opened), describe them, close them. Never raises for a device problem."""
    units = _units(config)
    results = await settle([opening for _, opening in units])
    found: list[tuple[_Slot, Any, str | None]] = []  # slot, device or None, error
    for (slots, _), result in zip(units, results, strict=True):
        if isinstance(result, BaseException):
            found += [(slot, None, _describe(result)) for slot in slots]
        else:
            found += [(slot, device, None) for slot, device in zip(slots, result, strict=True)]
    devices = [device for _, device, _ in found if device is not None]
    try:
        await _wait_settled(devices, timeout)
        entries = [await _entry(slot, device, error, timeout) for slot, device, error in found]
    finally:
        await close_all(devices)
    for entry, (slot, device, _) in zip(entries, found, strict=True):
        if device is not None and entry["error"] is None and not entry["usable"]:
            entry["error"] = await _diagnose(slot, entry["state"], timeout)
    return {"ok": all(e["usable"] for e in entries), "devices": entries}


async def _wait_settled(devices: list[Any], timeout: float) -> None:
    changed = asyncio.Event()
    for device in devices:  # every device type emits an event on each state change
        device.add_listener(lambda _event: changed.set())
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while any(d.state not in _SETTLED for d in devices):
                changed.clear()
                await changed.wait()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, HardwareError | OSError | ValueError):
        return redact(str(exc)) or type(exc).__name__
    log.debug("probe: unexpected error opening a device", exc_info=exc)
    return f"unexpected {type(exc).__name__}: {redact(str(exc))}"


async def _entry(slot: _Slot, device: Any, error: str | None, timeout: float) -> dict[str, Any]:
    state: DeviceState | None = None if device is None else device.state
    identity = None if device is None else device.identity
    entry: dict[str, Any] = {
        "name": slot.name,
        "kind": slot.kind,
        "url": slot.url,
        "address": None if slot.address is None else f"{slot.address:02X}",
        "state": None if state is None else state.value,
        "usable": state in USABLE_STATES,
        "identity": None if identity is None else dataclasses.asdict(identity),
        "error": error,
    }
    if slot.address is None:
        del entry["address"]
    if state is not None and state not in USABLE_STATES and state not in _SETTLED:
        entry["error"] = f"still {state.value} after {timeout:g} s"
    if isinstance(device, Dispenser):
        entry["status"] = None
        if entry["usable"]:
            try:
                entry["status"] = _status_json(await device.read_status())
            except HardwareError as exc:
                entry["error"] = f"status could not be read: {_describe(exc)}"
                entry["usable"] = False
    return entry


def _status_json(status: BoardStatus) -> dict[str, Any]:
    return {
        "channels": [
            {**dataclasses.asdict(c), "doses_left": c.doses_left} for c in status.channels.values()
        ],
        "slots": [dataclasses.asdict(s) for s in status.slots.values()],
        "door_open": status.door_open,
        "temperature_c": status.temperature_c,
    }


async def _diagnose(slot: _Slot, state: str | None, timeout: float) -> str:
    """Why a device ended unusable: try its port again, now that the driver let go of it."""
    if slot.url.startswith("sim:"):
        return f"the simulator did not come up ({state})"
    try:
        transport = await open_transport(slot.url, open_timeout=min(timeout, 3.0))
    except HardwareError as exc:
        return _describe(exc)
    await transport.close()
    return f"the port opens but the device did not answer ({state})"


# -- sim ---------------------------------------------------------------------------------------
def _sim(args: argparse.Namespace) -> int:
    wanted = list(SIMULATED_DEVICES) if args.all else _device_list(args.only)
    queries: dict[str, list[tuple[str, str]]] = {device: [] for device in wanted}
    for spec in args.fault:
        device, _, fault = spec.partition("=")
        _pick(queries, device, f"--fault {spec}").append(("fault", fault))
    for spec in args.option:
        target, _, value = spec.partition("=")
        device, _, key = target.partition(".")
        if not key or not value:
            raise HardwareConfigError(f"--option {spec}: expected DEVICE.KEY=VALUE")
        _pick(queries, device, f"--option {spec}").append((key, value))
    if args.state_dir is not None and "dispenser" in queries:
        args.state_dir.mkdir(parents=True, exist_ok=True)
        queries["dispenser"].append(("state_file", str(args.state_dir / "dispenser.json")))
    servers = {
        device: create_simulator_for(device, urlencode(query), where=f"{device} simulator")
        for device, query in queries.items()
    }
    return asyncio.run(serve_simulators(servers, tcp_host=args.host if args.tcp else None,
                                        config_out=args.config_out, queries=queries))  # fmt: skip


def _device_list(text: str) -> list[str]:
    devices = [part.strip() for part in text.split(",") if part.strip()]
    for device in devices:
        if device not in SIMULATED_DEVICES:
            raise HardwareConfigError(
                f"--only: unknown device {device!r} (known: {', '.join(SIMULATED_DEVICES)})"
            )
    if not devices:
        raise HardwareConfigError("--only needs at least one device")
    return devices


def _pick(queries: dict[str, list[tuple[str, str]]], device: str, where: str) -> list[Any]:
    if device not in queries:
        raise HardwareConfigError(f"{where}: {device!r} is not a simulator being started")
    return queries[device]


async def serve_simulators(
    servers: dict[str, SimulatorServer],
    *,
    tcp_host: str | None = None,
    config_out: Path | None = None,
    queries: dict[str, list[tuple[str, str]]] | None = None,
) -> int:
    """Start ``servers``, print ``{"device": url}`` as one JSON line, serve until SIGINT or
    SIGTERM, close them all and return 0."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started: list[SimulatorServer] = []
    try:
        urls: dict[str, str] = {}
        for device, server in servers.items():
            started.append(server)
            urls[device] = await (server.start_tcp(tcp_host) if tcp_host else server.start_pty())
        if config_out is not None:
            config_out.write_text(_config_toml(urls, queries or {}))
        print(json.dumps(urls), flush=True)
        log.info("serving simulators: %s", ", ".join(f"{d} on {u}" for d, u in urls.items()))
        await stop.wait()
        log.info("stopping the simulators")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        for server in started:
            await server.close()
    return 0


def _config_toml(urls: dict[str, str], queries: dict[str, list[tuple[str, str]]]) -> str:
    """A ``[hardware]`` file pointing the real drivers at the running simulators."""
    lines = ["# written by perfume-kiosk hardware sim; valid while it runs", "[hardware]", ""]
    for device in ("mdb", "terminal"):
        if device in urls:
            lines += ["[[hardware.card_readers]]", f'kind = "{device}"', f'url = "{urls[device]}"']
            if device == "mdb":
                given = dict(queries.get("mdb", [])).get("addresses", "10")
                addresses = ", ".join(f'"{a.strip()}"' for a in given.split(",") if a.strip())
                lines.append(f"addresses = [{addresses}]")
            lines.append("")
    for device in ("dispenser", "scanner"):
        if device in urls:
            lines += [f"[hardware.{device}]", f'url = "{urls[device]}"', ""]
    return "\n".join(lines)
