"""Contract suite for the Dispenser interface: the real driver against the simulator over a
real pty, and the whole suite once more over TCP."""

from __future__ import annotations

import asyncio

import pytest

from hardware.common.state import DeviceState
from hardware.dispenser import (
    ActuationKind,
    BoardDidReset,
    CommandDidFinish,
    CommandIdConflictError,
    CommandStatus,
    DispenseOutcome,
    DispenserUnavailableError,
    DoorDidClose,
    DoorDidOpen,
    LevelDidChange,
    TemperatureDidChange,
    open_dispenser,
)
from tests.hardware.dispenser.conftest import Rig, RigFactory, wait_for_state

pytestmark = pytest.mark.parametrize("transport", ["pty", "tcp"])


@pytest.fixture
async def crig(make_rig: RigFactory, transport: str) -> Rig:
    r = await make_rig(transport=transport)
    assert r.dispenser.state is DeviceState.READY
    return r


async def test_identity_and_status(crig: Rig) -> None:
    ident = crig.dispenser.identity
    assert ident is not None
    assert (ident.channel_count, ident.slot_count, ident.serial) == (4, 3, "SIM-0001")
    status = await crig.dispenser.read_status()
    assert set(status.channels) == {0, 1, 2, 3}
    assert status.channels[0].remaining_ul == 50_000
    assert status.channels[0].remaining_ml == 50.0
    assert status.channels[0].doses_left == 500
    assert status.slots[2].bottles == 5
    assert status.door_open is False
    assert status.temperature_c == 21.0


async def test_spray_ok_updates_levels_and_reports(crig: Rig) -> None:
    result = await crig.dispenser.spray(command_id=1, channel=2, doses=3)
    assert (result.command_id, result.outcome, result.doses_done) == (1, DispenseOutcome.OK, 3)
    status = await crig.dispenser.read_status()
    assert status.channels[2].remaining_ul == 50_000 - 300
    levels = [e.level for e in crig.events if isinstance(e, LevelDidChange)]
    assert levels[-1].remaining_ul == 49_700  # type: ignore[union-attr]
    assert CommandDidFinish(result) in crig.events
    report = await crig.dispenser.query_command(1)
    assert report.status is CommandStatus.DONE
    assert report.result == result
    assert report.kind is ActuationKind.SPRAY
    assert crig.dispenser.state is DeviceState.READY


async def test_drop_bottle(crig: Rig) -> None:
    result = await crig.dispenser.drop_bottle(command_id=2, slot=1)
    assert (result.outcome, result.doses_done) == (DispenseOutcome.OK, 1)
    assert (await crig.dispenser.read_status()).slots[1].bottles == 4
    report = await crig.dispenser.query_command(2)
    assert report.kind is ActuationKind.DROP


async def test_repeat_is_answered_not_executed(crig: Rig) -> None:
    first = await crig.dispenser.spray(command_id=9, channel=0, doses=1, test=True)
    second = await crig.dispenser.spray(command_id=9, channel=0, doses=1, test=True)
    assert first == second
    assert crig.executions == {9: 1}
    assert (await crig.dispenser.read_status()).channels[0].remaining_ul == 49_900


async def test_same_id_other_parameters_is_a_conflict(crig: Rig) -> None:
    await crig.dispenser.spray(command_id=10, channel=0, doses=1)
    with pytest.raises(CommandIdConflictError):
        await crig.dispenser.spray(command_id=10, channel=1, doses=1)
    assert crig.executions == {10: 1}


async def test_query_unknown_and_failed(crig: Rig) -> None:
    assert (await crig.dispenser.query_command(123)).status is CommandStatus.NEVER_RECEIVED
    crig.sim.model.set_door(True)
    result = await crig.dispenser.spray(command_id=11, channel=0, doses=2)
    assert (result.outcome, result.doses_done) == (DispenseOutcome.DOOR_OPEN, 0)
    report = await crig.dispenser.query_command(11)
    assert report.status is CommandStatus.FAILED
    assert report.result == result
    assert crig.executions == {}


async def test_door_and_temperature_events(crig: Rig) -> None:
    crig.sim.model.set_door(True)
    crig.sim.model.set_temperature(28.5)
    crig.sim.model.set_door(False)
    await asyncio.sleep(0.1)
    kinds = DoorDidOpen | DoorDidClose | TemperatureDidChange
    seen = [e for e in crig.events if isinstance(e, kinds)]
    assert seen == [DoorDidOpen(), TemperatureDidChange(28.5), DoorDidClose()]
    assert (await crig.dispenser.read_status()).temperature_c == 28.5


async def test_running_dry_reports_empty_with_doses(make_rig: RigFactory, transport: str) -> None:
    r = await make_rig(transport=transport)
    r.sim.model.channels[3].remaining_ul = 150  # one and a half doses left
    result = await r.dispenser.spray(command_id=12, channel=3, doses=3)
    assert (result.outcome, result.doses_done) == (DispenseOutcome.EMPTY, 1)
    status = await r.dispenser.read_status()
    assert status.channels[3].low is True


async def test_concurrent_actuations_are_serialized(crig: Rig) -> None:
    a, b = await asyncio.gather(
        crig.dispenser.spray(command_id=20, channel=0, doses=2),
        crig.dispenser.drop_bottle(command_id=21, slot=0),
    )
    assert a.outcome is DispenseOutcome.OK
    assert b.outcome is DispenseOutcome.OK
    assert crig.executions == {20: 1, 21: 1}


async def test_board_reset_is_reported_and_reidentified(crig: Rig) -> None:
    crig.sim.model.reset()
    for _ in range(200):
        ident = crig.dispenser.identity
        if ident is not None and ident.boot_id == 2:
            break
        await asyncio.sleep(0.01)
    assert BoardDidReset(2, "requested") in crig.events
    assert crig.dispenser.state is DeviceState.READY
    result = await crig.dispenser.spray(command_id=30, channel=0, doses=1)
    assert result.outcome is DispenseOutcome.OK


async def test_unavailable_before_start_and_after_close(transport: str) -> None:
    dispenser = await open_dispenser("sim://?dose_seconds=0.01", start=False)
    try:
        assert dispenser.state is DeviceState.CLOSED
        with pytest.raises(DispenserUnavailableError):
            await dispenser.spray(command_id=1, channel=0, doses=1)
        await dispenser.start()
        await wait_for_state(dispenser, DeviceState.READY)
        assert (await dispenser.spray(command_id=1, channel=0, doses=1)).doses_done == 1
    finally:
        await dispenser.close()
    assert dispenser.state is DeviceState.CLOSED
    with pytest.raises(DispenserUnavailableError):
        await dispenser.read_status()
