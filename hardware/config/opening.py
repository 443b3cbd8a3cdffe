"""Opening every configured device through its package factory: :func:`open_devices`.

This is what the kiosk's composition root calls. Each device is opened and started by its own
factory (``hardware.mdb.device.open_card_readers``, ``hardware.terminal.device.open_terminal``,
``hardware.dispenser.open_dispenser``, ``hardware.scanner.open_scanner``), all at once; an
unreachable device comes up UNAVAILABLE and keeps reconnecting by itself. :class:`Devices`
holds the result and closes everything with ``close()``.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from hardware.cardreader import CardReader
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


async def open_card_readers(config: CardReaderConfig) -> tuple[CardReader, ...]:
    """Open and start the reader(s) of one card-reader entry (MDB: one per address)."""
    if config.kind is ReaderKind.TERMINAL:
        return (await open_terminal(config.url, timings=config.terminal),)
    o = config.mdb
    readers = await open_mdb(
        config.url,
        addresses=config.addresses,
        reply_timeout=o.reply_timeout,
        non_response_time=o.non_response_time,
        poll_interval=o.poll_interval,
        end_session_timeout=o.end_session_timeout,
    )
    await asyncio.gather(*(reader.start() for reader in readers))
    return tuple(readers)


async def open_configured_dispenser(config: DispenserConfig) -> Dispenser:
    return await open_dispenser(config.url, options=config.options)


async def open_configured_scanner(url: str, options: ScannerOptions) -> LoyaltyScanner:
    """Open a serial (path, socket://, sim://) or camera:// scanner with ``options``."""
    if url.startswith("camera:"):
        return await open_scanner(url, max_data=options.max_data)
    return await open_scanner(
        url,
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


async def open_devices(config: HardwareConfig) -> Devices:
    """Open and start every configured device (concurrently). Devices that cannot be reached
    come up UNAVAILABLE and keep reconnecting; an error opening any of them (a bad URL or
    option) closes the others and is raised."""
    scanner = config.scanner
    openings: list[Awaitable[Opened]] = [open_card_readers(r) for r in config.card_readers]
    if config.dispenser is not None:
        openings.append(single(open_configured_dispenser(config.dispenser)))
    for url in (scanner.url, scanner.camera):
        if url is not None:
            openings.append(single(open_configured_scanner(url, scanner.options)))
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
