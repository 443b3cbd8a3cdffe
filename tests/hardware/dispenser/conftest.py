"""Fixtures for the dispenser tests: a simulator on a real pty (or TCP) and the real driver
connected to it, with short timeouts; everything is closed at teardown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from hardware.common.state import DeviceState
from hardware.dispenser import (
    Dispenser,
    DispenserEvent,
    DispenserOptions,
    DispenserStateDidChange,
    LinkTimings,
    SerialDispenser,
)
from hardware.dispenser.simulator import DispenserSimulator, create_simulator

FAST = LinkTimings(
    reply_timeout=0.25,
    retries=3,
    result_grace=0.4,
    query_attempts=2,
    max_dispense=5.0,
    poll_interval=30.0,  # no background polls unless a test asks for them
    silent_polls=2,
    reconnect_min=0.05,
    reconnect_max=0.2,
)


@dataclass
class Rig:
    """A simulator and the real driver talking to it, plus what went over the wire."""

    sim: DispenserSimulator
    dispenser: SerialDispenser
    tx: list[bytes] = field(default_factory=list)
    rx: list[bytes] = field(default_factory=list)
    events: list[object] = field(default_factory=list)

    @property
    def executions(self) -> dict[int, int]:
        return self.sim.model.executions


RigFactory = Callable[..., Awaitable[Rig]]


async def wait_for_state(dispenser: Dispenser, state: DeviceState, timeout: float = 5.0) -> None:
    """Wait until the driver reports ``state`` (through its own state events)."""
    reached = asyncio.Event()

    def on_event(event: DispenserEvent) -> None:
        if isinstance(event, DispenserStateDidChange) and event.new is state:
            reached.set()

    dispenser.add_listener(on_event)
    if dispenser.state is not state:
        await asyncio.wait_for(reached.wait(), timeout)


@pytest.fixture
async def make_rig() -> AsyncIterator[RigFactory]:
    rigs: list[Rig] = []

    async def make(
        *,
        transport: str = "pty",
        timings: LinkTimings = FAST,
        faults: tuple[str, ...] = (),
        state_file: str | None = None,
        dose_seconds: float = 0.01,
    ) -> Rig:
        sim = create_simulator(dose_seconds=dose_seconds, drop_seconds=0.02,
                               state_file=state_file, faults=faults)  # fmt: skip
        url = await sim.start_pty() if transport == "pty" else await sim.start_tcp()
        tx: list[bytes] = []
        rx: list[bytes] = []

        def trace(direction: str, data: bytes) -> None:
            (tx if direction == "tx" else rx).append(data)

        dispenser = SerialDispenser(url, options=DispenserOptions(timings=timings),
                                    trace_bytes=trace)  # fmt: skip
        rig = Rig(sim, dispenser, tx, rx)
        dispenser.add_listener(rig.events.append)
        rigs.append(rig)
        await dispenser.start()
        return rig

    yield make
    for rig in rigs:
        await rig.dispenser.close()
        await rig.sim.close()


@pytest.fixture
async def rig(make_rig: RigFactory) -> Rig:
    r = await make_rig()
    assert r.dispenser.state is DeviceState.READY
    return r
