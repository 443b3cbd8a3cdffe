"""Tests and calibration: test spray per channel (1-3 doses), test drop per slot, and the
spray calibration — spray N doses into a measuring vial, enter the measured ml, apply: the
domain sets the channel's dose and books the difference. Test vends are never sales (the
domain records ``TEST_VEND``, no payment); the list shows the levels they leave."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.catalog import Catalog
from kiosk.service import CalibrationResult, CalibrationRun, ChannelStock, StockOverview
from kiosk.ui.service.common import Section
from kiosk.ui.service.forms import FormPage
from kiosk.ui.service.items import CHANNEL, ItemList
from kiosk.ui.service.keypad import DECIMAL, EntryField, Stepper
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import button, card, label
from kiosk.ui.widgets_flow import fill


def _panel() -> tuple[QWidget, QVBoxLayout]:
    frame = card()
    box = QVBoxLayout(frame)
    box.setContentsMargins(28, 24, 28, 24)
    box.setSpacing(14)
    return frame, box


def _captioned(caption: QWidget, widget: QWidget) -> QVBoxLayout:
    box = QVBoxLayout()
    box.setSpacing(4)
    box.addWidget(caption)
    box.addWidget(widget)
    return box


class TestPage(FormPage):
    __test__ = False  # not a pytest class

    def __init__(self, vm: ServiceViewModel) -> None:
        super().__init__(name="testPage", kinds=(DECIMAL,))
        self.vm = vm
        self.target, self.position = CHANNEL, 1
        self.item: object = None
        self.spray_card, spray = _panel()
        self.spray_title = label(role="heading")
        row = QHBoxLayout()
        row.setSpacing(16)
        self.spray_doses = Stepper(1, 3, 1, name="testDoses")
        self.spray_button = button(role="primary", name="testSpray")
        self.spray_caption = label(role="small")
        row.addLayout(_captioned(self.spray_caption, self.spray_doses), 1)
        row.addWidget(self.spray_button, 1, Qt.AlignmentFlag.AlignBottom)
        spray.addWidget(self.spray_title)
        spray.addLayout(row)
        self.drop_card, drop = _panel()
        self.drop_title = label(role="heading")
        self.drop_hint = label(role="muted")
        self.drop_button = button(role="primary", name="testDrop")
        for w in (self.drop_title, self.drop_hint, self.drop_button):
            drop.addWidget(w)
        self.cal_card, cal = _panel()
        self.cal_title = label(role="heading")
        self.cal_hint = label(role="muted", name="calibrationHint")
        self.dose = label(role="value", name="calibrationDose")
        run_row = QHBoxLayout()
        run_row.setSpacing(16)
        self.cal_doses = Stepper(1, 30, 10, name="calibrationDoses")
        self.run_button = button(name="calibrationRun")
        self.cal_caption = label(role="small")
        run_row.addLayout(_captioned(self.cal_caption, self.cal_doses), 1)
        run_row.addWidget(self.run_button, 1, Qt.AlignmentFlag.AlignBottom)
        self.measured = EntryField(kind=DECIMAL, name="calibrationMeasured", max_len=8)
        self.apply_button = button(role="primary", name="calibrationApply")
        for w in (self.cal_title, self.cal_hint, self.dose):
            cal.addWidget(w)
        cal.addLayout(run_row)
        cal.addWidget(self.measured)
        cal.addWidget(self.apply_button)
        for panel in (self.spray_card, self.drop_card, self.cal_card):
            self.fields_box.addWidget(panel)
        self.fields_box.addStretch(1)
        self.keys.attach(self.measured)
        self._ran = False
        self.spray_button.clicked.connect(self._on_spray_button_clicked)
        self.drop_button.clicked.connect(self._on_drop_button_clicked)
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        vm.didSucceed.connect(self._on_vm_did_succeed)

    def show_item(self, target: str, position: int, item: object, title: str) -> None:
        self.target, self.position, self.item = target, position, item
        self.header.title.setText(title)
        spray = target == CHANNEL
        for w in (self.spray_card, self.cal_card, self.keys):
            w.setVisible(spray)
        self.drop_card.setVisible(not spray)
        self._ran = False
        self.measured.setText("")
        self.keys.activate(self.measured)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.spray_title.setText(self.tr("Test spray"))
        self.spray_button.setText(self.tr("Spray now"))
        self.spray_caption.setText(self.tr("Doses"))
        self.cal_caption.setText(self.tr("Doses into the vial"))
        self.drop_title.setText(self.tr("Test drop"))
        self.drop_hint.setText(self.tr("Drops one bottle into the tray. It is not a sale."))
        self.drop_button.setText(self.tr("Drop a bottle"))
        self.cal_title.setText(self.tr("Calibration"))
        self.cal_hint.setText(
            self.tr(
                "1. Put the measuring vial under the nozzle.\n2. Spray the doses.\n"
                "3. Read the vial and enter the volume.\n4. Apply."
            )
        )
        item = self.item
        dose = str(item.dose_ul) if isinstance(item, ChannelStock) else "—"
        self.dose.setText(fill(self.tr("Current dose: %1 µl"), dose))
        self.run_button.setText(self.tr("Spray the doses"))
        self.measured.set_caption(self.tr("Measured volume (ml)"))
        self.apply_button.setText(self.tr("Apply calibration"))
        self.apply_button.setEnabled(self._ran)

    def show_current(self, item: object) -> None:
        self.item = item
        self.retranslate()

    def _on_vm_did_succeed(self, result: object) -> None:
        if isinstance(result, CalibrationRun) and result.channel == self.position:
            self._ran = result.doses_done > 0
            self.measured.setText("")
            self.keys.activate(self.measured)
            self.apply_button.setEnabled(self._ran)
        elif isinstance(result, CalibrationResult):
            self._ran = False
            self.apply_button.setEnabled(False)

    @asyncSlot()
    async def _on_spray_button_clicked(self) -> None:
        await self.vm.test_spray(self.position, self.spray_doses.value())

    @asyncSlot()
    async def _on_drop_button_clicked(self) -> None:
        await self.vm.test_drop(self.position)

    @asyncSlot()
    async def _on_run_button_clicked(self) -> None:
        await self.vm.run_calibration(self.position, self.cal_doses.value())

    @asyncSlot()
    async def _on_apply_button_clicked(self) -> None:
        await self.vm.apply_calibration(self.position, self.measured.text())


class TestsSection(Section):
    __test__ = False

    def __init__(self, vm: ServiceViewModel, catalog: Catalog) -> None:
        super().__init__()
        self.vm = vm
        self.setObjectName("testsSection")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        self.list_page = QWidget()
        lp = QVBoxLayout(self.list_page)
        lp.setContentsMargins(0, 0, 0, 0)
        lp.setSpacing(16)
        self.hint = label(role="muted", name="testsHint")
        self.items = ItemList(catalog, name="testsList")
        lp.addWidget(self.hint)
        lp.addWidget(self.items, 1)
        self.page = TestPage(vm)
        self.pages.addWidget(self.list_page)
        self.pages.addWidget(self.page)
        box.addWidget(self.pages)
        self.items.picked.connect(self._on_items_picked)
        self.page.header.back.clicked.connect(self._on_back_clicked)
        vm.stockDidLoad.connect(self._on_vm_stock_did_load)

    def retranslate(self) -> None:
        self.hint.setText(
            self.tr("Tap a channel to test or calibrate it, or a slot to test a drop.")
        )
        self.items.retranslate()
        self.page.retranslate()

    @asyncSlot()
    async def entered(self) -> None:
        await self.vm.load_stock()

    def open_item(self, target: str, position: int) -> None:
        item = self.items.item(target, position)
        key = self.tr("Channel %1") if target == CHANNEL else self.tr("Slot %1")
        title = fill(key, str(position))
        if item is not None:
            title += " · " + self.items.product_name(item.product_id)
        self.page.show_item(target, position, item, title)
        self.pages.setCurrentWidget(self.page)

    def _on_items_picked(self, target: str, position: int) -> None:
        self.open_item(target, position)

    def _on_back_clicked(self) -> None:
        self.pages.setCurrentWidget(self.list_page)

    def _on_vm_stock_did_load(self, overview: StockOverview) -> None:
        self.items.show_overview(overview)
        if self.pages.currentWidget() is self.page:
            self.page.show_current(self.items.item(self.page.target, self.page.position))
