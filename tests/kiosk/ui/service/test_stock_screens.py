"""Refills and adjustments through the stock screens, on the real ledger: each confirmed form
is one RESTOCK or ADJUSTMENT event with the technician's id, lot, expiry, reason and note, the
on-hand moves by exactly that, the list shows the new level, and a refusal shows the domain's
message without moving anything."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.ui.service.texts import error_text
from sync.protocol import EventType
from tests.kiosk.service.rig import BOTTLE_SKU, SPRAY_SKU, TECH
from tests.kiosk.ui.service.support import Kit, run_on_qasync, service_window
from tests.support.waiting import until


async def open_item(kit: Kit, target: str, position: int) -> None:
    await kit.section("stock")
    stock = kit.overlay.sections["stock"]
    if target == "slot":
        kit.tap(stock.items.kind.buttons["slot"])
    row = stock.items.rows[(target, position)]
    await until(lambda: row.isVisible(), 5, "the row")
    kit.tap(row)
    await until(lambda: stock.form.isVisible(), 5, "the form")


def status(kit: Kit) -> str:
    return kit.overlay.status.message.text()


def test_refill_a_channel_through_the_screens(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            await kit.sign_in()
            before = await kit.rig.on_hand(SPRAY_SKU)
            await open_item(kit, "channel", 1)
            form = kit.overlay.sections["stock"].form
            kit.type_into("stockQuantity", "40.5")
            kit.type_into("stockLot", "L2405-B")
            shown = form.expiry.value()
            kit.tap(kit.button("stockExpiryYearPlus"))
            kit.tap(kit.button("stockExpiryMonthMinus"))
            wanted = form.expiry.value()
            month = shown.month - 1 or 1  # the month stepper stops at January
            last = calendar.monthrange(shown.year + 1, month)[1]
            assert wanted == date(shown.year + 1, month, min(shown.day, last))
            kit.tap(kit.button("stockRefill"))
            await until(lambda: status(kit).startswith("Refill recorded"), 10, "the refill")

            (restock,) = await kit.rig.events(EventType.RESTOCK, "lot", "L2405-B")
            assert (restock.sku, restock.qty, restock.unit.value) == (SPRAY_SKU, 40_500, "ul")
            assert restock.data["technician_id"] == TECH
            assert (restock.data["target"], restock.data["position"]) == ("channel", 1)
            assert date.fromisoformat(restock.data["expiry"]) == wanted
            assert await kit.rig.on_hand(SPRAY_SKU) == before + 40_500
            await until(lambda: "L2405-B" in form.current.text(), 5, "the new level")
            row = kit.overlay.sections["stock"].items.rows[("channel", 1)]
            assert row.detail.text().startswith(f"{(before + 40_500) / 1000:.1f} ml")
            assert form.quantity.text() == "" and form.lot.text() == ""  # ready for the next

            kit.type_into("stockQuantity", "10")
            kit.type_into("stockLot", "BAD LOT", expect="BADLOT")  # no space in a lot number
            kit.type_into("stockLot", "")
            kit.tap(kit.button("stockRefill"))
            await until(lambda: status(kit) == error_text("bad_lot"), 10, "the refusal")
            assert len(await kit.rig.events(EventType.RESTOCK, "target", "channel")) == 1

    run_on_qasync(qapp, scenario)


def test_refill_a_slot_and_adjust_it_with_a_reason(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            await kit.sign_in()
            before = await kit.rig.on_hand(BOTTLE_SKU)
            await open_item(kit, "slot", 1)
            form = kit.overlay.sections["stock"].form
            kit.type_into("stockQuantity", "6")
            kit.type_into("stockLot", "B77")
            kit.tap(kit.button("stockRefill"))
            await until(lambda: status(kit).startswith("Refill recorded"), 10, "the refill")
            assert await kit.rig.on_hand(BOTTLE_SKU) == before + 6

            kit.tap(form.mode.buttons["adjust"])
            assert form.reason.isVisible() and not form.lot.isVisible()
            kit.type_into("stockQuantity", "1")
            kit.tap(form.reason.buttons["damaged"])
            kit.type_into("stockNote", "Cap broken")
            kit.tap(kit.button("stockAdjust"))
            await until(lambda: status(kit).startswith("Adjustment recorded"), 10, "the adjustment")
            (adjusted,) = await kit.rig.events(EventType.ADJUSTMENT, "reason", "damaged")
            assert (adjusted.sku, adjusted.qty, adjusted.data["note"]) == (
                BOTTLE_SKU,
                -1,
                "Cap broken",
            )
            assert adjusted.data["technician_id"] == TECH
            assert await kit.rig.on_hand(BOTTLE_SKU) == before + 5

            kit.type_into("stockQuantity", str(before + 6))  # more than there is
            kit.tap(form.reason.buttons["theft"])
            kit.tap(kit.button("stockAdjust"))
            await until(lambda: status(kit) == error_text("insufficient_stock"), 10, "the refusal")
            kit.tap(form.direction.buttons["add"])
            kit.type_into("stockQuantity", "2")
            kit.tap(kit.button("stockAdjust"))  # theft cannot add stock
            await until(lambda: status(kit) == error_text("bad_quantity"), 10, "the refusal")
            kit.tap(form.reason.buttons["count_correction"])
            kit.tap(kit.button("stockAdjust"))
            await until(lambda: status(kit).startswith("Adjustment recorded"), 10, "the count")
            assert await kit.rig.on_hand(BOTTLE_SKU) == before + 7
            reasons = [e.data["reason"] for e in await kit.rig.events(EventType.ADJUSTMENT)]
            assert reasons == ["damaged", "count_correction"]

    run_on_qasync(qapp, scenario)
