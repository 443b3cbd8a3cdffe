"""The Qt face of the service menu: one view-model between the technician's screens and
:class:`kiosk.service.ServiceMenu`.

It holds the open :class:`~kiosk.service.ServiceSession`, passes it to every domain call and
turns the answers into typed signals the screens render: data loads (``stockDidLoad``...),
results (``didSucceed`` with the domain's result or one of the small markers below) and
refusals (``didFail`` with the domain's message key, translated by kiosk.ui.service.texts).
Screens call its coroutines from one-line ``@asyncSlot`` adapters; tests await them directly.
Nothing here blocks the loop: the domain hashes PINs and writes exports off the loop thread.
It parses what the technician typed (quantities in ml, money in major units) so a typo is a
message, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from kiosk.money import minor_unit_exponent
from kiosk.service import (
    AdjustmentReason,
    HexTrace,
    LoginResult,
    PinGate,
    ServiceError,
    ServiceEvent,
    ServiceMenu,
    ServiceSession,
    SessionDidEnd,
    StockOverview,
    TransactionSummary,
)
from kiosk.ui.service.results import (
    Diagnosis,
    MaintenanceSet,
    PinChanged,
    RestartRequested,
    ReviewResolved,
    Voided,
    parse_decimal,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class ServiceViewModel(QObject):
    sessionDidStart = Signal(object)  # ServiceSession
    sessionDidEnd = Signal(str)  # EndReason value
    loginDidFinish = Signal(object)  # LoginResult
    enrolmentDidLoad = Signal(bool)
    busyDidChange = Signal(bool)
    didFail = Signal(str)  # message key
    didSucceed = Signal(object)  # a domain result or a marker (Voided, MaintenanceSet...)
    stockDidLoad = Signal(object)  # StockOverview
    transactionsDidLoad = Signal(object, object)  # recent, review items
    diagnosisDidLoad = Signal(object)  # Diagnosis
    traceDidStart = Signal(object)  # HexTrace

    def __init__(self, menu: ServiceMenu) -> None:
        super().__init__()
        self.menu = menu
        self._session: ServiceSession | None = None
        self._one_time_pin = ""  # kept only until the technician chose their own PIN
        self._busy = 0
        self.trace: HexTrace | None = None
        menu.add_listener(self._on_service_event)

    def close(self) -> None:
        self.menu.remove_listener(self._on_service_event)

    # -- state ---------------------------------------------------------------------------------
    @property
    def session(self) -> ServiceSession | None:
        s = self._session
        return s if s is not None and s.ended is None else None

    @property
    def busy(self) -> bool:
        return self._busy > 0

    @property
    def maintenance(self) -> bool:
        return self.menu.maintenance

    def gate(self) -> PinGate:
        return self.menu.gate()

    def touch(self) -> None:
        """A tap anywhere on the service screens: push the idle logout back."""
        if self._session is not None:
            self._session.touch()

    def _set_busy(self, delta: int) -> None:
        was = self.busy
        self._busy = max(0, self._busy + delta)
        if self.busy != was:
            self.busyDidChange.emit(self.busy)

    def _on_service_event(self, event: ServiceEvent) -> None:
        if not isinstance(event, SessionDidEnd):
            return
        if self._session is not None and self._session.ended is not None:
            self._session = None
            self._one_time_pin = ""
            self.trace = None
            self.sessionDidEnd.emit(event.reason.value)

    # -- signing in ----------------------------------------------------------------------------
    @property
    def attempts_left(self) -> int:
        """Wrong PINs still allowed before the 30-minute lock (0: the next one locks)."""
        return max(0, self.menu.config.lockout.max_failures - self.menu.gate().failures)

    async def load_enrolment(self) -> bool:
        """Is any technician enrolled? (a fresh machine shows how to enrol one)."""
        self._set_busy(+1)
        try:
            enrolled = await self.menu.enrolled()
        finally:
            self._set_busy(-1)
        self.enrolmentDidLoad.emit(enrolled)
        return enrolled

    async def login(self, technician_id: str, pin: str) -> LoginResult:
        self._set_busy(+1)
        try:
            result = await self.menu.login(technician_id.strip(), pin)
        finally:
            self._set_busy(-1)
        if result.session is not None:
            self._session = result.session
            self._one_time_pin = pin if result.session.must_change_pin else ""
        self.loginDidFinish.emit(result)
        if result.session is not None:
            self.sessionDidStart.emit(result.session)
        return result

    async def submit_pin(self, change: bool, technician_id: str, pin: str, repeat: str) -> None:
        """The PIN pad's button: sign in, or save the new PIN (``change``)."""
        if change:
            await self.change_pin(pin, repeat)
        else:
            await self.login(technician_id, pin)

    async def change_pin(self, new_pin: str, repeat: str) -> bool:
        if new_pin != repeat:
            self.didFail.emit("pin_mismatch")
            return False
        ok, _ = await self._call(self.menu.change_pin, self._one_time_pin, new_pin)
        if not ok:
            return False
        self._one_time_pin = ""
        self.didSucceed.emit(PinChanged())
        return True

    async def logout(self) -> None:
        session = self._session
        if session is not None and session.ended is None:
            self._set_busy(+1)
            try:
                await self.menu.logout(session)
            finally:
                self._set_busy(-1)

    async def expire_idle(self) -> bool:
        """End the session if it was idle for the timeout (the menu's timer calls this)."""
        if self._session is None:
            return False
        self._set_busy(+1)
        try:
            return await self.menu.expire_idle()
        finally:
            self._set_busy(-1)

    # -- the one road to the domain ------------------------------------------------------------
    async def _call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> tuple[bool, T | None]:
        """``(True, fn(session, *args))``; a refusal becomes ``didFail(key)`` and ``(False,
        None)``."""
        session = self.session
        if session is None:
            self.didFail.emit("session_expired")
            return False, None
        self._set_busy(+1)
        try:
            return True, await fn(session, *args)
        except ServiceError as exc:
            log.info("service request refused: %s (%s)", exc.key, exc.detail)
            self.didFail.emit(exc.key)
            return False, None
        finally:
            self._set_busy(-1)

    async def _act(
        self, fn: Callable[..., Awaitable[Any]], *args: Any, done: object = None
    ) -> bool:
        ok, value = await self._call(fn, *args)
        if ok:
            self.didSucceed.emit(done if done is not None else value)
        return ok

    # -- stock ---------------------------------------------------------------------------------
    async def load_stock(self) -> None:
        _, overview = await self._call(self.menu.stock.overview)
        if isinstance(overview, StockOverview):
            self.stockDidLoad.emit(overview)

    async def _reload_stock(self) -> bool:
        await self.load_stock()
        return True

    async def refill(
        self, target: str, position: int, quantity: str, lot: str, expiry: date
    ) -> bool:
        """Refill a channel (``quantity`` in ml) or a slot (in bottles)."""
        if target == "channel":
            return await self.refill_channel(position, quantity, lot, expiry)
        return await self.refill_slot(position, quantity, lot, expiry)

    async def refill_channel(self, channel: int, ml: str, lot: str, expiry: date) -> bool:
        quantity = parse_decimal(ml)
        if quantity is None:
            self.didFail.emit("bad_quantity")
            return False
        ok = await self._act(self.menu.stock.refill_channel, channel, quantity, lot, expiry)
        return ok and await self._reload_stock()

    async def refill_slot(self, slot: int, units: str, lot: str, expiry: date) -> bool:
        if not units.strip().isdigit():
            self.didFail.emit("bad_quantity")
            return False
        ok = await self._act(self.menu.stock.refill_slot, slot, int(units), lot, expiry)
        return ok and await self._reload_stock()

    async def adjust(
        self, target: str, position: int, amount: str, add: bool, reason: str, note: str
    ) -> bool:
        """Adjust a channel (``amount`` in ml) or a slot (in bottles) by +/-``amount``."""
        quantity = parse_decimal(amount)
        if quantity is None or quantity <= 0 or (target == "slot" and quantity % 1):
            self.didFail.emit("bad_quantity")
            return False
        if reason not in {r.value for r in AdjustmentReason}:
            self.didFail.emit("bad_reason")
            return False
        signed = quantity if add else -quantity
        code = AdjustmentReason(reason)
        if target == "channel":
            fn = self.menu.stock.adjust_channel
            ok = await self._act(fn, position, signed, code, note)
        else:
            ok = await self._act(self.menu.stock.adjust_slot, position, int(signed), code, note)
        return ok and await self._reload_stock()

    # -- tests and calibration -----------------------------------------------------------------
    async def test_spray(self, channel: int, doses: int = 1) -> bool:
        ok = await self._act(self.menu.tests.test_spray, channel, doses)
        return ok and await self._reload_stock()

    async def test_drop(self, slot: int) -> bool:
        ok = await self._act(self.menu.tests.test_drop, slot)
        return ok and await self._reload_stock()

    async def run_calibration(self, channel: int, doses: int) -> bool:
        ok = await self._act(self.menu.tests.run_calibration, channel, doses)
        return ok and await self._reload_stock()

    async def apply_calibration(self, channel: int, measured_ml: str) -> bool:
        measured = parse_decimal(measured_ml)
        if measured is None or measured <= 0:
            self.didFail.emit("bad_quantity")
            return False
        ok = await self._act(self.menu.tests.apply_calibration, channel, measured)
        return ok and await self._reload_stock()

    # -- diagnostics ---------------------------------------------------------------------------
    async def load_diagnosis(self) -> None:
        """Read everything the diagnostics section shows; one refusal stops the read."""
        d = self.menu.diagnostics
        ok, devices = await self._call(d.devices)
        ok, faults = await self._call(d.faults) if ok else (False, None)
        ok, sync = await self._call(d.sync_status) if ok else (False, None)
        ok, versions = await self._call(d.versions) if ok else (False, None)
        ok, sales = await self._call(d.sales_per_hour) if ok else (False, None)
        ok, levels = await self._call(d.channel_levels) if ok else (False, None)
        ok, depth = await self._call(d.outbox_depth) if ok else (False, None)
        if not ok or devices is None or faults is None or sync is None or versions is None:
            return
        diagnosis = Diagnosis(
            devices=tuple(devices),
            faults=tuple(faults),
            sync=sync,
            versions=versions,
            sales=tuple(sales or ()),
            levels=tuple(levels or ()),
            depth=tuple(depth or ()),
            ports=tuple(self.menu.traces.ports),
        )
        self.diagnosisDidLoad.emit(diagnosis)

    async def start_trace(self, port: str) -> None:
        self.stop_trace()
        _, trace = await self._call(self.menu.start_trace, port)
        if isinstance(trace, HexTrace):
            self.trace = trace
            self.traceDidStart.emit(trace)

    def stop_trace(self) -> None:
        if self.trace is not None:
            self.trace.stop()
            self.trace = None

    # -- transactions --------------------------------------------------------------------------
    async def load_transactions(self) -> None:
        _, recent = await self._call(self.menu.transactions.recent)
        _, reviews = await self._call(self.menu.transactions.review_items)
        if isinstance(recent, list) and isinstance(reviews, list):
            self.transactionsDidLoad.emit(recent, reviews)

    async def _reload_transactions(self) -> bool:
        await self.load_transactions()
        return True

    async def refund(self, txn: TransactionSummary, amount: str, reason: str) -> bool:
        value = parse_decimal(amount)
        exponent = minor_unit_exponent(txn.currency or "EUR")
        minor = value * 10**exponent if value is not None else None
        if minor is None or minor <= 0 or minor != minor.to_integral_value():
            self.didFail.emit("bad_amount")
            return False
        ok = await self._act(self.menu.transactions.refund, txn.txn_id, int(minor), reason)
        return ok and await self._reload_transactions()

    async def refund_points(self, txn: TransactionSummary, points: str, reason: str) -> bool:
        """Give back ``points`` (digits; empty: all that are left) of a points-only sale."""
        count = int(points) if points.strip().isdigit() else None
        if points.strip() and not count:
            self.didFail.emit("bad_points")
            return False
        ok = await self._act(self.menu.transactions.refund_points, txn.txn_id, reason, count)
        return ok and await self._reload_transactions()

    async def void(self, txn_id: str) -> bool:
        ok = await self._act(self.menu.transactions.void, txn_id, done=Voided(txn_id))
        return ok and await self._reload_transactions()

    async def resolve_review(self, txn_id: str, note: str) -> bool:
        fn = self.menu.transactions.resolve_review
        ok = await self._act(fn, txn_id, note, done=ReviewResolved(txn_id))
        return ok and await self._reload_transactions()

    # -- machine -------------------------------------------------------------------------------
    async def set_maintenance(self, on: bool) -> bool:
        return await self._act(self.menu.control.set_maintenance, on, done=MaintenanceSet(on))

    async def restart(self) -> bool:
        return await self._act(self.menu.control.request_restart, done=RestartRequested())

    async def export(self) -> bool:
        return await self._act(self.menu.control.export)
