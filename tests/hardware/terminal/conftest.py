"""Fixtures for the payment-terminal tests: the real driver talking to the simulator over a
real pty (or TCP), short protocol timings, and an event recorder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from hardware.cardreader import ReaderEvent
from hardware.common.simulator import SimulatorServer
from hardware.common.state import DeviceState
from hardware.terminal.device import SerialTerminalReader, TerminalTimings
from hardware.terminal.messages import Message
from hardware.terminal.simulator import TerminalModel

T = TypeVar("T")

FAST = TerminalTimings(
    ack_timeout=0.25,
    reply_timeout=1.0,
    tries=3,
    poll_interval=0.3,
    payment_grace=1.0,
    processing_timeout=3.0,
    reconnect_min=0.05,
    reconnect_max=0.3,
    open_timeout=2.0,
    start_wait=5.0,
)


async def eventually(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    """Wait until ``predicate()`` holds (polling); fail the test after ``timeout``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0.01)


@dataclass
class Rig:
    model: TerminalModel
    server: SimulatorServer
    reader: SerialTerminalReader
    events: list[ReaderEvent] = field(default_factory=list)
    traced_bytes: list[tuple[str, bytes]] = field(default_factory=list)
    traced_messages: list[tuple[str, Message]] = field(default_factory=list)

    def of_type(self, kind: type[T]) -> list[T]:
        return [e for e in self.events if isinstance(e, kind)]

    async def ready(self) -> None:
        await eventually(lambda: self.reader.state is DeviceState.READY)


async def make_rig(transport: str, timings: TerminalTimings = FAST) -> Rig:
    model = TerminalModel(ack_timeout=0.2)
    server = SimulatorServer(model, name="payment terminal")
    url = await (server.start_tcp() if transport == "tcp" else server.start_pty())
    rig = Rig(model, server, None)  # type: ignore[arg-type]
    rig.reader = SerialTerminalReader(
        url,
        timings=timings,
        trace_bytes=lambda d, b: rig.traced_bytes.append((d, b)),
        trace_message=lambda d, m: rig.traced_messages.append((d, m)),
    )
    rig.reader.add_listener(rig.events.append)
    return rig


@pytest.fixture(params=["pty"])
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    """Driver + simulator over a pty, started and READY."""
    r = await make_rig(request.param)
    await r.reader.start()
    await r.ready()
    yield r
    await r.reader.close()
    await r.server.close()
