"""The service home's status line: what the last action did, or why it was refused, in the
technician's language — every domain result and message key becomes one sentence here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.money import Money
from kiosk.service import (
    CalibrationResult,
    CalibrationRun,
    ExportResult,
    RefundRequested,
    StockMoved,
    TestVendResult,
)
from kiosk.ui.i18n import Languages
from kiosk.ui.service.common import ml, ml_exact
from kiosk.ui.service.results import (
    MaintenanceSet,
    PinChanged,
    RestartRequested,
    ReviewResolved,
    Voided,
)
from kiosk.ui.service.texts import error_text, outcome_text
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import card, label
from kiosk.ui.widgets_flow import fill
from kiosk.ui.widgets_shop import set_role


class StatusBar(QWidget):
    def __init__(self, vm: ServiceViewModel, languages: Languages, currency: str) -> None:
        super().__init__()
        self.setObjectName("serviceStatus")
        self.languages = languages
        self.currency = currency
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.panel = card(role="banner")
        inner = QHBoxLayout(self.panel)
        inner.setContentsMargins(24, 12, 24, 12)
        self.message = label(role="muted", name="serviceMessage")
        self.message.setMinimumHeight(36)
        self.busy = label(role="small", wrap=False, name="serviceBusy")
        inner.addWidget(self.message, 1)
        inner.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.panel)
        self._last: object = None
        self._error = ""
        vm.didFail.connect(self.show_error)
        vm.didSucceed.connect(self.show_result)
        vm.busyDidChange.connect(self._on_vm_busy_did_change)
        self.clear()

    def clear(self) -> None:
        self._last, self._error = None, ""
        self.retranslate()

    def show_error(self, key: str) -> None:
        self._last, self._error = None, key
        self.retranslate()

    def show_result(self, result: object) -> None:
        self._last, self._error = result, ""
        self.retranslate()

    def retranslate(self) -> None:
        if self._error:
            self.message.setText(error_text(self._error))
            set_role(self.message, "error")
        elif self._last is not None:
            self.message.setText(self.result_text(self._last))
            set_role(self.message, "ok")
        else:
            self.message.setText(self.tr("Ready. Every action is recorded with your ID."))
            set_role(self.message, "muted")
        self.busy.setText(self.tr("Working…"))

    def _on_vm_busy_did_change(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def result_text(self, r: object) -> str:
        if isinstance(r, StockMoved):
            spray = r.unit.value != "unit"
            if spray:
                qty, now = ml_exact(abs(r.qty)), ml(r.on_hand_after)
            else:
                qty = self.tr("%n bottle(s)", "", abs(r.qty))
                now = self.tr("%n bottle(s)", "", r.on_hand_after)
            sign = "+" if r.qty > 0 else "−"
            if r.event_type.value == "RESTOCK":
                return fill(self.tr("Refill recorded: %1 (now %2)."), f"+{qty}", now)
            return fill(self.tr("Adjustment recorded: %1 (now %2)."), f"{sign}{qty}", now)
        if isinstance(r, TestVendResult):
            outcome = outcome_text(r.outcome.value)
            if r.target == "channel":
                text = self.tr("Test spray on channel %1: %2, %n dose(s).", "", r.doses_done)
                return fill(text, str(r.position), outcome)
            return fill(self.tr("Test drop from slot %1: %2."), str(r.position), outcome)
        if isinstance(r, CalibrationRun):
            return self.tr(
                "Calibration: %n dose(s) sprayed. Measure the vial and enter the volume.",
                "",
                r.doses_done,
            )
        if isinstance(r, CalibrationResult):
            return fill(
                self.tr("Channel %1 calibrated: %2 µl per dose (was %3 µl)."),
                str(r.channel),
                str(r.new_dose_ul),
                str(r.old_dose_ul),
            )
        if isinstance(r, RefundRequested) and r.points and not r.amount_minor:
            return self.tr("%n point(s) given back to the member.", "", r.points)
        if isinstance(r, RefundRequested):
            amount = self.languages.money(Money(r.amount_minor, self.currency))
            return fill(self.tr("Refund of %1 requested."), amount)
        if isinstance(r, Voided):
            return self.tr("Void requested: the card hold will be released.")
        if isinstance(r, ReviewResolved):
            return self.tr("Review closed with your note.")
        if isinstance(r, MaintenanceSet):
            if r.on:
                return self.tr("Maintenance mode is on: shoppers see «temporarily unavailable».")
            return self.tr("Maintenance mode is off: the machine sells again.")
        if isinstance(r, RestartRequested):
            return self.tr("Restarting the kiosk…")
        if isinstance(r, ExportResult):
            text = self.tr("Exported %n file(s) to %1.", "", len(r.files))
            return fill(text, r.folder.name)
        if isinstance(r, PinChanged):
            return self.tr("Your new PIN is saved.")
        return ""
