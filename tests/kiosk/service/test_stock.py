"""Refills and adjustments through the service menu: the right ledger events (with the
technician's id, lot and expiry), the right on-hand values, refusals, and warnings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.service import (
    AdjustmentReason,
    StockDidMove,
    StockError,
    StockThresholds,
    WarningKind,
)
from sync.protocol import EventType, Unit
from tests.kiosk.service.rig import BOTTLE_SKU, BOTTLES, SPRAY_SKU, SPRAYS, TECH, service_rig

LATER = date.today() + timedelta(days=400)


async def test_refill_channel_and_slot_record_restock_events_and_move_on_hand(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        moved = await rig.menu.stock.refill_channel(session, 1, Decimal("50.5"), "L2405-A", LATER)
        assert (moved.sku, moved.qty, moved.unit, moved.on_hand_after) == (
            SPRAY_SKU, 50_500, Unit.MICROLITRE, 50_500
        )  # fmt: skip
        await rig.menu.stock.refill_slot(session, 1, 6, "B77", LATER)
        assert await rig.on_hand(SPRAY_SKU) == 50_500
        assert await rig.on_hand(BOTTLE_SKU) == 6

        restocks = await rig.events(EventType.RESTOCK, "target", "channel")
        assert len(restocks) == 1
        event = restocks[0]
        assert (event.sku, event.qty, event.unit) == (SPRAY_SKU, 50_500, Unit.MICROLITRE)
        assert dict(event.data) == {
            "target": "channel", "position": 1, "board_index": 0, "technician_id": TECH,
            "lot": "L2405-A", "expiry": LATER.isoformat(),
        }  # fmt: skip
        audit = (await rig.audits("refill"))[0]
        assert audit.seq == event.seq + 1  # committed together
        assert (audit.data["technician_id"], audit.data["result"]) == (TECH, "ok")
        assert StockDidMove(SPRAY_SKU, 50_500, "RESTOCK") in rig.seen


@pytest.mark.parametrize(
    ("reason", "delta", "expected"),
    [
        (AdjustmentReason.DAMAGED, -2, 4),
        (AdjustmentReason.THEFT, -1, 5),
        (AdjustmentReason.EXPIRED, -6, 0),
        (AdjustmentReason.COUNT_CORRECTION, +3, 9),
        (AdjustmentReason.COUNT_CORRECTION, -5, 1),
    ],
)
async def test_adjustments_record_a_reason_and_move_on_hand(
    tmp_path: Path, reason: AdjustmentReason, delta: int, expected: int
) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_slot(session, 1, 6, "B77", LATER)
        moved = await rig.menu.stock.adjust_slot(session, 1, delta, reason, note="box crushed")
        assert moved.on_hand_after == expected == await rig.on_hand(BOTTLE_SKU)
        (event,) = await rig.events(EventType.ADJUSTMENT, "technician_id", TECH)
        assert (event.sku, event.qty, event.unit) == (BOTTLE_SKU, delta, Unit.UNIT)
        assert (event.data["reason"], event.data["note"]) == (reason.value, "box crushed")


async def test_adjust_a_channel_in_millilitres(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_channel(session, 2, Decimal("30"), "C1", LATER)
        await rig.menu.stock.adjust_channel(
            session, 2, Decimal("-2.250"), AdjustmentReason.COUNT_CORRECTION
        )
        assert await rig.on_hand(SPRAYS[2].sku) == 27_750


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda s, m: m.refill_channel(s, 99, Decimal(5), "L1", LATER), "unknown_channel"),
        (lambda s, m: m.refill_slot(s, 99, 1, "L1", LATER), "unknown_slot"),
        (lambda s, m: m.refill_channel(s, 1, Decimal("0"), "L1", LATER), "bad_quantity"),
        (lambda s, m: m.refill_channel(s, 1, Decimal("1.0005"), "L1", LATER), "bad_quantity"),
        (lambda s, m: m.refill_channel(s, 1, Decimal("NaN"), "L1", LATER), "bad_quantity"),
        (lambda s, m: m.refill_channel(s, 1, Decimal("9000"), "L1", LATER), "bad_quantity"),
        (lambda s, m: m.refill_slot(s, 1, -3, "L1", LATER), "bad_quantity"),
        (lambda s, m: m.refill_slot(s, 1, 1, "", LATER), "bad_lot"),
        (lambda s, m: m.refill_slot(s, 1, 1, "L1; DROP", LATER), "bad_lot"),
        (lambda s, m: m.refill_slot(s, 1, 1, "L1", date(2020, 1, 1)), "lot_expired"),
        (lambda s, m: m.adjust_slot(s, 1, 2, AdjustmentReason.DAMAGED), "bad_quantity"),
        (lambda s, m: m.adjust_slot(s, 1, 0, AdjustmentReason.COUNT_CORRECTION), "bad_quantity"),
        (lambda s, m: m.adjust_slot(s, 1, -7, AdjustmentReason.THEFT), "insufficient_stock"),
        (lambda s, m: m.adjust_slot(s, 1, -1, "theft"), "bad_reason"),
        (lambda s, m: m.adjust_slot(s, 1, -1, AdjustmentReason.THEFT, "x" * 201), "bad_note"),
    ],
)  # fmt: skip
async def test_refused_stock_moves_change_nothing_and_are_audited(
    tmp_path: Path, call: object, key: str
) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_slot(session, 1, 6, "B77", LATER)
        before = await rig.machine.on_hand()
        with pytest.raises(StockError) as refused:
            await call(session, rig.menu.stock)  # type: ignore[operator]
        assert refused.value.key == key
        assert await rig.machine.on_hand() == before
        audits = await rig.events(EventType.AUDIT, "result", "refused")
        assert [e.data["reason"] for e in audits] == [key]
        # and the technician carries on: a valid move still works
        await rig.menu.stock.adjust_slot(session, 1, -1, AdjustmentReason.DAMAGED)
        assert await rig.on_hand(BOTTLE_SKU) == 5


async def test_low_level_and_expiry_warnings(tmp_path: Path) -> None:
    thresholds = StockThresholds(low_ul=5_000, low_units=2, expiry_days=30, slot_low_units={2: 4})
    async with service_rig(tmp_path, thresholds=thresholds) as rig:
        session = await rig.login()
        stock = rig.menu.stock
        today = stock.today()
        await stock.refill_channel(session, 1, Decimal("4"), "OLD", today + timedelta(days=10))
        await stock.refill_channel(session, 1, Decimal("20"), "NEW", today + timedelta(days=300))
        await stock.refill_channel(session, 2, Decimal("4.999"), "C", today + timedelta(days=300))
        await stock.refill_slot(session, 1, 5, "B1", today + timedelta(days=29))
        await stock.refill_slot(session, 2, 3, "B2", today + timedelta(days=300))
        await stock.refill_slot(session, 3, 8, "B3", today)
        overview = await stock.overview(session)
        channel_1 = overview.channels[0]
        # 24 ml in channel 1 is covered by both refills: the old lot is still in there
        assert [lot.lot for lot in channel_1.lots] == ["NEW", "OLD"]
        assert channel_1.earliest_expiry == today + timedelta(days=10)
        assert channel_1.doses_left == 24_000 // channel_1.dose_ul
        found = {(w.kind, w.target, w.position) for w in overview.warnings}
        assert found == {
            (WarningKind.EXPIRING, "channel", 1),
            (WarningKind.LOW_LEVEL, "channel", 2),
            *{(WarningKind.LOW_LEVEL, "channel", c) for c in SPRAYS if c > 2},  # never refilled
            (WarningKind.EXPIRING, "slot", 1),
            (WarningKind.LOW_LEVEL, "slot", 2),  # 3 units, its own threshold is 4
            (WarningKind.EXPIRING, "slot", 3),  # expires today: still sellable today
            *{(WarningKind.LOW_LEVEL, "slot", s) for s in BOTTLES if s > 3},
        }
        # once the new liquid alone covers the on-hand, the old lot no longer counts
        await stock.adjust_channel(session, 1, Decimal("-5"), AdjustmentReason.COUNT_CORRECTION)
        overview = await stock.overview(session)
        assert [lot.lot for lot in overview.channels[0].lots] == ["NEW"]
        rig.clock.advance(31 * 86400)  # a month later slot 1's lot has expired
        overview = await stock.overview(await rig.login())
        assert (WarningKind.EXPIRED, "slot", 1) in {
            (w.kind, w.target, w.position) for w in overview.warnings
        }
        assert overview.warnings[0].kind is WarningKind.EXPIRED  # worst first
