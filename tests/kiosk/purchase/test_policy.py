"""The offline card policy, cap by cap, and the guards that stop a purchase from starting."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.purchase.model import PurchaseRefusedError
from kiosk.purchase.policy import CardPolicy, OfflineCaps, OfflineUsage, PolicyDecision, decide
from kiosk.purchase.states import PurchaseState
from sync.ledger import OutboxLimits
from tests.kiosk.purchase.rig import SPRAY, FixedQuote, reader_rig

CAPS = OfflineCaps(
    per_sale_minor=1000, daily_total_minor=3000, max_pending=3, max_age_s=3600, exclude_bottles=True
)
IDLE = OfflineUsage(pending_count=0, oldest_pending_age_s=None, today_total_minor=0)


@pytest.mark.parametrize(
    ("policy", "online", "amount", "bottle", "usage", "expected"),
    [
        (CardPolicy.REQUIRE_ONLINE, True, 99_999, True, IDLE, PolicyDecision(True, False, "")),
        (
            CardPolicy.REQUIRE_ONLINE,
            False,
            100,
            False,
            IDLE,
            PolicyDecision(False, False, "card_offline"),
        ),
        (CardPolicy.CAPPED_OFFLINE, False, 500, False, IDLE, PolicyDecision(True, True, "")),
        (
            CardPolicy.CAPPED_OFFLINE,
            False,
            500,
            True,
            IDLE,
            PolicyDecision(False, True, "offline_bottle"),
        ),
        (
            CardPolicy.CAPPED_OFFLINE,
            False,
            1001,
            False,
            IDLE,
            PolicyDecision(False, True, "offline_amount"),
        ),
        (
            CardPolicy.CAPPED_OFFLINE,
            False,
            600,
            False,
            OfflineUsage(0, None, 2500),
            PolicyDecision(False, True, "offline_daily_total"),
        ),
        (
            CardPolicy.CAPPED_OFFLINE,
            False,
            100,
            False,
            OfflineUsage(3, 10.0, 300),
            PolicyDecision(False, True, "offline_count"),
        ),
        (
            CardPolicy.CAPPED_OFFLINE,
            False,
            100,
            False,
            OfflineUsage(1, 3601.0, 300),
            PolicyDecision(False, True, "offline_age"),
        ),
        (
            CardPolicy.CAPPED_OFFLINE,
            True,
            99_999,
            True,
            OfflineUsage(9, 1e9, 1e9),
            PolicyDecision(True, False, ""),
        ),
    ],
)
def test_offline_caps(
    policy: CardPolicy,
    online: bool,
    amount: int,
    bottle: bool,
    usage: OfflineUsage,
    expected: PolicyDecision,
) -> None:
    got = decide(policy, CAPS, online=online, amount_minor=amount, is_bottle=bottle, usage=usage)
    assert got == expected


async def test_a_full_outbox_stops_new_purchases(tmp_path: Path) -> None:
    async with reader_rig(tmp_path, limits=OutboxLimits(max_count=2)) as rig:
        assert rig.engine.sales_paused  # the rig's two restocks fill it (no broker)
        rig.flow.select(SPRAY)
        rig.flow.set_quote(FixedQuote(300))
        with pytest.raises(PurchaseRefusedError) as refused:
            await rig.flow.pay()
        assert refused.value.reason == "sales_paused"
        assert rig.flow.state is PurchaseState.QUOTED


async def test_sold_out_is_refused_before_any_money_moves(tmp_path: Path) -> None:
    async with reader_rig(tmp_path) as rig:
        rig.flow.select(SPRAY)
        rig.flow.set_quote(FixedQuote(300))
        rig.flow.item = SPRAY.__class__(**{**SPRAY.__dict__, "stock_qty": 10**9})
        with pytest.raises(PurchaseRefusedError) as refused:
            await rig.flow.pay()
        assert refused.value.reason == "sold_out"
        assert rig.reader_sim.model.reader().sales == []


def test_transaction_ids_are_never_card_shaped() -> None:
    import re

    from hardware.common.pan import contains_card_data
    from kiosk.purchase.flow import new_txn_id

    ids = {new_txn_id() for _ in range(20_000)}
    assert len(ids) == 20_000
    for txn in ids:
        assert len(txn) == 24 and txn.startswith("t")
        assert not re.search(r"\d{6}", txn), txn
        assert not contains_card_data(txn), txn
