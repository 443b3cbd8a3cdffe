"""Opening every configured device through its package factory: :func:`open_devices`.

This is what the kiosk's composition root calls. Each device is opened and started by its own
factory (``hardware.mdb.device.open_card_readers``, ``hardware.terminal.device.open_terminal``,
``hardware.dispenser.open_dispenser``, ``hardware.scanner.open_scanner``), all at once; an
unreachable device comes up UNAVAILABLE and keeps reconnecting by itself. :class:`Devices`
holds the result and closes everything with ``close()``.

Hex trace: ``open_devices(config, trace=factory)`` calls ``factory(port)`` once per port that
carries bytes and passes the hook it returns to that driver as ``trace_bytes`` (the kiosk passes
``HexTraceHub.hook``). Port names: ``"card_reader"``, ``"card_reader_2"``... by the position of
the reader in ``Devices.card_readers`` (:func:`card_reader_port`, the names the diagnostics
use); ``"dispenser"``; ``"scanner"`` (the serial scan engine). The readers of an MDB bus (10H
and 60H on one serial line) each have their own port showing only their transactions; bytes
that belong to no reader (garbage between transactions) show under the bus's first reader. So
a 10H+60H bus then a terminal gives ``card_reader`` (10H), ``card_reader_2`` (60H) and
``card_reader_3``. The camera moves no bytes and gets no hook.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from hardware.cardreader import CardReader
from hardware.common.transport import TraceHook
from hardware.config.model import (
    CardReaderConfig,
    DispenserConfig,
    HardwareConfig,
    ReaderKind,
    ScannerOptions,
)
from hardware.dispenser import Dispenser, open_dispenser
from hardware.mdb.device import open_card_readers as open_mdb
from hardware.scanner import LoyaltyScanner, open_scanner
from hardware.terminal.device import open_terminal

T = TypeVar("T")

TraceFactory = Callable[[str], TraceHook]  # port name -> that driver's trace_bytes hook
DISPENSER_PORT = "dispenser"
SCANNER_PORT = "scanner"


def card_reader_port(index: int) -> str:
    """The trace port (and diagnostics) name of the reader at ``index`` in ``card_readers``."""
    return "card_reader" if index == 0 else f"card_reader_{index + 1}"


def reader_count(config: CardReaderConfig) -> int:
    """How many readers one card-reader entry opens (MDB: one per address)."""
    return len(config.addresses) if config.kind is ReaderKind.MDB else 1


def card_reader_ports(config: HardwareConfig) -> tuple[str, ...]:
    """The trace port of every card reader, in ``Devices.card_readers`` order (an MDB entry
    opens one reader, so one port, per address)."""
    count = sum(reader_count(entry) for entry in config.card_readers)
    return tuple(card_reader_port(index) for index in range(count))


def _entry_ports(config: HardwareConfig) -> list[tuple[str, ...]]:
    """The ports of each card-reader entry's readers (:func:`card_reader_ports`, grouped)."""
    ports = iter(card_reader_ports(config))
    return [tuple(next(ports) for _ in range(reader_count(e))) for e in config.card_readers]


class _Closeable(Protocol):
    async def close(self) -> None: ...


@dataclass(frozen=True)
class Devices:
    """Every configured device, opened and started; ``close()`` closes them all."""

    card_readers: tuple[CardReader, ...] = ()
    dispenser: Dispenser | None = None
    scanner: LoyaltyScanner | None = None
    camera: LoyaltyScanner | None = None

    async def close(self) -> None:
        await close_all([*self.card_readers, self.dispenser, self.scanner, self.camera])


async def close_all(devices: Sequence[_Closeable | None]) -> None:
    """Close every device given (None entries skipped), all of them even when the caller is
    cancelled meanwhile (the cancellation is raised afterwards, as is the first close error)."""
    cancelled = False
    errors: list[BaseException] = []
    for device in devices:
        if device is None:
            continue
        task = asyncio.ensure_future(device.close())
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                cancelled = True  # finish closing first
        if task.cancelled():
            cancelled = True
        elif (error := task.exception()) is not None:
            errors.append(error)
    if cancelled:
        raise asyncio.CancelledError
    if errors:
        raise errors[0]


async def open_card_readers(
    config: CardReaderConfig,
    *,
    trace_bytes: TraceHook | None = None,
    trace_by_address: Mapping[int, TraceHook] | None = None,
) -> tuple[CardReader, ...]:
    """Open and start the reader(s) of one card-reader entry (MDB: one per address, all on one
    bus). ``trace_bytes`` sees a terminal's bytes, or an MDB bus's: all of them, or with
    ``trace_by_address`` (MDB address -> that reader's own hook) those of no reader only."""
    if config.kind is ReaderKind.TERMINAL:
        return (await open_terminal(config.url, timings=config.terminal, trace_bytes=trace_bytes),)
    o = config.mdb
    readers = await open_mdb(
        config.url,
        addresses=config.addresses,
        trace_bytes=trace_bytes,
        trace_by_address=trace_by_address,
        reply_timeout=o.reply_timeout,
        non_response_time=o.non_response_time,
        poll_interval=o.poll_interval,
        end_session_timeout=o.end_session_timeout,
    )
    await asyncio.gather(*(reader.start() for reader in readers))
    return tuple(readers)


