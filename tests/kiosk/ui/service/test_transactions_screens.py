"""Refund, void and manual-review resolution from the transactions screens, through the
purchase flow's refund rules on the real ledger, MDB reader simulator and settlement worker:
what the technician types becomes the REFUND / void / review_resolved events, and a refusal
shows the domain's message."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.purchase.items import dispensables
from kiosk.purchase.model import FlowConfig, UnknownDispensePolicy
from kiosk.purchase.states import PurchaseState
from kiosk.ui.service.texts import error_text
from sync.protocol import EventType
from tests.kiosk.purchase.rig import FixedQuote
from tests.kiosk.service.rig import BOTTLE_SKU, CATALOG, TECH, ServiceRig
from tests.kiosk.ui.service.support import Kit, run_on_qasync, service_window
from tests.support.waiting import until

LATER = date.today() + timedelta(days=400)
FAST = {"payment_timeout_s": 10, "dispense_query_attempts": 2, "dispense_query_interval_s": 0.1}


async def sell_bottle(rig: ServiceRig, *, silent: bool = False) -> str:
    session = await rig.login()
    await rig.menu.stock.refill_slot(session, 1, 5, "B1", LATER)
    await rig.menu.logout(session)
    if silent:
        rig.machine.dispenser_sim.inject_fault("silent")
    result = await rig.machine.buy(dispensables(CATALOG)[BOTTLE_SKU], price=2200)
    assert result.txn_id is not None
    if silent:
        assert result.state is PurchaseState.MANUAL_REVIEW
    return str(result.txn_id)


async def open_txn(kit: Kit, group: str, txn: str) -> None:
    await kit.section("transactions")
    section = kit.overlay.sections["transactions"]
    await until(lambda: (group, txn) in section.rows, 5, "the transaction's row")
    kit.tap(section.rows[(group, txn)])
    await until(lambda: section.page.isVisible(), 5, "the transaction page")


def status(kit: Kit) -> str:
    return kit.overlay.status.message.text()


def test_refund_part_of_a_sale_from_the_menu(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            txn = await sell_bottle(kit.rig)
            await kit.sign_in()
            await open_txn(kit, "recent", txn)
            page = kit.overlay.sections["transactions"].page
            assert page.refund_card.isVisible() and not page.void_card.isVisible()
            assert "paid" in page.facts.text()
            kit.type_into("refundAmount", "22.01")
            kit.type_into("refundReason", "Cap missing")
            kit.tap(kit.button("refundButton"))
            await until(lambda: status(kit) == error_text("refund_refused"), 10, "the refusal")
            kit.type_into("refundAmount", "10.00")
            kit.tap(kit.button("refundButton"))
            await until(lambda: status(kit).startswith("Refund of"), 10, "the refund")
            assert "10.00" in status(kit)
            (refund,) = await kit.rig.events(EventType.REFUND)
            assert (refund.amount_minor, refund.data["operator_id"]) == (1000, TECH)
            (asked,) = await kit.rig.events(EventType.PAYMENT, "step", "refund_requested")
            assert asked.data["reason"] == "Cap missing"
            await until(lambda: "Already refunded" in page.facts.text(), 5, "the refunded sum")
            results = [e.data["result"] for e in await kit.rig.audits("refund")]
            assert results == ["refused", "ok"]

    run_on_qasync(qapp, scenario)


def given_back(kit: Kit, points: int) -> bool:
    """The status says so (English plural forms need kiosk_en.qm, not loaded here)."""
    text = status(kit)
    return text.startswith(f"{points} point") and text.endswith("given back to the member.")


def test_give_back_the_points_of_a_points_only_sale(qapp: QApplication, tmp_path: Path) -> None:
    """Paid only with points (offline, within the kiosk's cap): the card asks for points, not
    money; a bad count is refused, then 100 and the rest (empty) are given back."""
    flow = FlowConfig(**FAST, loyalty_offline_daily_cap_points=1000)

    async def scenario() -> None:
        async with service_window(qapp, tmp_path, flow=flow) as kit:
            session = await kit.rig.login()
            await kit.rig.menu.stock.refill_slot(session, 1, 5, "B1", LATER)
            await kit.rig.menu.logout(session)
            machine = kit.rig.machine.flow
            machine.reset()
            machine.select(dispensables(CATALOG)[BOTTLE_SKU])
            machine.set_quote(FixedQuote(0, member_id="m-ada", points_redeemed=300))
            result = await machine.pay()
            assert result.state is PurchaseState.COMPLETED and result.txn_id is not None
            txn = result.txn_id
            await kit.sign_in()
            await open_txn(kit, "recent", txn)
            page = kit.overlay.sections["transactions"].page
            assert page.refund_card.isVisible() and page.points.isVisible()
            assert not page.amount.isVisible()
            assert page.refund_button.text() == "Give these points back"
            kit.type_into("refundPoints", "0")
            kit.type_into("refundReason", "Leaking bottle")
            kit.tap(kit.button("refundButton"))
            await until(lambda: status(kit) == error_text("bad_points"), 10, "the refusal")
            kit.type_into("refundPoints", "100")
            kit.tap(kit.button("refundButton"))
            await until(lambda: given_back(kit, 100), 10, "the first points given back")
            await until(lambda: "all 200" in page.points.caption.text(), 5, "200 left")
            kit.type_into("refundPoints", "")
            kit.type_into("refundReason", "Leaking bottle")
            kit.tap(kit.button("refundButton"))
            await until(lambda: given_back(kit, 200), 10, "the rest given back")
            restores = await kit.rig.events(EventType.LOYALTY, "kind", "restore")
            assert [e.data["points"] for e in restores] == [100, 200]

    run_on_qasync(qapp, scenario)


def test_void_an_authorization_left_for_review(qapp: QApplication, tmp_path: Path) -> None:
    leave = FlowConfig(**FAST, unknown_dispense=UnknownDispensePolicy.LEAVE)

    async def scenario() -> None:
        async with service_window(qapp, tmp_path, flow=leave) as kit:
            txn = await sell_bottle(kit.rig, silent=True)
            await kit.sign_in()
            await open_txn(kit, "review", txn)
            section = kit.overlay.sections["transactions"]
            assert [t.txn_id for t in section.reviews] == [txn]
            assert section.review_heading.isVisibleTo(section.list_page)
            page = section.page
            assert page.void_card.isVisible() and not page.refund_card.isVisible()
            kit.tap(kit.button("voidButton"))
            await until(lambda: status(kit).startswith("Void requested"), 10, "the void")
            (void,) = await kit.rig.events(EventType.PAYMENT, "step", "void_requested")
            assert (void.txn_id, void.data["operator_id"]) == (txn, TECH)
            await until(lambda: section.reviews == [], 5, "no review left")
            assert not section.review_heading.isVisibleTo(section.list_page)

    run_on_qasync(qapp, scenario)


def test_resolve_a_manual_review_with_a_note(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path, flow=FlowConfig(**FAST)) as kit:
            txn = await sell_bottle(kit.rig, silent=True)
            await kit.sign_in()
            await open_txn(kit, "review", txn)
            kit.tap(kit.button("resolveButton"))
            await until(lambda: status(kit) == error_text("note_required"), 10, "the refusal")
            kit.type_into("reviewNote", "Bottle found in the tray")
            kit.tap(kit.button("resolveButton"))
            await until(lambda: status(kit) == "Review closed with your note.", 10, "the close")
            (closing,) = await kit.rig.events(EventType.PAYMENT, "step", "review_resolved")
            assert closing.txn_id == txn
            assert (closing.data["technician_id"], closing.data["note"]) == (
                TECH,
                "Bottle found in the tray",
            )
            assert (await kit.rig.machine.engine.ledger_status()).manual_review == 0

    run_on_qasync(qapp, scenario)
