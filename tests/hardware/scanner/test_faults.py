"""Fault matrix for the serial scanner: every injected fault ends in a defined outcome, and
after the fault is cleared the scanner recovers by itself (READY, scans and commands work)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from hardware.common.state import DeviceState
from hardware.scanner.device import SerialLoyaltyScanner
from hardware.scanner.errors import (
    ScannerCommandRejectedError,
    ScannerTimeoutError,
    ScannerUnavailableError,
)
from hardware.scanner.events import RejectReason, ScanDidReject
from hardware.scanner.framing import STX, header_check
from hardware.scanner.simulator import ScannerFault, ScannerSimulator, create_simulator
from tests.hardware.scanner.conftest import FAST, Recorder


@dataclass
class Rig:
    scanner: SerialLoyaltyScanner
    recorder: Recorder
    sim: ScannerSimulator


Outcome = Callable[[Rig], Awaitable[None]]


async def scans_and_commands_survive(rig: Rig) -> None:
    for text in ("tok_1", "tok_2", "tok_3"):
        rig.sim.scan(text)
        await rig.recorder.wait_decoded(text)
    await rig.scanner.trigger()
    assert rig.scanner.state is DeviceState.READY


async def commands_rejected_device_stays_ready(rig: Rig) -> None:
    with pytest.raises(ScannerCommandRejectedError) as info:
        await rig.scanner.trigger()
    assert info.value.reason == "BUSY"
    assert rig.scanner.state is DeviceState.READY
    rig.sim.scan("tok_during_nak")  # scans still flow while commands are refused
    await rig.recorder.wait_decoded("tok_during_nak")


async def goes_unavailable(rig: Rig) -> None:
    with pytest.raises((ScannerTimeoutError, ScannerUnavailableError)):
        await rig.scanner.trigger()
    await rig.recorder.wait_state(rig.scanner, DeviceState.UNAVAILABLE)
    with pytest.raises(ScannerUnavailableError):
        await rig.scanner.trigger()


async def scan_rejected_as_card_data(rig: Rig) -> None:
    rig.sim.scan("tok_innocent")
    event = await rig.recorder.wait_for(lambda e: isinstance(e, ScanDidReject))
    assert isinstance(event, ScanDidReject)
    assert event.reason is RejectReason.CARD_DATA
    assert rig.recorder.decoded() == []


async def oversized_scan_dropped(rig: Rig) -> None:
    rig.sim.scan("tok_big")
    await rig.scanner.trigger()  # the ACK behind the rejected frame still gets through
    assert rig.recorder.decoded() == []
    assert rig.scanner.state is DeviceState.READY


@dataclass(frozen=True)
class Case:
    fault: ScannerFault
    outcome: Outcome
    tcp: bool = False
    at_start: bool = False  # the fault is there before the driver connects

    def __str__(self) -> str:
        where = "tcp" if self.tcp else "pty"
        return f"{self.fault.value}-{where}{'-at-start' if self.at_start else ''}"


CASES = [
    Case(ScannerFault.GARBAGE, scans_and_commands_survive),
    Case(ScannerFault.GARBAGE, scans_and_commands_survive, tcp=True),
    Case(ScannerFault.SPLIT, scans_and_commands_survive),
    Case(ScannerFault.NAK, commands_rejected_device_stays_ready),
    Case(ScannerFault.SILENT, goes_unavailable),
    Case(ScannerFault.UNPLUG, goes_unavailable),
    Case(ScannerFault.UNPLUG, goes_unavailable, tcp=True),
    Case(ScannerFault.CARD, scan_rejected_as_card_data),
    Case(ScannerFault.OVERSIZED, oversized_scan_dropped),
]

START_CASES = [
    (ScannerFault.NAK, DeviceState.FAULT),
    (ScannerFault.SILENT, DeviceState.UNAVAILABLE),
    (ScannerFault.UNPLUG, DeviceState.UNAVAILABLE),
]


@pytest.fixture
async def sim() -> AsyncIterator[ScannerSimulator]:
    simulator = create_simulator()
    yield simulator
    await simulator.close()


async def _connect(sim: ScannerSimulator, *, tcp: bool) -> Rig:
    url = await sim.start_tcp() if tcp else await sim.start_pty()
    recorder = Recorder()
    scanner = SerialLoyaltyScanner(url, **FAST)
    scanner.add_listener(recorder)
    await scanner.start()
    return Rig(scanner, recorder, sim)


async def _recovers(rig: Rig, fault: ScannerFault) -> None:
    rig.sim.set_fault(ScannerFault.NONE)
    await rig.recorder.wait_state(rig.scanner, DeviceState.READY)
    text = f"tok_after_{fault.value}"
    rig.sim.scan(text)
    await rig.recorder.wait_decoded(text)
    await rig.scanner.trigger()
    assert rig.scanner.state is DeviceState.READY
    assert rig.sim.model.enabled


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_fault_then_recovery(sim: ScannerSimulator, case: Case) -> None:
    rig = await _connect(sim, tcp=case.tcp)
    try:
        assert rig.scanner.state is DeviceState.READY
        sim.set_fault(case.fault)
        await case.outcome(rig)
        await _recovers(rig, case.fault)
    finally:
        await rig.scanner.close()


@pytest.mark.parametrize(("fault", "state"), START_CASES, ids=lambda v: str(v.value))
async def test_fault_at_start_then_recovery(
    sim: ScannerSimulator, fault: ScannerFault, state: DeviceState
) -> None:
    sim.set_fault(fault)
    rig = await _connect(sim, tcp=False)
    try:
        assert rig.scanner.state is state  # start() returned without raising
        with pytest.raises(ScannerUnavailableError):
            await rig.scanner.enable()
        await _recovers(rig, fault)
    finally:
        await rig.scanner.close()


async def test_stray_header_is_flushed_after_an_idle_gap(sim: ScannerSimulator) -> None:
    """A stray STX with a valid-looking header would hold the deframer waiting for 256
    bytes; the protocol's stall timeout drops it and the scan behind it is decoded."""
    rig = await _connect(sim, tcp=False)
    try:
        sim.inject(bytes([STX, 0x53, 0x01, 0x00, header_check(0x53, 0x0100)]))
        sim.scan("tok_behind_stray_header")
        await rig.recorder.wait_decoded("tok_behind_stray_header")
    finally:
        await rig.scanner.close()


async def test_wish_to_disable_survives_a_reconnect(sim: ScannerSimulator) -> None:
    rig = await _connect(sim, tcp=False)
    try:
        await rig.scanner.disable()
        sim.set_fault(ScannerFault.SILENT)
        await rig.recorder.wait_state(rig.scanner, DeviceState.UNAVAILABLE)
        sim.model.enabled = True  # the module power-cycled into its default
        sim.set_fault(ScannerFault.NONE)
        await rig.recorder.wait_state(rig.scanner, DeviceState.READY)
        assert not sim.model.enabled
        assert not sim.scan("tok_nobody_wants")
    finally:
        await rig.scanner.close()
