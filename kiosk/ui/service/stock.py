"""Stock: every spray channel and bottle slot with its level, lots and warnings; tap one to
refill it (ml or bottles, lot number, expiry date) or adjust it with a reason code (damaged,
count correction, theft, expired) and a note. Each confirmed form is one domain call — a
``RESTOCK`` or ``ADJUSTMENT`` ledger event with the technician's id — and the list re-reads
the ledger afterwards."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.catalog import Catalog
from kiosk.service import AdjustmentReason, ChannelStock, StockMoved, StockOverview
from kiosk.ui.service.common import Section, ml
from kiosk.ui.service.forms import FormPage
from kiosk.ui.service.items import CHANNEL, ItemList, default_expiry
from kiosk.ui.service.keypad import DECIMAL, DIGITS, TEXT, Choice, DateStepper, EntryField
from kiosk.ui.service.texts import reason_text
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import button, label
from kiosk.ui.widgets_flow import fill

LOT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-"
REFILL, ADJUST = "refill", "adjust"
REMOVE, ADD = "remove", "add"
REASONS = tuple(r.value for r in AdjustmentReason)


class StockForm(FormPage):
    """Refill or adjust one channel or slot."""

    def __init__(self, vm: ServiceViewModel) -> None:
        super().__init__(name="stockForm", kinds=(DIGITS, DECIMAL, TEXT))
        self.vm = vm
        self.target, self.position = CHANNEL, 1
        self.item: object = None
        box = self.fields_box
        self.current = label(role="muted", name="stockCurrent")
        self.mode = Choice((REFILL, ADJUST), name="stockMode")
        self.quantity = EntryField(kind=DECIMAL, name="stockQuantity", max_len=9)
        self.lot = EntryField(kind=TEXT, name="stockLot", allowed=LOT_CHARS, max_len=32)
        self.expiry_caption = label(role="small")
        self.expiry = DateStepper(default_expiry(date.today()), name="stockExpiry")
        self.direction = Choice((REMOVE, ADD), name="stockDirection")
        self.reason_caption = label(role="small")
        self.reason = Choice(REASONS, columns=2, name="stockReason")
        self.note = EntryField(kind=TEXT, name="stockNote", max_len=200)
        self.refill_only = (self.lot, self.expiry_caption, self.expiry)
        self.adjust_only = (self.direction, self.reason_caption, self.reason, self.note)
        for w in (
            self.current,
            self.mode,
            self.direction,
            self.quantity,
            *self.refill_only,
            self.reason_caption,
            self.reason,
            self.note,
        ):
            box.addWidget(w)
        box.addStretch(1)
        self.refill_button = button(role="primary", name="stockRefill")
        self.adjust_button = button(role="primary", name="stockAdjust")
        self.buttons_row.addWidget(self.refill_button, 1)
        self.buttons_row.addWidget(self.adjust_button, 1)
        self.keys.attach(self.quantity, self.lot, self.note)
        self.mode.chosen.connect(self._on_mode_chosen)
        self.refill_button.clicked.connect(self._on_refill_button_clicked)
        self.adjust_button.clicked.connect(self._on_adjust_button_clicked)
        vm.didSucceed.connect(self._on_vm_did_succeed)
        self.set_mode(REFILL)

    def show_item(self, target: str, position: int, item: object, title: str) -> None:
        self.target, self.position, self.item = target, position, item
        self.header.title.setText(title)
        self.quantity.kind = DECIMAL if target == CHANNEL else DIGITS
        for f in (self.quantity, self.lot, self.note):
            f.setText("")
        self.expiry.set_value(default_expiry(date.today()))
        self.direction.select(REMOVE)
        self.reason.select("")
        self.set_mode(REFILL)
        self.show_current(item)

    def show_current(self, item: object) -> None:
        self.item = item
        if isinstance(item, ChannelStock):
            lots = ", ".join(lot.lot for lot in item.lots) or "—"
            text = fill(
                self.tr("Now %1 (dose %2 µl) · lots: %3"),
                ml(item.on_hand_ul),
                str(item.dose_ul),
                lots,
            )
        elif item is not None:
            lots = ", ".join(lot.lot for lot in getattr(item, "lots", ())) or "—"
            count = int(getattr(item, "on_hand", 0))
            text = fill(self.tr("Now %n bottle(s) · lots: %1", "", count), lots)
        else:
            text = ""
        self.current.setText(text)

    def set_mode(self, mode: str) -> None:
        self.mode.select(mode)
        for w in self.refill_only:
            w.setVisible(mode == REFILL)
        for widget in self.adjust_only:
            widget.setVisible(mode == ADJUST)
        self.refill_button.setVisible(mode == REFILL)
        self.adjust_button.setVisible(mode == ADJUST)
        self.keys.activate(self.quantity)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        spray = self.target == CHANNEL
        self.mode.set_texts({REFILL: self.tr("Refill"), ADJUST: self.tr("Adjust")})
        if self.mode.current() == ADJUST:
            caption = self.tr("Quantity (ml)") if spray else self.tr("Quantity (bottles)")
        else:
            caption = self.tr("Added (ml)") if spray else self.tr("Bottles added")
        self.quantity.set_caption(caption)
        self.lot.set_caption(self.tr("Lot number"))
        self.expiry_caption.setText(self.tr("Expiry date"))
        self.expiry.retranslate()
        self.direction.set_texts({REMOVE: "− " + self.tr("Remove"), ADD: "+ " + self.tr("Add")})
        self.reason_caption.setText(self.tr("Reason"))
        self.reason.set_texts({r: reason_text(r) for r in REASONS})
        self.note.set_caption(self.tr("Note (optional)"))
        self.refill_button.setText(self.tr("Confirm refill"))
        self.adjust_button.setText(self.tr("Confirm adjustment"))
        self.show_current(self.item)

    def _on_mode_chosen(self, mode: str) -> None:
        self.set_mode(mode)

    def _on_vm_did_succeed(self, result: object) -> None:
        if isinstance(result, StockMoved):
            for f in (self.quantity, self.lot, self.note):
                f.setText("")
            self.keys.activate(self.quantity)

    @asyncSlot()
    async def _on_refill_button_clicked(self) -> None:
        await self.vm.refill(
            self.target, self.position, self.quantity.text(), self.lot.text(), self.expiry.value()
        )

    @asyncSlot()
    async def _on_adjust_button_clicked(self) -> None:
        await self.vm.adjust(
            self.target,
            self.position,
            self.quantity.text(),
            self.direction.current() == ADD,
            self.reason.current(),
            self.note.text(),
        )


class StockSection(Section):
    def __init__(self, vm: ServiceViewModel, catalog: Catalog) -> None:
        super().__init__()
        self.vm = vm
        self.setObjectName("stockSection")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        self.list_page = QWidget()
        lp = QVBoxLayout(self.list_page)
        lp.setContentsMargins(0, 0, 0, 0)
        lp.setSpacing(16)
        self.hint = label(role="muted", name="stockHint")
        self.items = ItemList(catalog, name="stockList")
        lp.addWidget(self.hint)
        lp.addWidget(self.items, 1)
        self.form = StockForm(vm)
        self.pages.addWidget(self.list_page)
        self.pages.addWidget(self.form)
        box.addWidget(self.pages)
        self.items.picked.connect(self._on_items_picked)
        self.form.header.back.clicked.connect(self._on_back_clicked)
        vm.stockDidLoad.connect(self._on_vm_stock_did_load)

    def retranslate(self) -> None:
        self.hint.setText(self.tr("Tap a channel or a slot to refill it or adjust its count."))
        self.items.retranslate()
        self.form.retranslate()

    @asyncSlot()
    async def entered(self) -> None:
        await self.vm.load_stock()

    def open_item(self, target: str, position: int) -> None:
        item = self.items.item(target, position)
        if target == CHANNEL:
            title = fill(self.tr("Channel %1"), str(position))
        else:
            title = fill(self.tr("Slot %1"), str(position))
        if item is not None:
            title += " · " + self.items.product_name(item.product_id)
        self.form.show_item(target, position, item, title)
        self.pages.setCurrentWidget(self.form)

    def _on_items_picked(self, target: str, position: int) -> None:
        self.open_item(target, position)

    def _on_back_clicked(self) -> None:
        self.pages.setCurrentWidget(self.list_page)

    def _on_vm_stock_did_load(self, overview: StockOverview) -> None:
        self.items.show_overview(overview)
        if self.pages.currentWidget() is self.form:
            self.form.show_current(self.items.item(self.form.target, self.form.position))
