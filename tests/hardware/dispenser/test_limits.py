"""The on-time cap lives in the driver: anything above it is refused before any byte goes out."""

from __future__ import annotations

import pytest

from hardware.dispenser import (
    HARD_MAX_DOSES,
    HARD_MAX_SPRAY_PULSE_MS,
    ActuationLimits,
    ActuationRefusedError,
    DispenseOutcome,
)
from tests.hardware.dispenser.conftest import Rig

LIMITS = ActuationLimits()


@pytest.mark.parametrize(
    ("command_id", "channel", "doses", "pulse_ms", "match"),
    [
        (1, 0, LIMITS.max_doses_per_command + 1, None, "doses"),
        (1, 0, 0, None, "doses"),
        (1, 0, 1, LIMITS.max_spray_pulse_ms + 1, "pulse"),
        (1, 0, 1, 0, "pulse"),
        (1, 4, 1, None, "channel"),
        (1, -1, 1, None, "channel"),
        (-1, 0, 1, None, "command id"),
        (2**32, 0, 1, None, "command id"),
    ],
)
async def test_spray_refused_before_any_byte(
    rig: Rig, command_id: int, channel: int, doses: int, pulse_ms: int | None, match: str
) -> None:
    rig.tx.clear()
    with pytest.raises(ActuationRefusedError, match=match):
        await rig.dispenser.spray(
            command_id=command_id, channel=channel, doses=doses, pulse_ms=pulse_ms
        )
    assert rig.tx == []
    assert rig.executions == {}


async def test_drop_refused_before_any_byte(rig: Rig) -> None:
    rig.tx.clear()
    with pytest.raises(ActuationRefusedError, match="slot"):
        await rig.dispenser.drop_bottle(command_id=1, slot=3)
    assert rig.tx == []


async def test_at_the_cap_is_allowed(rig: Rig) -> None:
    result = await rig.dispenser.spray(
        command_id=5,
        channel=0,
        doses=LIMITS.max_doses_per_command,
        pulse_ms=LIMITS.max_spray_pulse_ms,
    )
    assert (result.outcome, result.doses_done) == (
        DispenseOutcome.OK,
        LIMITS.max_doses_per_command,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_doses_per_command": HARD_MAX_DOSES + 1},
        {"max_doses_per_command": 0},
        {"max_spray_pulse_ms": HARD_MAX_SPRAY_PULSE_MS + 1},
        {"spray_pulse_ms": 300, "max_spray_pulse_ms": 250},
        {"drop_pulse_ms": 10_000},
    ],
)
def test_limits_cannot_exceed_hard_caps(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ActuationLimits(**kwargs)
