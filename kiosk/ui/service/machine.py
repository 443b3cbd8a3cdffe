"""Machine control: maintenance mode on/off (shoppers see "temporarily unavailable"),
export of the day's audit and the logs to a USB stick (the folder written, or why not),
restart of the app (a second tap within 5 s confirms), and signing out."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.service import ExportResult
from kiosk.ui.service.common import Section
from kiosk.ui.service.results import MaintenanceSet
from kiosk.ui.service.texts import error_text
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import button, card, label
from kiosk.ui.widgets_flow import fill
from kiosk.ui.widgets_shop import place, scrolling, set_role

CONFIRM_MS = 5000


def _panel(name: str) -> tuple[QWidget, QVBoxLayout]:
    frame = card()
    frame.setObjectName(name)
    box = QVBoxLayout(frame)
    box.setContentsMargins(28, 24, 28, 24)
    box.setSpacing(14)
    return frame, box


class MachineSection(Section):
    logoutRequested = Signal()

    def __init__(self, vm: ServiceViewModel) -> None:
        super().__init__()
        self.vm = vm
        self.setObjectName("machineSection")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        self.grid = QGridLayout(content)
        self.grid.setContentsMargins(0, 0, 8, 0)
        self.grid.setSpacing(20)
        outer.addWidget(scrolling(content, "machineScroll"))
        self.maint_card, m = _panel("maintenanceCard")
        self.maint_title = label(role="heading")
        self.maint_state = label(role="value", name="maintenanceState")
        self.maint_button = button(role="primary", name="maintenanceButton")
        for w in (self.maint_title, self.maint_state, self.maint_button):
            m.addWidget(w)
        self.export_card, e = _panel("exportCard")
        self.export_title = label(role="heading")
        self.export_hint = label(role="muted")
        self.export_button = button(role="primary", name="exportButton")
        self.export_result = label(role="muted", name="exportResult")
        for w in (self.export_title, self.export_hint, self.export_button, self.export_result):
            e.addWidget(w)
        self.restart_card, r = _panel("restartCard")
        self.restart_title = label(role="heading")
        self.restart_hint = label(role="muted")
        self.restart_button = button(role="danger", name="restartButton")
        for w in (self.restart_title, self.restart_hint, self.restart_button):
            r.addWidget(w)
        self.session_card, s = _panel("sessionCard")
        self.session_title = label(role="heading")
        self.who = label(role="muted", name="sessionWho")
        self.logout_button = button(name="machineLogout")
        for w in (self.session_title, self.who, self.logout_button):
            s.addWidget(w)
        self.cards = [self.maint_card, self.export_card, self.restart_card, self.session_card]
        self._columns = 0
        self._confirming = False
        self._export: ExportResult | None = None
        self._export_error = ""
        self._confirm = QTimer(self)
        self._confirm.setSingleShot(True)
        self._confirm.setInterval(CONFIRM_MS)
        self._confirm.timeout.connect(self._on_confirm_timeout)
        self.maint_button.clicked.connect(self._on_maint_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.restart_button.clicked.connect(self._on_restart_button_clicked)
        self.logout_button.clicked.connect(self.logoutRequested)
        vm.didSucceed.connect(self._on_vm_did_succeed)
        vm.didFail.connect(self._on_vm_did_fail)

    def entered(self) -> None:
        self._confirming = False
        self.retranslate()

    def retranslate(self) -> None:
        on = self.vm.maintenance
        self.maint_title.setText(self.tr("Maintenance mode"))
        if on:
            self.maint_state.setText(self.tr("On: shoppers see «temporarily unavailable»."))
            self.maint_button.setText(self.tr("Turn maintenance off"))
        else:
            self.maint_state.setText(self.tr("Off: the machine is selling."))
            self.maint_button.setText(self.tr("Turn maintenance on"))
        self.export_title.setText(self.tr("Export to USB"))
        self.export_hint.setText(
            self.tr(
                "Writes today's sales, refills, adjustments and audit (JSON and CSV) and the "
                "logs to a new folder on the USB stick."
            )
        )
        self.export_button.setText(self.tr("Export now"))
        if self._export is not None:
            text = self.tr("Written: %1 (%n file(s)).", "", len(self._export.files))
            self.export_result.setText(fill(text, str(self._export.folder)))
            set_role(self.export_result, "ok")
        elif self._export_error:
            self.export_result.setText(error_text(self._export_error))
            set_role(self.export_result, "error")
        self.export_result.setVisible(self._export is not None or bool(self._export_error))
        self.restart_title.setText(self.tr("Restart the app"))
        self.restart_hint.setText(
            self.tr("The kiosk app stops and starts again; shoppers wait about a minute.")
        )
        self.restart_button.setText(
            self.tr("Tap again to restart") if self._confirming else self.tr("Restart")
        )
        session = self.vm.session
        self.session_title.setText(self.tr("Your session"))
        who = (
            fill(self.tr("Signed in as %1 (%2)."), session.name, session.technician_id)
            if session is not None
            else ""
        )
        self.who.setText(who)
        self.logout_button.setText(self.tr("Log out"))

    def resizeEvent(self, event: object) -> None:
        columns = 2 if self.landscape() else 1
        if columns != self._columns:
            self._columns = columns
            place(self.grid, self.cards, columns)
            self.grid.setRowStretch(self.grid.rowCount(), 1)
        super().resizeEvent(event)  # type: ignore[arg-type]

    def _on_vm_did_succeed(self, result: object) -> None:
        if isinstance(result, ExportResult):
            self._export, self._export_error = result, ""
        if isinstance(result, ExportResult | MaintenanceSet):
            self.retranslate()

    def _on_vm_did_fail(self, key: str) -> None:
        if key.startswith("export_"):
            self._export, self._export_error = None, key
            self.retranslate()

    def _on_confirm_timeout(self) -> None:
        self._confirming = False
        self.retranslate()

    @asyncSlot()
    async def _on_maint_button_clicked(self) -> None:
        await self.vm.set_maintenance(not self.vm.maintenance)

    @asyncSlot()
    async def _on_export_button_clicked(self) -> None:
        await self.vm.export()

    def _on_restart_button_clicked(self) -> None:
        if self._arm_restart():
            self._restart()

    @asyncSlot()
    async def _restart(self) -> None:
        await self.vm.restart()

    def _arm_restart(self) -> bool:
        """First tap arms (5 s), second confirms: True when this tap confirms."""
        confirmed = self._confirming
        self._confirming = not confirmed
        if self._confirming:
            self._confirm.start()
        else:
            self._confirm.stop()
        self.retranslate()
        return confirmed
