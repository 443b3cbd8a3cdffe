"""Test vends and calibration through the screens, on the real dispenser simulator and ledger:
a test spray or drop is a TEST_VEND (never a SALE, no payment) that takes stock, and a
calibration run + the measured volume changes the channel's dose, the stock correction and the
quantity a paid spray will take."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.purchase.items import dispensables
from kiosk.ui.service.texts import error_text
from sync.protocol import EventType
from tests.kiosk.service.rig import BOTTLE_SKU, CATALOG, SPRAY_SKU, SPRAYS, TECH
from tests.kiosk.ui.service.support import Kit, run_on_qasync, service_window
from tests.support.waiting import until

LATER = date.today() + timedelta(days=400)


async def stocked(kit: Kit) -> None:
    session = kit.service.vm.session
    assert session is not None
    await kit.rig.menu.stock.refill_channel(session, 1, Decimal("50"), "L1", LATER)
    await kit.rig.menu.stock.refill_slot(session, 1, 3, "B1", LATER)


async def open_test(kit: Kit, target: str, position: int) -> None:
    await kit.section("tests")
    tests = kit.overlay.sections["tests"]
    if target == "slot":
        kit.tap(tests.items.kind.buttons["slot"])
    row = tests.items.rows[(target, position)]
    await until(lambda: row.isVisible(), 5, "the row")
    kit.tap(row)
    await until(lambda: tests.page.isVisible(), 5, "the test page")


def status(kit: Kit) -> str:
    return kit.overlay.status.message.text()


def test_a_test_spray_and_a_test_drop_are_not_sales(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            await kit.sign_in()
            await stocked(kit)
            spray_before = await kit.rig.on_hand(SPRAY_SKU)
            await open_test(kit, "channel", 1)
            kit.tap(kit.button("testDosesPlus"))  # two doses
            kit.tap(kit.button("testSpray"))
            await until(lambda: status(kit).startswith("Test spray on channel 1"), 10, "spray")
            assert "delivered" in status(kit)
            (vend,) = await kit.rig.events(EventType.TEST_VEND, "target", "channel")
            assert (vend.sku, vend.data["doses_done"], vend.data["purpose"]) == (
                SPRAY_SKU,
                2,
                "test",
            )
            assert vend.data["technician_id"] == TECH
            assert await kit.rig.on_hand(SPRAY_SKU) == spray_before - vend.qty > 0

            kit.tap(kit.overlay.sections["tests"].page.header.back)
            await open_test(kit, "slot", 1)
            assert not kit.button("testSpray").isVisible()
            kit.tap(kit.button("testDrop"))
            await until(lambda: status(kit).startswith("Test drop from slot 1"), 10, "drop")
            (drop,) = await kit.rig.events(EventType.TEST_VEND, "target", "slot")
            assert (drop.sku, drop.qty) == (BOTTLE_SKU, 1)
            assert await kit.rig.events(EventType.SALE) == []
            assert await kit.rig.events(EventType.PAYMENT) == []  # no money moved at all

    run_on_qasync(qapp, scenario)


def test_calibration_through_the_screens_changes_dose_accounting(
    qapp: QApplication, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            await kit.sign_in()
            await stocked(kit)
            menu = kit.rig.menu
            old = dispensables(CATALOG, menu.doses_ul())[SPRAY_SKU].stock_qty
            await open_test(kit, "channel", 1)
            page = kit.overlay.sections["tests"].page
            assert not kit.button("calibrationApply").isEnabled()  # nothing measured yet
            kit.type_into("calibrationMeasured", "0.9")
            for _ in range(5):
                kit.tap(kit.button("calibrationDosesMinus"))  # 10 -> 5 doses
            kit.tap(kit.button("calibrationRun"))
            await until(lambda: kit.button("calibrationApply").isEnabled(), 15, "the run")
            assert status(kit).startswith("Calibration: 5 dose")
            kit.type_into("calibrationMeasured", "0.45")
            before = await kit.rig.on_hand(SPRAY_SKU)
            kit.tap(kit.button("calibrationApply"))
            await until(lambda: status(kit).startswith("Channel 1 calibrated"), 10, "the result")
            assert "90 µl per dose (was 100 µl)" in status(kit)
            await until(lambda: page.dose.text() == "Current dose: 90 µl", 5, "the new dose")
            vends = await kit.rig.events(EventType.TEST_VEND, "purpose", "calibration")
            assert sum(e.data["doses_done"] for e in vends) == 5
            (fix,) = await kit.rig.events(EventType.ADJUSTMENT, "reason", "calibration")
            assert fix.qty == 5 * 100 - 450  # the runs counted 100 µl a dose, 450 µl came out
            assert await kit.rig.on_hand(SPRAY_SKU) == before + fix.qty
            new = dispensables(CATALOG, menu.doses_ul())[SPRAY_SKU].stock_qty
            assert (old, new) == (SPRAYS[1].doses * 100, SPRAYS[1].doses * 90)

            kit.type_into("calibrationMeasured", "0.45")
            page.apply_button.setEnabled(True)  # even if it were tapped again: not run
            kit.tap(page.apply_button)
            await until(lambda: status(kit) == error_text("calibration_not_run"), 10, "refusal")

    run_on_qasync(qapp, scenario)
