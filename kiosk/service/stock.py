"""Refills, adjustments and stock warnings, as ledger events with the technician's id.

Channels and slots are numbered as printed inside the machine and in the catalog (from 1);
the board numbers them from 0 (``board_index`` in the event data). Spray stock is in
microlitres (``sync.protocol.Unit.MICROLITRE``); the technician enters millilitres as a
``Decimal`` (at most 3 decimals: 1 µl). Bottles are units.

* refill → ``RESTOCK`` with ``data`` {technician_id, target, position, board_index, lot,
  expiry (ISO date)}, plus its ``AUDIT`` event, in one ledger transaction;
* adjustment → signed ``ADJUSTMENT`` with a reason code (``damaged``, ``theft``, ``expired``:
  only down; ``count_correction``: either way) and an optional note; the ledger refuses to go
  below zero;
* warnings: on-hand below the channel's / slot's threshold, and lots expiring within
  ``expiry_days`` (or expired). The lots *in* a channel are taken from its newest service
  refills, newest first, until they cover the current on-hand (older liquid is assumed used
  up); their earliest expiry is the channel's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.catalog import BottleOffer, Catalog, SprayOffer
from kiosk.service.audit import AuditAction, AuditTrail
from kiosk.service.doses import DoseTable
from kiosk.service.errors import StockError
from kiosk.service.events import Notifier, StockDidMove
from kiosk.service.session import Clock, ServiceSession
from kiosk.service.stock_model import (
    LOT_RE,
    MAX_REFILL_UL,
    MAX_REFILL_UNITS,
    NOTE_MAX,
    AdjustmentReason,
    ChannelStock,
    Lot,
    SlotStock,
    StockMoved,
    StockOverview,
    StockThresholds,
    StockWarning,
    WarningKind,
    earliest,
    lots_in_stock,
    ml_to_ul,
)
from sync.engine import SyncEngine
from sync.errors import InsufficientStockError
from sync.ledger import EventDraft
from sync.protocol import Event, EventType, Unit

__all__ = [
    "AdjustmentReason",
    "ChannelStock",
    "Lot",
    "SlotStock",
    "StockMoved",
    "StockOverview",
    "StockService",
    "StockThresholds",
    "StockWarning",
    "WarningKind",
    "lots_in_stock",
    "ml_to_ul",
]


class StockService:
    def __init__(
        self,
        *,
        engine: SyncEngine,
        audit: AuditTrail,
        notifier: Notifier,
        catalog: Callable[[], Catalog],
        doses: DoseTable,
        thresholds: StockThresholds,
        clock: Clock,
    ) -> None:
        self.engine = engine
        self.audit = audit
        self.notifier = notifier
        self.catalog = catalog
        self.doses = doses
        self.thresholds = thresholds
        self.clock = clock

    # -- catalog lookups -----------------------------------------------------------------------
    def sprays(self) -> dict[int, SprayOffer]:
        offers = (o for o in self.catalog().offers if isinstance(o, SprayOffer))
        return {o.channel: o for o in offers}

    def bottles(self) -> dict[int, BottleOffer]:
        offers = (o for o in self.catalog().offers if isinstance(o, BottleOffer))
        return {o.slot: o for o in offers}

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), ZoneInfo(self.catalog().timezone)).date()

    # -- reading -------------------------------------------------------------------------------
    async def overview(self, session: ServiceSession) -> StockOverview:
        await session.authorize()
        return await self.read_overview()

    async def read_overview(self) -> StockOverview:
        """Levels, lots and warnings (no session check: diagnostics and export use it)."""
        ledger = self.engine.ledger
        on_hand = await self.engine.call_ledger(ledger.on_hand)
        restocks: dict[str, list[Event]] = {}
        for target in ("channel", "slot"):
            found = await self.engine.call_ledger(
                ledger.events_where, EventType.RESTOCK, "target", target
            )
            for event in found:
                restocks.setdefault(event.sku or "", []).append(event)
        t = self.thresholds
        channels = []
        for channel, offer in sorted(self.sprays().items()):
            qty = on_hand.get(offer.sku, (0, None))[0]
            lots = lots_in_stock(restocks.get(offer.sku, []), qty)
            low = qty < t.channel_low_ul.get(channel, t.low_ul)
            dose = self.doses.dose_ul(channel)
            channels.append(
                ChannelStock(
                    channel, offer.sku, offer.product_id, qty, dose, low, lots, earliest(lots)
                )
            )
        slots = []
        for slot, bottle in sorted(self.bottles().items()):
            qty = on_hand.get(bottle.sku, (0, None))[0]
            lots = lots_in_stock(restocks.get(bottle.sku, []), qty)
            low = qty < t.slot_low_units.get(slot, t.low_units)
            slots.append(
                SlotStock(
                    slot,
                    bottle.sku,
                    bottle.product_id,
                    bottle.size_ml,
                    qty,
                    low,
                    lots,
                    earliest(lots),
                )
            )
        return StockOverview(tuple(channels), tuple(slots), self._warnings(channels, slots))

    def _warnings(
        self, channels: list[ChannelStock], slots: list[SlotStock]
    ) -> tuple[StockWarning, ...]:
        today = self.today()
        soon = today + timedelta(days=self.thresholds.expiry_days)
        rows = [
            ("channel", c.channel, c.sku, c.on_hand_ul, c.low, c.earliest_expiry) for c in channels
        ]
        rows += [("slot", s.slot, s.sku, s.on_hand, s.low, s.earliest_expiry) for s in slots]
        found = []
        for target, position, sku, qty, low, expiry in rows:
            if expiry is not None and expiry < today:
                found.append(StockWarning(WarningKind.EXPIRED, target, position, sku, qty, expiry))
            elif expiry is not None and expiry <= soon:
                found.append(StockWarning(WarningKind.EXPIRING, target, position, sku, qty, expiry))
            if low:
                found.append(StockWarning(WarningKind.LOW_LEVEL, target, position, sku, qty))
        order = {WarningKind.EXPIRED: 0, WarningKind.EXPIRING: 1, WarningKind.LOW_LEVEL: 2}
        return tuple(sorted(found, key=lambda w: (order[w.kind], w.target, w.position)))

    # -- refills -------------------------------------------------------------------------------
    async def refill_channel(
        self, session: ServiceSession, channel: int, added_ml: Decimal, lot: str, expiry: date
    ) -> StockMoved:
        tech = await session.authorize()
        target = {"target": "channel", "position": channel}
        try:
            offer = self._spray(channel)
            qty = ml_to_ul(added_ml)
            if not 0 < qty <= MAX_REFILL_UL:
                raise StockError("bad_quantity", f"a refill is 0.001-{MAX_REFILL_UL // 1000} ml")
            self._check_lot(lot, expiry)
        except StockError as exc:
            await self.audit.refused(
                AuditAction.REFILL, technician_id=tech, key=exc.key, details=target
            )
            raise
        return await self._refill(tech, offer.sku, Unit.MICROLITRE, qty, lot, expiry, target)

    async def refill_slot(
        self, session: ServiceSession, slot: int, units: int, lot: str, expiry: date
    ) -> StockMoved:
        tech = await session.authorize()
        target = {"target": "slot", "position": slot}
        try:
            bottle = self._bottle(slot)
            if not isinstance(units, int) or not 0 < units <= MAX_REFILL_UNITS:
                raise StockError("bad_quantity", f"a refill is 1-{MAX_REFILL_UNITS} bottles")
            self._check_lot(lot, expiry)
        except StockError as exc:
            await self.audit.refused(
                AuditAction.REFILL, technician_id=tech, key=exc.key, details=target
            )
            raise
        return await self._refill(tech, bottle.sku, Unit.UNIT, units, lot, expiry, target)

    def _check_lot(self, lot: str, expiry: date) -> None:
        if not isinstance(lot, str) or not LOT_RE.fullmatch(lot):
            raise StockError("bad_lot", "a lot number is 1-32 letters, digits, '.', '_', '/', '-'")
        if not isinstance(expiry, date):
            raise StockError("bad_expiry", "an expiry date is required")
        if expiry < self.today():
            raise StockError("lot_expired", f"lot {lot} expired on {expiry.isoformat()}")

    async def _refill(
        self,
        tech: str,
        sku: str,
        unit: Unit,
        qty: int,
        lot: str,
        expiry: date,
        target: dict[str, Any],
    ) -> StockMoved:
        data = {
            **target,
            "board_index": target["position"] - 1,
            "technician_id": tech,
            "lot": lot,
            "expiry": expiry.isoformat(),
        }
        draft = EventDraft(EventType.RESTOCK, sku=sku, qty=qty, unit=unit, data=data)
        details = {**data, "sku": sku, "qty": qty, "unit": unit.value}
        events = await self.audit.record_with(
            [draft], AuditAction.REFILL, technician_id=tech, details=details
        )
        return await self._moved(events[0], qty)

    # -- adjustments ---------------------------------------------------------------------------
    async def adjust_channel(
        self,
        session: ServiceSession,
        channel: int,
        delta_ml: Decimal,
        reason: AdjustmentReason,
        note: str = "",
    ) -> StockMoved:
        tech = await session.authorize()
        target = {"target": "channel", "position": channel}
        try:
            sku = self._spray(channel).sku
            delta = ml_to_ul(delta_ml)
        except StockError as exc:
            await self.audit.refused(
                AuditAction.ADJUSTMENT, technician_id=tech, key=exc.key, details=target
            )
            raise
        return await self._adjust(tech, sku, Unit.MICROLITRE, delta, reason, note, target)

    async def adjust_slot(
        self,
        session: ServiceSession,
        slot: int,
        delta_units: int,
        reason: AdjustmentReason,
        note: str = "",
    ) -> StockMoved:
        tech = await session.authorize()
        target = {"target": "slot", "position": slot}
        try:
            sku = self._bottle(slot).sku
        except StockError as exc:
            await self.audit.refused(
                AuditAction.ADJUSTMENT, technician_id=tech, key=exc.key, details=target
            )
            raise
        return await self._adjust(tech, sku, Unit.UNIT, delta_units, reason, note, target)

    async def _adjust(
        self,
        tech: str,
        sku: str,
        unit: Unit,
        delta: int,
        reason: AdjustmentReason,
        note: str,
        target: dict[str, Any],
    ) -> StockMoved:
        data = {**target, "board_index": target["position"] - 1, "technician_id": tech}
        try:
            if not isinstance(reason, AdjustmentReason):
                raise StockError("bad_reason", "choose a reason code")
            if not isinstance(delta, int) or delta == 0:
                raise StockError("bad_quantity", "an adjustment moves a non-zero quantity")
            if delta > 0 and reason is not AdjustmentReason.COUNT_CORRECTION:
                raise StockError("bad_quantity", f"{reason.value} can only lower the stock")
            if not isinstance(note, str) or len(note) > NOTE_MAX:
                raise StockError("bad_note", f"a note has at most {NOTE_MAX} characters")
            data.update(reason=reason.value, note=note.strip())
            draft = EventDraft(EventType.ADJUSTMENT, sku=sku, qty=delta, unit=unit, data=data)
            details = {**data, "sku": sku, "qty": delta, "unit": unit.value}
            try:
                events = await self.audit.record_with(
                    [draft], AuditAction.ADJUSTMENT, technician_id=tech, details=details
                )
            except InsufficientStockError:
                raise StockError("insufficient_stock", f"{sku} cannot go below zero") from None
        except StockError as exc:
            await self.audit.refused(
                AuditAction.ADJUSTMENT, technician_id=tech, key=exc.key, details=data
            )
            raise
        return await self._moved(events[0], delta)

    async def _moved(self, event: Event, delta: int) -> StockMoved:
        on_hand = await self.engine.call_ledger(self.engine.ledger.on_hand)
        sku = event.sku or ""
        assert event.unit is not None
        self.notifier.emit(StockDidMove(sku, delta, event.type.value))
        return StockMoved(
            sku, event.type, delta, event.unit, event.seq, on_hand.get(sku, (0, None))[0]
        )

    def _spray(self, channel: int) -> SprayOffer:
        offer = self.sprays().get(channel)
        if offer is None:
            raise StockError("unknown_channel", f"the catalog has no spray on channel {channel}")
        return offer

    def _bottle(self, slot: int) -> BottleOffer:
        offer = self.bottles().get(slot)
        if offer is None:
            raise StockError("unknown_slot", f"the catalog has no bottle in slot {slot}")
        return offer
