"""Fault matrix: every injected fault ends in a defined outcome, the board's memory tells the
truth afterwards, and the device then recovers and dispenses OK. Plus unplug/replug over TCP,
a hung board, and a simulator restarted on its state file."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from hardware.common.state import DeviceState
from hardware.dispenser import (
    BoardDidReset,
    CommandStatus,
    DispenseOutcome,
    DispenserUnavailableError,
    LevelDidChange,
)
from hardware.dispenser.simulator import create_simulator
from tests.hardware.dispenser.conftest import FAST, Rig, RigFactory, wait_for_state

Out = DispenseOutcome
St = CommandStatus


@pytest.mark.parametrize(
    ("fault", "outcomes", "doses", "truth", "executions"),
    [
        ("empty:0", {Out.EMPTY}, 0, St.FAILED, 0),
        ("jam:0", {Out.JAM}, 1, St.FAILED, 1),
        ("door", {Out.DOOR_OPEN}, 1, St.FAILED, 1),
        ("nak:2", {Out.OK}, 2, St.DONE, 1),
        ("nak:4", {Out.UNKNOWN}, 0, St.NEVER_RECEIVED, 0),  # every attempt refused
        ("drop:2", {Out.OK}, 2, St.DONE, 1),
        ("drop:4", {Out.UNKNOWN}, 2, St.DONE, 1),  # executed, every answer lost
        ("drop_result:1", {Out.OK}, 2, St.DONE, 1),  # result event lost: the driver asks
        ("garbage:3", {Out.OK}, 2, St.DONE, 1),
        ("corrupt:2", {Out.OK}, 2, St.DONE, 1),
        ("silent", {Out.UNKNOWN}, 0, St.NEVER_RECEIVED, 0),
        ("reset", {Out.INTERRUPTED}, 1, St.FAILED, 1),
        ("die:0.3", {Out.INTERRUPTED, Out.UNKNOWN}, 1, St.FAILED, 1),
    ],
)
async def test_spray_fault_matrix(
    rig: Rig,
    fault: str,
    outcomes: set[DispenseOutcome],
    doses: int,
    truth: CommandStatus,
    executions: int,
) -> None:
    rig.sim.inject_fault(fault)
    result = await rig.dispenser.spray(command_id=100, channel=0, doses=2)
    assert result.outcome in outcomes, result
    if result.outcome is not Out.UNKNOWN:
        assert result.doses_done == doses
    # the fault is over (a technician or time fixed it); the board tells the truth
    rig.sim.clear_faults()
    await wait_for_state(rig.dispenser, DeviceState.READY)
    report = await rig.dispenser.query_command(100)
    assert report.status is truth
    if report.result is not None:
        assert report.result.doses_done == doses
    assert rig.executions.get(100, 0) == executions
    # and the device dispenses again
    again = await rig.dispenser.spray(command_id=101, channel=1, doses=2)
    assert (again.outcome, again.doses_done) == (Out.OK, 2)


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ("jam_slot:0", Out.JAM),
        ("door", Out.DOOR_OPEN),
        ("drop:2", Out.OK),
        ("reset", Out.INTERRUPTED),
    ],
)
async def test_drop_fault_matrix(rig: Rig, fault: str, outcome: DispenseOutcome) -> None:
    rig.sim.inject_fault(fault)
    result = await rig.dispenser.drop_bottle(command_id=200, slot=0)
    assert result.outcome is outcome
    rig.sim.clear_faults()
    await wait_for_state(rig.dispenser, DeviceState.READY)
    assert (await rig.dispenser.query_command(200)).result == result
    again = await rig.dispenser.drop_bottle(command_id=201, slot=0)
    assert again.outcome is Out.OK


async def test_board_dies_mid_dispense_then_tells_the_truth(make_rig: RigFactory) -> None:
    timings = replace(FAST, query_attempts=1)
    r = await make_rig(timings=timings)
    r.sim.inject_fault("die:3")  # dead longer than the driver waits
    result = await r.dispenser.spray(command_id=300, channel=0, doses=3)
    assert result.outcome is Out.UNKNOWN
    back = asyncio.Event()
    r.dispenser.add_listener(lambda e: back.set() if isinstance(e, BoardDidReset) else None)
    await asyncio.wait_for(back.wait(), 10)
    await wait_for_state(r.dispenser, DeviceState.READY)
    report = await r.dispenser.query_command(300)
    assert report.status is St.FAILED
    assert report.result is not None
    assert (report.result.outcome, report.result.doses_done) == (Out.INTERRUPTED, 1)
    assert r.executions == {300: 1}
    assert (await r.dispenser.spray(command_id=301, channel=0, doses=1)).outcome is Out.OK


async def test_unplug_replug_over_tcp(make_rig: RigFactory) -> None:
    r = await make_rig(transport="tcp", timings=replace(FAST, poll_interval=0.1))
    r.sim.unplug()
    await wait_for_state(r.dispenser, DeviceState.UNAVAILABLE)
    with pytest.raises(DispenserUnavailableError):
        await r.dispenser.spray(command_id=400, channel=0, doses=1)
    assert r.executions == {}
    r.sim.replug()
    await wait_for_state(r.dispenser, DeviceState.READY)
    assert (await r.dispenser.spray(command_id=401, channel=0, doses=1)).outcome is Out.OK


async def test_hung_board_goes_unavailable_and_comes_back(make_rig: RigFactory) -> None:
    timings = replace(FAST, poll_interval=0.05, reply_timeout=0.1, retries=1)
    r = await make_rig(timings=timings)
    r.sim.inject_fault("silent")
    await wait_for_state(r.dispenser, DeviceState.UNAVAILABLE)
    r.sim.clear_faults()
    await wait_for_state(r.dispenser, DeviceState.READY)
    assert (await r.dispenser.spray(command_id=500, channel=0, doses=1)).outcome is Out.OK


async def test_sim_url_faults(make_rig: RigFactory) -> None:
    from hardware.dispenser import open_dispenser

    d = await open_dispenser("sim://?fault=jam:2&fault=nak:1&dose_seconds=0.01")
    try:
        jam = await d.spray(command_id=1, channel=2, doses=2)
        ok = await d.spray(command_id=2, channel=0, doses=1)
        assert (jam.outcome, jam.doses_done, ok.outcome) == (Out.JAM, 1, Out.OK)
    finally:
        await d.close()


async def test_restarted_simulator_remembers(tmp_path: Path) -> None:
    from hardware.dispenser import DispenserOptions, SerialDispenser

    state = tmp_path / "board.json"
    results = []
    for attempt in range(3):
        sim = create_simulator(state_file=state, dose_seconds=0.2 if attempt == 1 else 0.01)
        d = SerialDispenser(await sim.start_pty(), options=DispenserOptions(timings=FAST))
        try:
            await d.start()
            if attempt == 0:
                results.append(await d.spray(command_id=7, channel=0, doses=1))
            elif attempt == 1:  # the process dies while command 8 is spraying
                first_dose = asyncio.Event()
                d.add_listener(
                    lambda e, ev=first_dose: ev.set() if isinstance(e, LevelDidChange) else None
                )
                spray = asyncio.create_task(d.spray(command_id=8, channel=0, doses=3))
                await asyncio.wait_for(first_dose.wait(), 5)
                await sim.close()
                results.append(await spray)
            else:
                assert (await d.spray(command_id=7, channel=0, doses=1)) == results[0]
                report = await d.query_command(8)
                assert report.result is not None
                assert (report.result.outcome, report.result.doses_done) == (Out.INTERRUPTED, 1)
                assert sim.model.executions == {7: 1, 8: 1}
                assert sim.model.memory.boot_id == 3
                assert (await d.read_status()).channels[0].remaining_ul == 50_000 - 200
        finally:
            await d.close()
            await sim.close()
    assert results[1].outcome is Out.UNKNOWN


async def test_history_is_bounded(rig: Rig) -> None:
    rig.sim.model.memory.history_size = 3
    for cid in range(5):
        await rig.dispenser.spray(command_id=cid, channel=0, doses=1)
    assert list(rig.sim.model.memory.history) == [2, 3, 4]
    assert (await rig.dispenser.query_command(0)).status is St.NEVER_RECEIVED


async def test_unplug_mid_dispense_then_query_after_replug(make_rig: RigFactory) -> None:
    r = await make_rig(transport="tcp", dose_seconds=0.1, timings=replace(FAST, poll_interval=0.1))
    first_dose = asyncio.Event()
    r.dispenser.add_listener(lambda e: first_dose.set() if isinstance(e, LevelDidChange) else None)
    spray = asyncio.create_task(r.dispenser.spray(command_id=600, channel=0, doses=3))
    await asyncio.wait_for(first_dose.wait(), 5)
    r.sim.unplug()  # the board keeps spraying, but nobody hears the result
    result = await spray
    assert result.outcome is Out.UNKNOWN
    r.sim.replug()
    await wait_for_state(r.dispenser, DeviceState.READY)
    report = await r.dispenser.query_command(600)
    assert report.result is not None
    assert (report.status, report.result.doses_done) == (St.DONE, 3)
    assert r.executions == {600: 1}


async def test_board_slower_than_its_eta_is_waited_for(rig: Rig) -> None:
    rig.sim.inject_fault("drop_result:1")
    first_dose = asyncio.Event()
    rig.dispenser.add_listener(
        lambda e: first_dose.set() if isinstance(e, LevelDidChange) else None
    )
    spray = asyncio.create_task(rig.dispenser.spray(command_id=700, channel=0, doses=3))
    await asyncio.wait_for(first_dose.wait(), 5)
    rig.sim.model.dose_seconds = 1.0  # the board's ETA (3 x 10 ms) is now far too short
    result = await spray
    assert (result.outcome, result.doses_done) == (Out.OK, 3)
    assert rig.executions == {700: 1}


async def test_a_failing_listener_does_not_break_the_driver(rig: Rig) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    rig.dispenser.add_listener(broken)
    result = await rig.dispenser.spray(command_id=800, channel=0, doses=1)
    assert result.outcome is Out.OK