async def open_configured_dispenser(
    config: DispenserConfig, *, trace_bytes: TraceHook | None = None
) -> Dispenser:
    return await open_dispenser(config.url, options=config.options, trace_bytes=trace_bytes)


async def open_configured_scanner(
    url: str, options: ScannerOptions, *, trace_bytes: TraceHook | None = None
) -> LoyaltyScanner:
    """Open a serial (path, socket://, sim://) or camera:// scanner with ``options``
    (``trace_bytes`` goes to a serial scanner only: a camera has no bytes to trace)."""
    if url.startswith("camera:"):
        return await open_scanner(url, max_data=options.max_data)
    return await open_scanner(
        url,
        trace_bytes=trace_bytes,
        debounce=options.debounce,
        max_data=options.max_data,
        command_timeout=options.command_timeout,
        heartbeat_interval=options.heartbeat_interval,
    )


Opened = tuple[Any, ...]  # the device objects one opening produced


async def settle(openings: Sequence[Awaitable[Opened]]) -> list[Opened | BaseException]:
    """Await every opening at once and return each result or error. A cancelled caller still
    waits for them (each driver bounds its own start) and closes what they opened."""
    gathered = asyncio.gather(*openings, return_exceptions=True)
    try:
        return list(await asyncio.shield(gathered))
    except asyncio.CancelledError:
        for result in await gathered:
            if not isinstance(result, BaseException):
                await close_all(result)
        raise


async def single(opening: Awaitable[T]) -> tuple[T]:
    """``opening``'s device as a one-element tuple (the shape :func:`settle` takes)."""
    return (await opening,)


def _trace_hooks(config: HardwareConfig, trace: TraceFactory | None) -> dict[str, TraceHook]:
    """``trace(port)`` for every configured port that carries bytes (none without ``trace``):
    each card reader's, the dispenser's, the serial scanner's."""
    if trace is None:
        return {}
    ports = list(card_reader_ports(config))
    if config.dispenser is not None:
        ports.append(DISPENSER_PORT)
    if config.scanner.url is not None:
        ports.append(SCANNER_PORT)
    return {port: trace(port) for port in ports}


def _reader_hooks(
    entry: CardReaderConfig, ports: tuple[str, ...], hooks: Mapping[str, TraceHook]
) -> tuple[TraceHook | None, dict[int, TraceHook]]:
    """One card-reader entry's hooks: its first reader's port (a terminal's bytes, or the bus's
    bytes of no reader) and, on an MDB bus, each reader's own port by address."""
    first = hooks.get(ports[0]) if ports else None
    if entry.kind is not ReaderKind.MDB:
        return first, {}
    own = zip(entry.addresses, ports, strict=True)
    return first, {address: hooks[port] for address, port in own if port in hooks}


async def open_devices(config: HardwareConfig, *, trace: TraceFactory | None = None) -> Devices:
    """Open and start every configured device (concurrently). Devices that cannot be reached
    come up UNAVAILABLE and keep reconnecting; an error opening any of them (a bad URL or
    option) closes the others and is raised. ``trace(port)`` is called once per byte-carrying
    port before opening (names in the module docstring) for that driver's ``trace_bytes``."""
    scanner = config.scanner
    openings: list[Awaitable[Opened]] = []
    hooks = _trace_hooks(config, trace)  # all taken before any opening starts
    for entry, ports in zip(config.card_readers, _entry_ports(config), strict=True):
        first, by_address = _reader_hooks(entry, ports, hooks)
        openings.append(open_card_readers(entry, trace_bytes=first, trace_by_address=by_address))
    if config.dispenser is not None:
        dispenser = open_configured_dispenser(
            config.dispenser, trace_bytes=hooks.get(DISPENSER_PORT)
        )
        openings.append(single(dispenser))
    if scanner.url is not None:
        hook = hooks.get(SCANNER_PORT)
        openings.append(
            single(open_configured_scanner(scanner.url, scanner.options, trace_bytes=hook))
        )
    if scanner.camera is not None:
        openings.append(single(open_configured_scanner(scanner.camera, scanner.options)))
    results = await settle(openings)
    errors = [r for r in results if isinstance(r, BaseException)]
    opened = [d for r in results if not isinstance(r, BaseException) for d in r]
    if errors:
        await close_all(opened)
        raise errors[0]
    groups = iter(typing.cast(list[Opened], results))
    readers = tuple(d for _ in config.card_readers for d in next(groups))
    return Devices(
        card_readers=readers,
        dispenser=next(groups)[0] if config.dispenser is not None else None,
        scanner=next(groups)[0] if scanner.url is not None else None,
        camera=next(groups)[0] if scanner.camera is not None else None,
    )
