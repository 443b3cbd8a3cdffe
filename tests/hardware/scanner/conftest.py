"""Fixtures for the loyalty-scanner tests: simulators on a pty/TCP, drivers connected to them,
camera scanners, a fake clock and an event recorder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from hardware.common.state import DeviceState
from hardware.scanner.camera import CameraLoyaltyScanner
from hardware.scanner.device import LoyaltyScanner, SerialLoyaltyScanner
from hardware.scanner.events import (
    ScanDidDecode,
    ScanDidReject,
    ScannerEvent,
    ScannerStateDidChange,
)
from hardware.scanner.simulator import ScannerSimulator, create_simulator

WAIT = 5.0  # upper bound for anything to happen; tests never assert on durations

# Short timings so faults are detected quickly, but with retries so a loaded machine copes.
FAST = {
    "command_timeout": 0.4,
    "retries": 2,
    "stall_timeout": 0.1,
    "heartbeat_interval": 0.15,
    "reconnect_delays": (0.05, 0.1, 0.2),
}


class FakeClock:
    """A monotonic clock the test moves by hand (debounce windows without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Recorder:
    """Collects a scanner's events and lets a test wait for one."""

    events: list[ScannerEvent] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, event: ScannerEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def decoded(self) -> list[str]:
        return [e.scan.text for e in self.events if isinstance(e, ScanDidDecode)]

    def rejects(self) -> list[ScanDidReject]:
        return [e for e in self.events if isinstance(e, ScanDidReject)]

    def states(self) -> list[DeviceState]:
        return [e.new for e in self.events if isinstance(e, ScannerStateDidChange)]

    async def wait_for(
        self, predicate: Callable[[ScannerEvent], bool], *, only_new: bool = False
    ) -> ScannerEvent:
        """The first event (already recorded, or with ``only_new`` from now on) matching."""
        seen = len(self.events) if only_new else 0

        async def scan() -> ScannerEvent:
            nonlocal seen
            while True:
                for event in self.events[seen:]:
                    seen += 1
                    if predicate(event):
                        return event
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), WAIT)

    async def wait_decoded(self, text: str) -> ScanDidDecode:
        event = await self.wait_for(lambda e: isinstance(e, ScanDidDecode) and e.scan.text == text)
        assert isinstance(event, ScanDidDecode)
        return event

    async def wait_state(self, scanner: LoyaltyScanner, state: DeviceState) -> None:
        if scanner.state is not state:
            await self.wait_for(
                lambda e: isinstance(e, ScannerStateDidChange) and e.new is state, only_new=True
            )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def simulator() -> AsyncIterator[ScannerSimulator]:
    sim = create_simulator()
    yield sim
    await sim.close()


@pytest.fixture
async def serial_scanner(
    simulator: ScannerSimulator, clock: FakeClock
) -> AsyncIterator[tuple[SerialLoyaltyScanner, Recorder]]:
    path = await simulator.start_pty()
    recorder = Recorder()
    scanner = SerialLoyaltyScanner(path, clock=clock, debounce=1.0, **FAST)
    scanner.add_listener(recorder)
    await scanner.start()
    assert scanner.state is DeviceState.READY
    yield scanner, recorder
    await scanner.close()


@pytest.fixture
async def camera_scanner(clock: FakeClock) -> AsyncIterator[tuple[CameraLoyaltyScanner, Recorder]]:
    recorder = Recorder()
    scanner = CameraLoyaltyScanner(clock=clock, debounce=1.0)
    scanner.add_listener(recorder)
    await scanner.start()
    yield scanner, recorder
    await scanner.close()
