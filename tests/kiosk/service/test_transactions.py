"""Recent transactions, refunds and voids through the purchase flow's refund rules, and
manual-review resolution, from the service menu (MDB reader rig: the reader settles sales)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.purchase.items import dispensables
from kiosk.purchase.model import FlowConfig, UnknownDispensePolicy
from kiosk.purchase.states import PurchaseState
from kiosk.service import RefundRequested, ServiceSession, TransactionError
from sync.protocol import EventType
from tests.kiosk.purchase.rig import FixedQuote
from tests.kiosk.service.rig import BOTTLE_SKU, CATALOG, TECH, ServiceRig, service_rig

LATER = date.today() + timedelta(days=400)
FAST_FLOW = FlowConfig(
    payment_timeout_s=10, dispense_query_attempts=2, dispense_query_interval_s=0.1
)


async def _sell_bottle(rig: ServiceRig, price: int = 2200) -> tuple[str, ServiceSession]:
    session = await rig.login()
    await rig.menu.stock.refill_slot(session, 1, 5, "B1", LATER)
    await rig.menu.logout(session)
    result = await rig.machine.buy(dispensables(CATALOG)[BOTTLE_SKU], price=price)
    assert result.txn_id is not None
    return result.txn_id, await rig.login()


async def test_recent_transactions_and_a_partial_refund(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        txn, session = await _sell_bottle(rig)
        (sale,) = await rig.menu.transactions.recent(session)
        assert (sale.txn_id, sale.kind, sale.step, sale.open) == (txn, "sale", "captured", False)
        assert (sale.amount_minor, sale.mode, sale.dispensed) == (2200, "reader", True)
        assert sale.can_refund and not sale.can_void

        ticket = await rig.menu.transactions.refund(session, txn, 1000, "cap missing")
        assert (ticket.original_txn_id, ticket.amount_minor) == (txn, 1000)
        (refund,) = await rig.events(EventType.REFUND)
        assert (refund.amount_minor, refund.data["operator_id"]) == (1000, TECH)
        requested = await rig.events(EventType.PAYMENT, "step", "refund_requested")
        assert requested[0].data["reason"] == "cap missing"
        assert (await rig.audits("refund"))[-1].data["result"] == "ok"

        newest, sale = await rig.menu.transactions.recent(session)
        assert (newest.kind, newest.original_txn, newest.amount_minor) == ("refund", txn, 1000)
        assert newest.step == "refund_requested" and newest.open
        assert sale.refunded_minor == 1000

        with pytest.raises(TransactionError) as too_much:
            await rig.menu.transactions.refund(session, txn, 1201, "again")
        assert too_much.value.key == "refund_refused"
        with pytest.raises(TransactionError) as no_reason:
            await rig.menu.transactions.refund(session, txn, 100, " ")
        assert no_reason.value.key == "reason_required"
        with pytest.raises(TransactionError) as captured:
            await rig.menu.transactions.void(session, txn)
        assert captured.value.key == "void_refused"
        refused = [e.data["reason"] for e in await rig.audits("refund")
                   if e.data["result"] == "refused"]  # fmt: skip
        assert refused == ["refund_refused", "reason_required"]
        assert len(await rig.events(EventType.REFUND)) == 1


async def test_void_an_authorization_left_for_review(tmp_path: Path) -> None:
    leave = FlowConfig(
        payment_timeout_s=10,
        dispense_query_attempts=2,
        dispense_query_interval_s=0.1,
        unknown_dispense=UnknownDispensePolicy.LEAVE,
    )
    async with service_rig(tmp_path, flow=leave) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_slot(session, 1, 5, "B1", LATER)
        await rig.menu.logout(session)
        rig.machine.dispenser_sim.inject_fault("silent")
        result = await rig.machine.buy(dispensables(CATALOG)[BOTTLE_SKU], price=2200)
        assert result.state is PurchaseState.MANUAL_REVIEW and result.txn_id is not None
        session = await rig.login()
        (item,) = await rig.menu.transactions.review_items(session)
        assert item.txn_id == result.txn_id and item.needs_review and item.can_void
        await rig.menu.transactions.void(session, result.txn_id)
        (void,) = await rig.events(EventType.PAYMENT, "step", "void_requested")
        assert (void.txn_id, void.data["operator_id"]) == (result.txn_id, TECH)
        assert await rig.menu.transactions.review_items(session) == []


async def test_resolve_a_manual_review_with_a_note(tmp_path: Path) -> None:
    async with service_rig(tmp_path, flow=FAST_FLOW) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_slot(session, 1, 5, "B1", LATER)
        await rig.menu.logout(session)
        rig.machine.dispenser_sim.inject_fault("silent")
        result = await rig.machine.buy(dispensables(CATALOG)[BOTTLE_SKU], price=2200)
        txn = result.txn_id
        assert result.state is PurchaseState.MANUAL_REVIEW and txn is not None
        assert (await rig.machine.engine.ledger_status()).manual_review == 1

        session = await rig.login()
        with pytest.raises(TransactionError) as empty:
            await rig.menu.transactions.resolve_review(session, txn, "  ")
        assert empty.value.key == "note_required"
        await rig.menu.transactions.resolve_review(session, txn, "bottle found in the tray")
        entry = await rig.machine.engine.call_ledger(rig.machine.ledger.journal_entry, txn)
        assert entry is not None and (entry.step, entry.open) == ("review_resolved", False)
        assert (await rig.machine.engine.ledger_status()).manual_review == 0
        assert await rig.menu.transactions.review_items(session) == []
        assert await rig.machine.settlement.run_once() == 0  # nothing left to settle
        (closing,) = await rig.events(EventType.PAYMENT, "step", "review_resolved")
        assert dict(closing.data) == {
            "step": "review_resolved",
            "technician_id": TECH,
            "note": "bottle found in the tray",
        }
        with pytest.raises(TransactionError) as twice:
            await rig.menu.transactions.resolve_review(session, txn, "again")
        assert twice.value.key == "not_in_review"
        (summary,) = [t for t in await rig.menu.transactions.recent(session) if t.txn_id == txn]
        assert summary.step == "review_resolved" and not summary.needs_review


async def test_a_points_only_sale_gets_its_points_back_not_money(tmp_path: Path) -> None:
    """Paid only with loyalty points (offline, within the kiosk's cap: no middleware here):
    the money refund is refused (``points_only``); a points refund gives back part and then
    the rest, each closed at once, and nothing more; a card sale gets no points refund."""
    flow = replace(FAST_FLOW, loyalty_offline_daily_cap_points=1000)
    async with service_rig(tmp_path, flow=flow) as rig:
        txn, session = await _sell_bottle(rig)  # a card sale first
        await rig.menu.logout(session)
        machine = rig.machine.flow
        machine.reset()
        machine.select(dispensables(CATALOG)[BOTTLE_SKU])
        machine.set_quote(FixedQuote(0, member_id="m-ada", points_redeemed=300))
        result = await machine.pay()
        points_txn = result.txn_id
        assert result.state is PurchaseState.COMPLETED and points_txn is not None
        session = await rig.login()
        sale, card = await rig.menu.transactions.recent(session)
        assert (sale.txn_id, sale.mode, sale.step, sale.amount_minor) == (
            points_txn, "points", "captured", 0
        )  # fmt: skip
        assert (sale.points_spent, sale.points_restored) == (300, 0)
        assert sale.can_refund_points and not sale.can_refund
        assert card.can_refund and not card.can_refund_points

        with pytest.raises(TransactionError) as no_money:
            await rig.menu.transactions.refund(session, points_txn, 100, "leak")
        assert no_money.value.key == "points_only"
        with pytest.raises(TransactionError) as no_reason:
            await rig.menu.transactions.refund_points(session, points_txn, " ", 100)
        assert no_reason.value.key == "reason_required"
        with pytest.raises(TransactionError) as card_sale:
            await rig.menu.transactions.refund_points(session, txn, "leak")
        assert card_sale.value.key == "refund_refused"
        assert "refund its money" in str(card_sale.value)

        first = await rig.menu.transactions.refund_points(session, points_txn, "leak", 100)
        assert first == RefundRequested(f"{points_txn}.r1", points_txn, 0, 100)
        refund, sale, _card = await rig.menu.transactions.recent(session)
        assert (refund.kind, refund.original_txn, refund.step, refund.open) == (
            "refund", points_txn, "refunded", False
        )  # fmt: skip
        assert (refund.amount_minor, refund.points_restored) == (0, 100)
        assert sale.points_restored == 100 and sale.can_refund_points
        rest = await rig.menu.transactions.refund_points(session, points_txn, "leak")
        assert (rest.refund_txn_id, rest.points) == (f"{points_txn}.r2", 200)
        sale = await rig.menu.transactions.summary(points_txn)
        assert sale.points_restored == 300 and not sale.can_refund_points
        with pytest.raises(TransactionError) as again:
            await rig.menu.transactions.refund_points(session, points_txn, "leak", 1)
        assert again.value.key == "refund_refused"

        restores = await rig.events(EventType.LOYALTY, "kind", "restore")
        assert [(e.txn_id, e.data["points"]) for e in restores] == [
            (f"{points_txn}.r1", 100), (f"{points_txn}.r2", 200)
        ]  # fmt: skip
        assert await rig.machine.settlement.run_once() == 0  # nothing in flight
        audits = await rig.audits("refund")
        assert [e.data.get("points") for e in audits if e.data["result"] == "ok"] == [100, 200]
        refused = [e.data["reason"] for e in audits if e.data["result"] == "refused"]
        assert refused == ["points_only", "reason_required", "refund_refused", "refund_refused"]
