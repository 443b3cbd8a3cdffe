"""Reading the ``[hardware]`` table of a TOML file into a :class:`HardwareConfig`.

:func:`load_hardware_config` checks everything before any device is touched: known keys, value
types, URLs (absolute device path, ``socket://host:port``, ``sim://`` whose options are checked
by building the simulator, ``camera://`` or ``none``), MDB addresses (10H / 60H) and that no
two devices share a port. Every problem raises :class:`HardwareConfigError` with one sentence
naming the file and the key. Other top-level tables belong to other areas and are ignored.

No driver is imported for that: only a ``sim://`` URL loads the simulators
(:mod:`hardware.config.simulators`) to check its options, so a machine whose devices are paths
or sockets checks its file before the kiosk's first frame at little cost.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from hardware.config.model import (
    MDB_ADDRESSES,
    CardReaderConfig,
    DispenserConfig,
    HardwareConfig,
    HardwareConfigError,
    MdbOptions,
    ReaderKind,
    ScannerConfig,
    ScannerOptions,
)
from hardware.dispenser.options import ActuationLimits, DispenserOptions, LinkTimings
from hardware.terminal.timings import TerminalTimings

T = TypeVar("T")


def load_hardware_config(path: str | Path) -> HardwareConfig:
    """Read and check the ``[hardware]`` table of the TOML file at ``path`` (other top-level
    tables belong to other areas and are ignored)."""
    where = str(path)
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise HardwareConfigError(f"{where}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HardwareConfigError(f"{where}: cannot read the file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise HardwareConfigError(f"{where}: not valid TOML: {exc}") from None
    if "hardware" not in document:
        raise HardwareConfigError(f"{where}: no [hardware] table")
    return parse_hardware_config(document["hardware"], where=where)


def parse_hardware_config(table: object, *, where: str = "<config>") -> HardwareConfig:
    """Check a ``[hardware]`` table already parsed from TOML."""
    hw = _table(table, f"{where}: hardware")
    _known(hw, {"card_readers", "dispenser", "scanner"}, f"{where}: hardware")
    readers_value = hw.get("card_readers", [])
    if not isinstance(readers_value, list):
        raise HardwareConfigError(
            f"{where}: hardware.card_readers must be an array of tables ([[hardware.card_readers]])"
        )
    readers = tuple(
        _reader(item, f"{where}: hardware.card_readers[{i}]")
        for i, item in enumerate(readers_value)
    )
    dispenser = None
    if "dispenser" in hw:
        dispenser = _dispenser(hw["dispenser"], f"{where}: hardware.dispenser")
    scanner = ScannerConfig()
    if "scanner" in hw:
        scanner = _scanner(hw["scanner"], f"{where}: hardware.scanner")
    config = HardwareConfig(card_readers=readers, dispenser=dispenser, scanner=scanner)
    _check_ports_unique(config, where)
    return config


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise HardwareConfigError(f"{where} must be a table")
    return value


def _known(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise HardwareConfigError(
            f"{where}.{unknown[0]} is not a known key (known: {', '.join(sorted(known))})"
        )


def _text(table: dict[str, Any], key: str, where: str) -> str:
    if key not in table:
        raise HardwareConfigError(f"{where}.{key} is missing")
    value = table[key]
    if not isinstance(value, str) or not value:
        raise HardwareConfigError(f"{where}.{key} must be a non-empty string")
    return value


def _options(cls: type[T], value: object, where: str) -> T:
    """Build the frozen options dataclass ``cls`` from a TOML table, checking keys and types."""
    table = _table(value, where)
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    _known(table, names, where)
    values = {key: _typed(item, hints[key], f"{where}.{key}") for key, item in table.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise HardwareConfigError(f"{where}: {exc}") from None


def _typed(value: object, hint: object, where: str) -> object:
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if isinstance(value, bool):
        if bool in allowed:
            return value
    elif isinstance(value, int | float) and float in allowed:
        return float(value)
    elif (isinstance(value, int) and int in allowed) or (isinstance(value, str) and str in allowed):
        return value
    names = " or ".join("a number" if t is float else getattr(t, "__name__", "?") for t in allowed)
    raise HardwareConfigError(f"{where} must be {names}, not {value!r}")


def _reader(value: object, where: str) -> CardReaderConfig:
    table = _table(value, where)
    _known(table, {"kind", "url", "addresses", "options"}, where)
    kind_text = _text(table, "kind", where)
    try:
        kind = ReaderKind(kind_text)
    except ValueError:
        raise HardwareConfigError(
            f'{where}.kind must be "mdb" or "terminal", not {kind_text!r}'
        ) from None
    url = _text(table, "url", where)
    options = table.get("options", {})
    if kind is ReaderKind.TERMINAL:
        if "addresses" in table:
            raise HardwareConfigError(f"{where}.addresses applies to kind mdb only")
        timings = _options(TerminalTimings, options, f"{where}.options")
        _check_url(url, f"{where}.url", device="terminal")
        return CardReaderConfig(kind=kind, url=url, terminal=timings)
    addresses = _addresses(table.get("addresses", [0x10]), f"{where}.addresses")
    mdb = _options(MdbOptions, options, f"{where}.options")
    _check_url(url, f"{where}.url", device="mdb", addresses=addresses)
    return CardReaderConfig(kind=kind, url=url, addresses=addresses, mdb=mdb)


def _addresses(value: object, where: str) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value]
    out: list[int] = []
    for item in items:
        address: int | None = None
        if isinstance(item, int) and not isinstance(item, bool):
            address = item
        elif isinstance(item, str):
            text = item.strip().upper().removeprefix("0X").removesuffix("H")
            address = int(text, 16) if text.isalnum() and len(text) <= 2 else None
        if address not in MDB_ADDRESSES:
            raise HardwareConfigError(
                f"{where} must list MDB cashless addresses 0x10 and/or 0x60, not {item!r}"
            )
        out.append(address)
    if not out or len(set(out)) != len(out):
        raise HardwareConfigError(f"{where} must list one or two different addresses")
    return tuple(out)


def _dispenser(value: object, where: str) -> DispenserConfig:
    table = _table(value, where)
    _known(table, {"url", "timings", "limits"}, where)
    url = _text(table, "url", where)
    _check_url(url, f"{where}.url", device="dispenser")
    timings = _options(LinkTimings, table.get("timings", {}), f"{where}.timings")
    limits = _options(ActuationLimits, table.get("limits", {}), f"{where}.limits")
    return DispenserConfig(url=url, options=DispenserOptions(timings=timings, limits=limits))


def _scanner(value: object, where: str) -> ScannerConfig:
    table = _table(value, where)
    _known(table, {"url", "camera", "options"}, where)
    url: str | None = _text(table, "url", where) if "url" in table else "none"
    if url == "none":
        url = None
    else:
        assert url is not None
        _check_url(url, f"{where}.url", device="scanner")
    camera: str | None = _text(table, "camera", where) if "camera" in table else "none"
    if camera == "none":
        camera = None
    else:
        assert camera is not None
        _check_camera(camera, f"{where}.camera")
    options = _options(ScannerOptions, table.get("options", {}), f"{where}.options")
    return ScannerConfig(url=url, camera=camera, options=options)


def _check_url(url: str, where: str, *, device: str, addresses: Sequence[int] = ()) -> None:
    parts = urlsplit(url)
    if parts.scheme == "sim":
        if parts.netloc or parts.path or parts.fragment:
            raise HardwareConfigError(f"{where} must be sim:// or sim://?option=value, not {url!r}")
        if device == "mdb" and "addresses" in dict(parse_qsl(parts.query)):
            raise HardwareConfigError(f"{where}: give MDB addresses with the addresses key")
        query = parts.query
        if device == "mdb":
            query += "&addresses=" + ",".join(f"{a:02X}" for a in addresses)
        from hardware.config.simulators import create_simulator_for  # the simulators: sim:// only

        create_simulator_for(device, query, where=where)  # built and dropped: options checked
    elif parts.scheme == "socket":
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or parts.path not in ("", "/"):
            raise HardwareConfigError(f"{where} must be socket://host:port, not {url!r}")
    elif parts.scheme or not url.startswith("/"):
        raise HardwareConfigError(
            f"{where} must be an absolute device path, socket://host:port or sim://, not {url!r}"
        )


def _check_camera(url: str, where: str) -> None:
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.scheme != "camera" or parts.netloc or parts.path or set(options) - {"debounce"}:
        raise HardwareConfigError(
            f'{where} must be "none" or camera:// (option: ?debounce=S), not {url!r}'
        )
    try:
        float(options.get("debounce", "0"))
    except ValueError:
        raise HardwareConfigError(f"{where}: debounce must be a number of seconds") from None


def _check_ports_unique(config: HardwareConfig, where: str) -> None:
    seen: dict[str, str] = {}
    ports = [(f"card_readers[{i}]", r.url) for i, r in enumerate(config.card_readers)]
    if config.dispenser is not None:
        ports.append(("dispenser", config.dispenser.url))
    if config.scanner.url is not None:
        ports.append(("scanner", config.scanner.url))
    for name, url in ports:
        if url.startswith("sim:"):
            continue  # every sim:// URL starts its own simulator
        if url in seen:
            raise HardwareConfigError(
                f"{where}: hardware.{name}.url {url} is already used by hardware.{seen[url]}"
            )
        seen[url] = name
