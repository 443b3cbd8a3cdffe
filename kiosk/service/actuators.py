"""Test vends and spray calibration through the real dispenser driver.

A test spray or test drop is never a sale: no payment, no ``SALE``. What leaves the machine
still leaves stock, as a ``TEST_VEND`` event (doses done × the channel's dose, or the bottle).
Like a purchase, the command id is fixed by a commit *before* the command goes out: an
``AUDIT`` ``test_spray``/``test_drop`` event with result ``started`` whose own sequence number
gives the id (``kiosk.purchase.journal.command_id_for``); a lost answer is resolved by asking
the board about that id, never by sending again. The outcome commits the ``TEST_VEND`` and the
result's ``AUDIT`` event together.

Calibration: :meth:`TestVends.run_calibration` sprays N test doses (in commands of at most
``chunk_doses``, the driver's per-command cap) into a measuring vial; the technician reads the
vial and :meth:`TestVends.apply_calibration` turns the measured millilitres into the channel's
new µl per dose (stored in the :class:`~kiosk.service.doses.DoseTable`: the board has no
command to set it), corrects the stock for the difference between what the test vends
recorded (old dose) and what was measured (``ADJUSTMENT`` reason ``calibration``), and records
an ``AUDIT`` ``calibration`` event with old and new dose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from hardware.common.errors import HardwareError
from hardware.dispenser import (
    ActuationRefusedError,
    DispenseOutcome,
    Dispenser,
    DispenseResult,
)
from kiosk.purchase.dispensing import ask_board
from kiosk.purchase.journal import command_id_for
from kiosk.service.audit import AuditAction, AuditResult, AuditTrail
from kiosk.service.doses import MAX_DOSE_UL, MIN_DOSE_UL, DoseTable
from kiosk.service.errors import DeviceError, ServiceError, StockError
from kiosk.service.events import Notifier, StockDidMove
from kiosk.service.session import ServiceSession
from kiosk.service.stock import StockService, ml_to_ul
from sync.engine import SyncEngine
from sync.errors import InsufficientStockError
from sync.ledger import EventDraft
from sync.protocol import EventType, Unit

log = logging.getLogger(__name__)
MAX_TEST_DOSES = 3
MAX_CALIBRATION_DOSES = 30


@dataclass(frozen=True)
class TestVendResult:
    target: str  # "channel" or "slot"
    position: int  # 1-based
    sku: str | None  # None: the catalog maps nothing there (actuator tested, no stock moved)
    outcome: DispenseOutcome  # its value is the message key (ok, jam, empty, ...)
    doses_done: int  # sprays, or 0/1 bottle
    qty: int  # stock moved by the TEST_VEND (µl or units)
    command_id: int
    seq: int  # the sequence number of the outcome's AUDIT event

    @property
    def ok(self) -> bool:
        return self.outcome is DispenseOutcome.OK


@dataclass(frozen=True)
class CalibrationRun:
    channel: int
    doses_asked: int
    doses_done: int
    dose_ul_used: int  # the dose the test vends were recorded with
    recorded_ul: int  # what the TEST_VEND events took from stock
    results: tuple[TestVendResult, ...]


@dataclass(frozen=True)
class CalibrationResult:
    channel: int
    old_dose_ul: int
    new_dose_ul: int
    measured_ul: int
    doses: int
    correction_ul: int  # the ADJUSTMENT recorded (+: the test vends took too much)


class TestVends:
    __test__ = False  # not a pytest class, despite the name

    def __init__(
        self,
        *,
        engine: SyncEngine,
        dispenser: Dispenser,
        audit: AuditTrail,
        notifier: Notifier,
        stock: StockService,
        doses: DoseTable,
        chunk_doses: int = 3,
        query_attempts: int = 3,
        query_interval_s: float = 0.5,
    ) -> None:
        self.engine = engine
        self.dispenser = dispenser
        self.audit = audit
        self.notifier = notifier
        self.stock = stock
        self.doses = doses
        self.chunk_doses = chunk_doses
        self.query = (query_attempts, query_interval_s)
        self._runs: dict[int, CalibrationRun] = {}

    async def test_spray(
        self, session: ServiceSession, channel: int, doses: int = 1
    ) -> TestVendResult:
        tech = await session.authorize()
        if not isinstance(doses, int) or not 1 <= doses <= MAX_TEST_DOSES:
            await self.audit.refused(AuditAction.TEST_SPRAY, technician_id=tech, key="bad_quantity")
            raise StockError("bad_quantity", f"a test spray is 1-{MAX_TEST_DOSES} doses")
        return await self._actuate(tech, "channel", channel, doses, "test")

    async def test_drop(self, session: ServiceSession, slot: int) -> TestVendResult:
        tech = await session.authorize()
        return await self._actuate(tech, "slot", slot, 1, "test")

    async def _actuate(
        self, tech: str, target: str, position: int, doses: int, purpose: str
    ) -> TestVendResult:
        spray = target == "channel"
        action = AuditAction.TEST_SPRAY if spray else AuditAction.TEST_DROP
        offer = (self.stock.sprays() if spray else self.stock.bottles()).get(position)
        sku = offer.sku if offer is not None else None
        where = {"target": target, "position": position, "board_index": position - 1}
        started = await self.audit.record(
            action,
            technician_id=tech,
            result=AuditResult.STARTED,
            details={**where, "doses": doses, "purpose": purpose, "sku": sku},
            stamp_seq="command_seq",
        )
        command_id = command_id_for(self.engine.epoch, started.seq)
        try:
            if spray:
                result = await self.dispenser.spray(
                    command_id=command_id, channel=position - 1, doses=doses, test=True
                )
            else:
                result = await self.dispenser.drop_bottle(
                    command_id=command_id, slot=position - 1, test=True
                )
        except HardwareError as exc:
            key = (
                "dispenser_refused"
                if isinstance(exc, ActuationRefusedError)
                else ("dispenser_unavailable")
            )
            await self.audit.refused(
                action, technician_id=tech, key=key, details={**where, "command_id": command_id}
            )
            raise DeviceError(key, str(exc)) from None
        if result.outcome is DispenseOutcome.UNKNOWN:
            result = await ask_board(self.dispenser, command_id, *self.query) or result
        return await self._record(tech, action, where, sku, result, spray, purpose)

    async def _record(
        self,
        tech: str,
        action: AuditAction,
        where: dict[str, Any],
        sku: str | None,
        result: DispenseResult,
        spray: bool,
        purpose: str,
    ) -> TestVendResult:
        unit = Unit.MICROLITRE if spray else Unit.UNIT
        done = result.doses_done
        qty = done * self.doses.dose_ul(where["position"]) if spray else min(done, 1)
        data = {
            **where,
            "technician_id": tech,
            "command_id": result.command_id,
            "outcome": result.outcome.value,
            "doses_done": done,
            "purpose": purpose,
        }
        drafts = []
        if sku is not None and qty > 0:
            drafts.append(EventDraft(EventType.TEST_VEND, sku=sku, qty=qty, unit=unit, data=data))
        ok = result.outcome is DispenseOutcome.OK
        outcome = AuditResult.OK if ok else AuditResult.FAILED
        details = {**data, "sku": sku, "qty": qty, "detail": result.detail}
        try:
            events = await self.audit.record_with(
                drafts, action, technician_id=tech, result=outcome, details=details
            )
        except InsufficientStockError:
            # The board delivered more than the counter held: it left all the same (as in a sale).
            assert sku is not None
            on_hand = (await self.engine.call_ledger(self.engine.ledger.on_hand)).get(sku, (0,))[0]
            fix = EventDraft(
                EventType.ADJUSTMENT,
                sku=sku,
                qty=qty - on_hand,
                unit=unit,
                data={**where, "technician_id": tech, "reason": "dispensed_beyond_count"},
            )
            events = await self.audit.record_with(
                [fix, *drafts], action, technician_id=tech, result=outcome, details=details
            )
        if drafts:
            assert sku is not None
            self.notifier.emit(StockDidMove(sku, -qty, EventType.TEST_VEND.value))
        return TestVendResult(
            where["target"],
            where["position"],
            sku,
            result.outcome,
            done,
            qty if drafts else 0,
            result.command_id,
            events[-1].seq,
        )

    # -- calibration ---------------------------------------------------------------------------
    async def run_calibration(
        self, session: ServiceSession, channel: int, doses: int = 10
    ) -> CalibrationRun:
        """Spray ``doses`` test doses on ``channel`` into the vial; stops at a failure."""
        tech = await session.authorize()
        if not isinstance(doses, int) or not 1 <= doses <= MAX_CALIBRATION_DOSES:
            await self.audit.refused(
                AuditAction.CALIBRATION, technician_id=tech, key="bad_quantity"
            )
            raise StockError("bad_quantity", f"calibrate with 1-{MAX_CALIBRATION_DOSES} doses")
        ident = self.dispenser.identity
        chunk = min(self.chunk_doses, ident.max_doses) if ident else self.chunk_doses
        dose_used = self.doses.dose_ul(channel)
        self._runs.pop(channel, None)
        results: list[TestVendResult] = []
        left = doses
        while left > 0:
            step = min(chunk, left)
            result = await self._actuate(tech, "channel", channel, step, "calibration")
            session.touch()
            results.append(result)
            if not result.ok:
                break
            left -= step
        done = sum(r.doses_done for r in results)
        run = CalibrationRun(
            channel, doses, done, dose_used, sum(r.qty for r in results), tuple(results)
        )
        self._runs[channel] = run
        return run

    async def apply_calibration(
        self, session: ServiceSession, channel: int, measured_ml: Decimal
    ) -> CalibrationResult:
        """Set ``channel``'s dose from the ml measured after :meth:`run_calibration`."""
        tech = await session.authorize()
        try:
            run = self._runs.get(channel)
            if run is None or run.doses_done == 0:
                raise ServiceError("calibration_not_run", "spray the calibration doses first")
            measured = ml_to_ul(measured_ml)
            new_dose = int(
                (Decimal(measured) / run.doses_done).to_integral_value(rounding=ROUND_HALF_EVEN)
            )
            if not MIN_DOSE_UL <= new_dose <= MAX_DOSE_UL:
                raise ServiceError(
                    "calibration_out_of_range",
                    f"{new_dose} µl per dose is outside {MIN_DOSE_UL}-{MAX_DOSE_UL} µl",
                )
        except ServiceError as exc:
            await self.audit.refused(
                AuditAction.CALIBRATION,
                technician_id=tech,
                key=exc.key,
                details={"position": channel},
            )
            raise
        del self._runs[channel]
        correction = await self._record_calibration(tech, run, measured, new_dose)
        old = await self.doses.set(channel, new_dose)
        return CalibrationResult(channel, old, new_dose, measured, run.doses_done, correction)

    async def _record_calibration(
        self, tech: str, run: CalibrationRun, measured: int, new_dose: int
    ) -> int:
        offer = self.stock.sprays().get(run.channel)
        correction = run.recorded_ul - measured if offer is not None else 0
        details = {
            "target": "channel",
            "position": run.channel,
            "board_index": run.channel - 1,
            "old_dose_ul": run.dose_ul_used,
            "new_dose_ul": new_dose,
            "measured_ul": measured,
            "doses": run.doses_done,
            "correction_ul": correction,
        }
        drafts = []
        if offer is not None and correction:
            data = {**details, "technician_id": tech, "reason": "calibration"}
            drafts.append(
                EventDraft(
                    EventType.ADJUSTMENT,
                    sku=offer.sku,
                    qty=correction,
                    unit=Unit.MICROLITRE,
                    data=data,
                )
            )
        try:
            await self.audit.record_with(
                drafts, AuditAction.CALIBRATION, technician_id=tech, details=details
            )
        except InsufficientStockError:
            log.warning("calibration of channel %d: stock too low to correct", run.channel)
            details["correction_ul"] = correction = 0
            await self.audit.record(AuditAction.CALIBRATION, technician_id=tech, details=details)
        if correction and offer is not None:
            self.notifier.emit(StockDidMove(offer.sku, correction, EventType.ADJUSTMENT.value))
        return correction
