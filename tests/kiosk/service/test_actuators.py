"""Test sprays and drops through the real dispenser driver and its simulator: test vends, never
sales; and calibration from a measured vial, which changes what a paid spray takes from stock."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hardware.dispenser import DispenseOutcome
from kiosk.purchase.items import DEFAULT_DOSE_UL, dispensables
from kiosk.purchase.states import PurchaseState
from kiosk.service import DoseDidChange, ServiceError, StockError
from sync.protocol import EventType, Unit
from tests.kiosk.service.rig import BOTTLE_SKU, CATALOG, SPRAY_SKU, SPRAYS, TECH, service_rig

LATER = date.today() + timedelta(days=400)


async def test_test_spray_is_a_test_vend_not_a_sale(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_channel(session, 1, Decimal("50"), "L1", LATER)
        result = await rig.menu.tests.test_spray(session, 1, doses=2)
        assert (result.ok, result.sku, result.doses_done) == (True, SPRAY_SKU, 2)
        assert result.qty == 2 * DEFAULT_DOSE_UL
        assert await rig.on_hand(SPRAY_SKU) == 50_000 - 200
        (vend,) = await rig.events(EventType.TEST_VEND)
        assert (vend.sku, vend.qty, vend.unit, vend.amount_minor) == (
            SPRAY_SKU, 200, Unit.MICROLITRE, 0
        )  # fmt: skip
        assert (vend.data["technician_id"], vend.data["command_id"]) == (TECH, result.command_id)
        assert await rig.events(EventType.SALE) == []
        assert await rig.events(EventType.PAYMENT) == []
        reader = rig.machine.reader_sim.model.reader()  # type: ignore[attr-defined]
        assert reader.sales == []  # no money asked for
        record = rig.machine.dispenser_sim.model.memory.history[result.command_id]
        assert record.params[3] == 1  # the board was told it is a test
        started, done = await rig.audits("test_spray")
        assert (started.data["result"], done.data["result"]) == ("started", "ok")
        assert started.data["command_seq"] == started.seq  # the id was fixed before the spray
        assert done.seq == vend.seq + 1


async def test_test_drop_moves_one_bottle(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_slot(session, 1, 4, "B1", LATER)
        result = await rig.menu.tests.test_drop(session, 1)
        assert result.ok and result.qty == 1
        assert await rig.on_hand(BOTTLE_SKU) == 3
        assert [e.unit for e in await rig.events(EventType.TEST_VEND)] == [Unit.UNIT]


async def test_a_jammed_test_spray_moves_nothing_and_is_audited_as_failed(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_channel(session, 1, Decimal("50"), "L1", LATER)
        rig.machine.dispenser_sim.inject_fault("jam:0")
        result = await rig.menu.tests.test_spray(session, 1)
        assert (result.outcome, result.doses_done, result.qty) == (DispenseOutcome.JAM, 0, 0)
        assert await rig.events(EventType.TEST_VEND) == []
        assert (await rig.audits("test_spray"))[-1].data["result"] == "failed"
        assert await rig.on_hand(SPRAY_SKU) == 50_000


async def test_refused_test_vends(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        with pytest.raises(StockError) as too_many:
            await rig.menu.tests.test_spray(session, 1, doses=4)
        assert too_many.value.key == "bad_quantity"
        with pytest.raises(ServiceError) as no_such:
            await rig.menu.tests.test_drop(session, 9)  # the board has 3 slots
        assert no_such.value.key == "dispenser_refused"


async def test_a_test_spray_beyond_the_counted_stock_corrects_the_count(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        result = await rig.menu.tests.test_spray(session, 2)  # never refilled in the ledger
        assert result.ok
        (fix,) = await rig.events(EventType.ADJUSTMENT)
        assert (fix.data["reason"], fix.qty) == ("dispensed_beyond_count", DEFAULT_DOSE_UL)
        assert await rig.on_hand(SPRAYS[2].sku) == 0


async def test_calibration_changes_dose_accounting(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_channel(session, 1, Decimal("50"), "L1", LATER)
        offer_doses = SPRAYS[1].doses
        before = dispensables(CATALOG, rig.menu.doses_ul())[SPRAY_SKU]
        assert before.stock_qty == offer_doses * DEFAULT_DOSE_UL

        with pytest.raises(ServiceError) as early:
            await rig.menu.tests.apply_calibration(session, 1, Decimal("1.2"))
        assert early.value.key == "calibration_not_run"
        run = await rig.menu.tests.run_calibration(session, 1, doses=10)
        assert (run.doses_done, run.recorded_ul) == (10, 10 * DEFAULT_DOSE_UL)
        assert [r.doses_done for r in run.results] == [3, 3, 3, 1]  # the driver's cap per command
        with pytest.raises(ServiceError) as absurd:
            await rig.menu.tests.apply_calibration(session, 1, Decimal("45"))
        assert absurd.value.key == "calibration_out_of_range"
        run = await rig.menu.tests.run_calibration(session, 1, doses=10)
        result = await rig.menu.tests.apply_calibration(session, 1, Decimal("1.2"))
        assert (result.old_dose_ul, result.new_dose_ul) == (DEFAULT_DOSE_UL, 120)
        assert result.correction_ul == 1000 - 1200  # the vial held more than was counted
        assert DoseDidChange(1, DEFAULT_DOSE_UL, 120) in rig.seen
        assert rig.menu.doses_ul() == {0: 120}

        after = dispensables(CATALOG, rig.menu.doses_ul())[SPRAY_SKU]
        assert after.stock_qty == offer_doses * 120
        on_hand = 50_000 - 2 * 1000 - 200
        assert await rig.on_hand(SPRAY_SKU) == on_hand
        await rig.menu.logout(session)
        bought = await rig.machine.buy(after, price=250)
        assert bought.state is PurchaseState.COMPLETED
        (sale,) = await rig.events(EventType.SALE)
        assert sale.qty == offer_doses * 120
        assert await rig.on_hand(SPRAY_SKU) == on_hand - offer_doses * 120

        (calibration,) = [e for e in await rig.audits("calibration") if e.data["result"] == "ok"]
        assert (calibration.data["old_dose_ul"], calibration.data["new_dose_ul"]) == (100, 120)
        menu = await rig.reopen()  # the calibration survives a restart
        assert menu.doses_ul() == {0: 120}
