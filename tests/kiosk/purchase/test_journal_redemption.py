"""The journal's rules for purchases paid with loyalty points, table by table: what start-up
recovery and the settlement worker do next, and when closing must request a release."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.purchase.journal import Action, Mode, Step, fold, next_action
from kiosk.purchase.model import Redemption, RedemptionRoute
from sync.protocol import Event, EventType

BASE = {"member_id": "m-1", "redeem_points": 120, "redemption": "online", "amount_minor": 80}


def view(mode: Mode, *steps: Step, route: str = "online") -> Any:
    events = []
    for seq, step in enumerate(steps, start=1):
        data: dict[str, Any] = {"step": step.value}
        if seq == 1:
            data.update(BASE, mode=mode.value, redemption=route)
        if step is Step.DISPENSE_STARTED:
            data["dispense_seq"] = seq
        events.append(
            Event("pk-1", 1, seq, EventType.PAYMENT, "2026-01-01T00:00:00.000Z",
                  None, 0, None, 0, None, "t-1", data)
        )  # fmt: skip
    return fold("t-1", events)


S = Step
CASES = [
    # points asked for or held, no card asked, nothing dispensed: close (release if held)
    (Mode.GATEWAY, [S.REDEEMING], Action.CLOSE_CANCELLED, True),
    (Mode.READER, [S.REDEEMING, S.REDEEMED], Action.CLOSE_CANCELLED, True),
    (Mode.POINTS, [S.REDEEMING, S.REDEEMED], Action.CLOSE_CANCELLED, True),
    (Mode.OFFLINE, [S.REDEEMED_OFFLINE], Action.CLOSE_CANCELLED, False),
    # the reader was asked after the hold: it may have approved (existing rule)
    (Mode.READER, [S.REDEEMING, S.REDEEMED, S.PAYMENT_STARTED], Action.MANUAL_REVIEW, True),
    (Mode.GATEWAY, [S.REDEEMING, S.REDEEMED, S.PAYMENT_STARTED], Action.CLOSE_CANCELLED, True),
    # points only: the board decides; then settled by the SALE or closed and released
    (Mode.POINTS, [S.REDEEMING, S.REDEEMED, S.DISPENSE_STARTED], Action.QUERY_DISPENSER, True),
    (
        Mode.POINTS,
        [S.REDEEMING, S.REDEEMED, S.DISPENSE_STARTED, S.DISPENSE_SUCCEEDED],
        Action.CLOSE_CAPTURED,
        False,
    ),
    (
        Mode.POINTS,
        [S.REDEEMING, S.REDEEMED, S.DISPENSE_STARTED, S.DISPENSE_FAILED],
        Action.CLOSE_CANCELLED,
        True,
    ),
    # a closing step committed with release_requested: release, then nothing more
    (Mode.GATEWAY, [S.REDEEMING, S.REDEEMED, S.DECLINED, S.RELEASE_REQUESTED],
     Action.RELEASE_POINTS, False),
    (Mode.GATEWAY, [S.REDEEMING, S.REDEEMED, S.DECLINED, S.RELEASE_REQUESTED,
                    S.POINTS_RELEASED], Action.NONE, False),
    (Mode.GATEWAY, [S.REDEEMING, S.REDEEM_REFUSED], Action.NONE, False),
]  # fmt: skip


@pytest.mark.parametrize(("mode", "steps", "action", "release_on_close"), CASES)
def test_next_action_and_release(
    mode: Mode, steps: list[Step], action: Action, release_on_close: bool
) -> None:
    v = view(mode, *steps)
    assert next_action(v) is action
    assert v.needs_release is release_on_close


def test_fold_reads_the_redemption() -> None:
    v = view(Mode.GATEWAY, S.REDEEMING)
    assert v.redemption == Redemption("m-1", 120, RedemptionRoute.ONLINE)
    assert view(Mode.OFFLINE, S.REDEEMED_OFFLINE, route="offline").redemption == Redemption(
        "m-1", 120, RedemptionRoute.OFFLINE
    )
    plain = fold("t-2", [])
    assert plain.redemption is None and not plain.hold_outstanding
