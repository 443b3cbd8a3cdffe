"""Journeys through the real purchase flow with the MDB cashless reader (the reader
authorizes the vend itself) and the dispenser board, both over real ptys."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hardware.mdb.simulator import Fault, SaleOutcome
from kiosk.purchase.states import PurchaseState
from sync.protocol import EventType
from tests.kiosk.purchase.rig import BOTTLE, SPRAY, FixedQuote, reader_rig
from tests.support.waiting import until


async def test_spray_purchase_charges_once_and_moves_stock_once(tmp_path: Path) -> None:
    async with reader_rig(tmp_path) as rig:
        result = await rig.buy(SPRAY)
        assert result.state is PurchaseState.COMPLETED
        assert await rig.final_step(result.txn_id) == "captured"
        assert (await rig.on_hand())[SPRAY.sku] == 50_000 - SPRAY.stock_qty
        sales = await rig.engine.call_ledger(rig.ledger.count_events, EventType.SALE)
        assert sales == 1
        model = rig.reader_sim.model.reader()
        assert [s.outcome for s in model.sales] == [SaleOutcome.SUCCESS]
        assert rig.dispenser_sim.model.memory.executions  # exactly one command ran
        assert sum(rig.dispenser_sim.model.memory.executions.values()) == 1


async def test_decline_returns_to_the_quote_and_nothing_moves(tmp_path: Path) -> None:
    async with reader_rig(tmp_path) as rig:
        rig.reader_sim.model.reader().arm(Fault.DECLINE)
        result = await rig.buy(BOTTLE)
        assert (result.state, result.reason) == (PurchaseState.QUOTED, "declined")
        assert await rig.final_step(result.txn_id) == "declined"
        assert (await rig.on_hand())[BOTTLE.sku] == 5
        # the shopper retries with the same quote and it goes through
        retry = await rig.flow.pay()
        assert retry.state is PurchaseState.COMPLETED
        assert (await rig.on_hand())[BOTTLE.sku] == 4


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("empty", "dispense_empty"), ("jam", "dispense_jam"), ("door", "dispense_door_open")],
)
async def test_dispense_failure_is_refunded_by_the_reader_never_charged(
    tmp_path: Path, fault: str, reason: str
) -> None:
    async with reader_rig(tmp_path) as rig:
        rig.dispenser_sim.inject_fault(fault)
        result = await rig.buy(SPRAY)
        assert (result.state, result.reason) == (PurchaseState.FAILED_VOIDED, reason)
        assert await rig.final_step(result.txn_id) == "voided"
        model = rig.reader_sim.model.reader()
        assert [s.outcome for s in model.sales] == [SaleOutcome.REFUNDED]
        assert await rig.engine.call_ledger(rig.ledger.count_events, EventType.SALE) == 0


async def test_silent_board_means_manual_review_and_no_second_spray(tmp_path: Path) -> None:
    async with reader_rig(tmp_path) as rig:
        rig.dispenser_sim.inject_fault("silent")
        result = await rig.buy(SPRAY)
        assert result.state is PurchaseState.MANUAL_REVIEW
        assert await rig.final_step(result.txn_id) == "manual_review"
        status = await rig.engine.ledger_status()
        assert status.manual_review == 1
        assert status.in_flight == 0
        # default policy: the shopper is not charged for what may not have been delivered
        model = rig.reader_sim.model.reader()
        assert [s.outcome for s in model.sales] == [SaleOutcome.REFUNDED]


async def test_cancel_while_waiting_for_the_card(tmp_path: Path) -> None:
    async with reader_rig(tmp_path) as rig:
        rig.reader_sim.model.reader().card_delay = 30.0
        rig.flow.select(SPRAY)
        rig.flow.set_quote(FixedQuote(300))
        paying = asyncio.create_task(rig.flow.pay())
        await until(lambda: rig.flow.state is PurchaseState.AUTHORIZING, what="authorizing")
        await rig.flow.cancel()
        result = await paying
        assert result.state is PurchaseState.CANCELLED
        assert await rig.final_step(result.txn_id) == "cancelled"
        assert rig.reader_sim.model.reader().sales == []
