"""Transactions: the items waiting for a manual review, then the recent transactions with
their state; tap one to refund part or all of a paid sale (amount and reason), give back the
points of a sale paid only with points (how many, empty for all, and a reason), void an
authorization left open, or close a review with a note. The purchase flow's refund rules
decide (the domain answers with a message key); the buttons only follow its hints."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QGridLayout, QStackedWidget, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.catalog import Catalog, UnknownItemError
from kiosk.service import TransactionSummary
from kiosk.ui.service.common import ItemRow, Section, ts_time
from kiosk.ui.service.forms import FormPage
from kiosk.ui.service.keypad import DECIMAL, DIGITS, TEXT, EntryField
from kiosk.ui.service.texts import mode_text, step_text
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import button, card, label
from kiosk.ui.widgets_flow import fill, offer_text
from kiosk.ui.widgets_shop import place, scrolling

Money = Callable[[int, str | None], str]


def _panel(name: str) -> tuple[QWidget, QVBoxLayout]:
    frame = card()
    frame.setObjectName(name)
    box = QVBoxLayout(frame)
    box.setContentsMargins(28, 24, 28, 24)
    box.setSpacing(14)
    return frame, box


class TransactionPage(FormPage):
    def __init__(self, vm: ServiceViewModel) -> None:
        super().__init__(name="txnPage", kinds=(DECIMAL, DIGITS, TEXT))
        self.vm = vm
        self.txn: TransactionSummary | None = None
        self.facts = label(role="muted", name="txnFacts")
        self.refund_card, refund = _panel("refundCard")
        self.refund_title = label(role="heading")
        self.amount = EntryField(kind=DECIMAL, name="refundAmount", max_len=9)
        self.points = EntryField(kind=DIGITS, name="refundPoints", max_len=9)  # points-only sale
        self.reason = EntryField(kind=TEXT, name="refundReason", max_len=200)
        self.refund_button = button(role="primary", name="refundButton")
        for w in (self.refund_title, self.amount, self.points, self.reason, self.refund_button):
            refund.addWidget(w)
        self.void_card, void = _panel("voidCard")
        self.void_title = label(role="heading")
        self.void_hint = label(role="muted")
        self.void_button = button(role="danger", name="voidButton")
        for w in (self.void_title, self.void_hint, self.void_button):
            void.addWidget(w)
        self.review_card, review = _panel("reviewCard")
        self.review_title = label(role="heading")
        self.note = EntryField(kind=TEXT, name="reviewNote", max_len=500)
        self.resolve_button = button(role="primary", name="resolveButton")
        for w in (self.review_title, self.note, self.resolve_button):
            review.addWidget(w)
        for card_w in (self.facts, self.review_card, self.void_card, self.refund_card):
            self.fields_box.addWidget(card_w)
        self.fields_box.addStretch(1)
        self.keys.attach(self.amount, self.points, self.reason, self.note)
        self.refund_button.clicked.connect(self._on_refund_button_clicked)
        self.void_button.clicked.connect(self._on_void_button_clicked)
        self.resolve_button.clicked.connect(self._on_resolve_button_clicked)

    def show_txn(self, txn: TransactionSummary, title: str, facts: str) -> None:
        fresh = self.txn is None or self.txn.txn_id != txn.txn_id
        self.txn = txn
        self.header.title.setText(title)
        self.facts.setText(facts)
        refundable = txn.can_refund or txn.can_refund_points
        self.refund_card.setVisible(refundable)
        self.amount.setVisible(txn.can_refund)
        self.points.setVisible(txn.can_refund_points)
        self.void_card.setVisible(txn.can_void)
        self.review_card.setVisible(txn.needs_review)
        fields = [
            f
            for f, shown in (
                (self.note, txn.needs_review),
                (self.amount, txn.can_refund),
                (self.points, txn.can_refund_points),
                (self.reason, refundable),
            )
            if shown
        ]
        self.keys.setVisible(bool(fields))
        if fresh:
            for f in (self.amount, self.points, self.reason, self.note):
                f.setText("")
            self.keys.activate(fields[0] if fields else None)
        self._refund_texts()

    def retranslate(self) -> None:
        super().retranslate()
        self.amount.set_caption(self.tr("Amount to refund"))
        self.reason.set_caption(self.tr("Reason"))
        self._refund_texts()
        self.void_title.setText(self.tr("Void"))
        self.void_hint.setText(
            self.tr("Releases the card authorization: the shopper is not charged.")
        )
        self.void_button.setText(self.tr("Void the payment"))
        self.review_title.setText(self.tr("Manual review"))
        self.note.set_caption(self.tr("What you found and did"))
        self.resolve_button.setText(self.tr("Close the review"))

    def _refund_texts(self) -> None:
        """A money refund, or the points of a sale paid only with points."""
        txn = self.txn
        if txn is not None and txn.can_refund_points:
            left = txn.points_spent - txn.points_restored
            self.refund_title.setText(self.tr("Give the points back"))
            self.points.set_caption(fill(self.tr("Points to give back (empty: all %1)"), str(left)))
            self.refund_button.setText(self.tr("Give these points back"))
        else:
            self.refund_title.setText(self.tr("Refund"))
            self.refund_button.setText(self.tr("Refund this amount"))

    @asyncSlot()
    async def _on_refund_button_clicked(self) -> None:
        if self.txn is not None and self.txn.can_refund_points:
            await self.vm.refund_points(self.txn, self.points.text(), self.reason.text())
        else:
            await self.vm.refund(self.txn, self.amount.text(), self.reason.text())  # type: ignore[arg-type]

    @asyncSlot()
    async def _on_void_button_clicked(self) -> None:
        await self.vm.void(self.txn.txn_id if self.txn else "")

    @asyncSlot()
    async def _on_resolve_button_clicked(self) -> None:
        await self.vm.resolve_review(self.txn.txn_id if self.txn else "", self.note.text())


class TransactionsSection(Section):
    def __init__(self, vm: ServiceViewModel, catalog: Catalog, money: Money) -> None:
        super().__init__()
        self.vm = vm
        self.catalog = catalog
        self.money = money
        self.setObjectName("transactionsSection")
        self.recent: list[TransactionSummary] = []
        self.reviews: list[TransactionSummary] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        box.addWidget(self.pages)
        content = QWidget()
        lp = QVBoxLayout(content)
        lp.setContentsMargins(0, 0, 8, 0)
        lp.setSpacing(16)
        self.review_heading = label(role="heading", name="reviewHeading")
        self.review_grid = QGridLayout()
        self.recent_heading = label(role="heading", name="recentHeading")
        self.recent_grid = QGridLayout()
        self.empty = label(role="muted", name="txnEmpty")
        for grid in (self.review_grid, self.recent_grid):
            grid.setSpacing(12)
        lp.addWidget(self.review_heading)
        lp.addLayout(self.review_grid)
        lp.addWidget(self.recent_heading)
        lp.addLayout(self.recent_grid)
        lp.addWidget(self.empty)
        lp.addStretch(1)
        self.list_page = scrolling(content, "txnScroll")
        self.page = TransactionPage(vm)
        self.pages.addWidget(self.list_page)
        self.pages.addWidget(self.page)
        self.rows: dict[tuple[str, str], ItemRow] = {}
        self.page.header.back.clicked.connect(self._on_back_clicked)
        vm.transactionsDidLoad.connect(self._on_vm_transactions_did_load)

    @asyncSlot()
    async def entered(self) -> None:
        await self.vm.load_transactions()

    def _on_vm_transactions_did_load(self, recent: list, reviews: list) -> None:  # type: ignore[type-arg]
        self.recent, self.reviews = recent, reviews
        if self.page.txn is not None and self.pages.currentWidget() is self.page:
            fresh = next((t for t in recent + reviews if t.txn_id == self.page.txn.txn_id), None)
            if fresh is not None:
                self.page.show_txn(fresh, self._title(fresh), self._facts(fresh))
        self.retranslate()

    def retranslate(self) -> None:
        self.page.retranslate()
        self.review_heading.setText(self.tr("Waiting for a review (%n)", "", len(self.reviews)))
        self.review_heading.setVisible(bool(self.reviews))
        self.recent_heading.setText(self.tr("Recent transactions"))
        self.empty.setText(self.tr("No transaction yet."))
        self.empty.setVisible(not self.recent)
        columns = 2 if self.landscape() else 1
        place(self.review_grid, [self._row("review", t) for t in self.reviews], columns)
        place(self.recent_grid, [self._row("recent", t) for t in self.recent], columns)
        if self.page.txn is not None:
            t = self.page.txn
            self.page.show_txn(t, self._title(t), self._facts(t))

    def _row(self, group: str, t: TransactionSummary) -> ItemRow:
        row = self.rows.get((group, t.txn_id))
        if row is None:
            row = ItemRow(name=f"txn_{group}_{t.txn_id}", gauge=False)
            row.clicked.connect(lambda _=False, txn=t.txn_id: self.open_txn(txn))
            self.rows[(group, t.txn_id)] = row
        warn = step_text(t.step) if t.needs_review else ""
        row.set_texts(self._title(t), self._summary(t), warn)
        return row

    def _title(self, t: TransactionSummary) -> str:
        what = self._item(t.sku)
        if t.kind == "refund":
            what = self.tr("Refund")
        return f"{ts_time(t.started_ts)} · {what} · {self.money(t.amount_minor, t.currency)}"

    def _summary(self, t: TransactionSummary) -> str:
        parts = [] if t.needs_review else [step_text(t.step)]  # the warning line says it
        if t.refunded_minor:
            parts.append(fill(self.tr("refunded %1"), self.money(t.refunded_minor, t.currency)))
        return " · ".join(parts)

    def _facts(self, t: TransactionSummary) -> str:
        lines = [
            fill(self.tr("State: %1"), step_text(t.step)),
            fill(self.tr("Transaction: %1"), t.txn_id),
        ]
        if t.mode:
            lines.append(fill(self.tr("Paid with: %1"), mode_text(t.mode)))
        if t.original_txn:
            lines.append(fill(self.tr("Refund of: %1"), t.original_txn))
        if t.refunded_minor:
            lines.append(
                fill(self.tr("Already refunded: %1"), self.money(t.refunded_minor, t.currency))
            )
        if t.dispensed is not None:
            lines.append(
                self.tr("Product delivered") if t.dispensed else self.tr("Product not delivered")
            )
        if not (t.can_refund or t.can_void or t.needs_review):
            lines.append(self.tr("Nothing to do on this transaction."))
        return "\n".join(lines)

    def _item(self, sku: str | None) -> str:
        if not sku:
            return "—"
        try:
            offer = self.catalog.offer(sku)
            return f"{self.catalog.product(offer.product_id).name}, {offer_text(offer)}"
        except UnknownItemError:
            return sku

    def open_txn(self, txn_id: str) -> None:
        t = next((x for x in self.reviews + self.recent if x.txn_id == txn_id), None)
        if t is None:
            return
        self.page.show_txn(t, self._title(t), self._facts(t))
        self.page.retranslate()
        self.pages.setCurrentWidget(self.page)

    def _on_back_clicked(self) -> None:
        self.pages.setCurrentWidget(self.list_page)
