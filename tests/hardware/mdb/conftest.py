"""Fixtures for the MDB driver tests: simulators on a pty (or TCP) and real drivers on them,
with short timeouts so faults resolve quickly; every device is closed at teardown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from hardware.cardreader import ReaderEvent
from hardware.common.simulator import SimulatorServer
from hardware.mdb.device import MdbCardReader, open_card_readers
from hardware.mdb.simulator import CashlessBusModel, create_simulator

FAST = {"reply_timeout": 0.1, "non_response_time": 0.3, "poll_interval": 0.02}


@dataclass
class Rig:
    """A simulator and the real driver's readers on it, plus what the readers emitted."""

    server: SimulatorServer
    readers: list[MdbCardReader]
    events: list[ReaderEvent] = field(default_factory=list)
    traced: list[tuple[str, object]] = field(default_factory=list)

    @property
    def model(self) -> CashlessBusModel:
        model = self.server.model
        assert isinstance(model, CashlessBusModel)
        return model

    @property
    def reader(self) -> MdbCardReader:
        return self.readers[0]


async def wait_until(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    """Poll ``predicate`` until true; fail after a generous timeout (never a timing assert)."""
    limit = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > limit:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def make_rig() -> AsyncIterator[Callable[..., object]]:
    """``await make_rig(addresses="10", transport="pty", **sim_options)`` -> started Rig."""
    rigs: list[Rig] = []

    async def make(
        *, addresses: str = "10", transport: str = "pty", start: bool = True, **options: object
    ) -> Rig:
        options.setdefault("fault_duration", 1.0)
        server = create_simulator(addresses=addresses, **options)
        url = await server.start_pty() if transport == "pty" else await server.start_tcp()
        rig = Rig(server, [])
        rigs.append(rig)
        wanted = tuple(int(a, 16) for a in addresses.split(","))
        rig.readers = await open_card_readers(
            url,
            addresses=wanted,
            trace_bytes=lambda d, b: rig.traced.append((d, b)),
            trace_message=lambda d, m: rig.traced.append((d, m)),
            **FAST,  # type: ignore[arg-type]
        )
        for reader in rig.readers:
            reader.add_listener(rig.events.append)
            if start:
                await reader.start()
        return rig

    yield make
    for rig in rigs:
        for reader in rig.readers:
            await reader.close()
        await rig.server.close()
