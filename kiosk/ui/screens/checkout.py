"""Checkout: the order summary from the journey's quote, and "Pay by card".

Shows the perfume and the chosen spray or bottle, the list price, each discount with its
promotion's label (from the catalog; a points redemption is "Loyalty points"), the tax
(inclusive: "incl. VAT 20 %" under the total; exclusive: a line added before it), the total,
the member and the points this purchase earns. ``view.notice`` (cards offline, an offline
limit, sold out...) is shown prominently; "Pay by card" is disabled while card payments are
refused for being offline. The screen never computes a price: everything comes from the quote.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.journey import Notice, View
from kiosk.pricing import Quote, TaxMode
from kiosk.promotions import LOYALTY_REDEMPTION_ID
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.theme import LINE
from kiosk.ui.widgets import SvgImage, button, label
from kiosk.ui.widgets_flow import (
    AmountRow,
    Cell,
    Fader,
    NoticeBanner,
    fill,
    is_landscape,
    offer_text,
    panel,
    place,
    settle,
)

MAX_DISCOUNT_ROWS = 4  # one line item: at most a promotion or two and a points redemption


class CheckoutScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("checkout")
        self._landscape: bool | None = None
        self._shown_notice = Notice.NONE
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(64, 40, 64, 56)
        self.grid.setHorizontalSpacing(56)
        self.grid.setVerticalSpacing(28)

        self.title = label(role="title", name="checkoutTitle")

        self.item, item = panel()  # the perfume: a large picture, its names centred below
        self.item.setObjectName("checkoutItem")
        self.image = SvgImage(hint=QSize(360, 420))
        self.image.setObjectName("checkoutImage")
        self.image.setMinimumSize(160, 180)
        self.product_name = label(role="heading", name="checkoutProduct")
        self.house = label(role="muted", name="checkoutHouse")
        self.offer_name = label(role="muted", name="checkoutOffer")
        self.description = label(role="small", name="checkoutDescription")
        item.addWidget(self.image, 1)
        for w in (self.product_name, self.house, self.offer_name, self.description):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.addWidget(w)

        self.summary, summary = panel()
        self.summary.setObjectName("checkoutSummary")
        summary.setSpacing(16)
        self.list_row = AmountRow(name="checkoutList", role="muted")
        summary.addWidget(self.list_row)
        self.discount_rows = [
            AmountRow(name=f"checkoutDiscount{i}", role="ok") for i in range(MAX_DISCOUNT_ROWS)
        ]
        for row in self.discount_rows:
            summary.addWidget(row)
        self.tax_row = AmountRow(name="checkoutTax", role="muted")
        summary.addWidget(self.tax_row)
        rule = QFrame()
        rule.setFixedHeight(2)
        rule.setStyleSheet(f"background: {LINE};")
        summary.addWidget(rule)
        self.total_row = AmountRow(name="checkoutTotal", role="heading", amount_role="display")
        summary.addWidget(self.total_row)
        self.tax_note = label(role="small", name="checkoutTaxNote")
        self.tax_note.setAlignment(Qt.AlignmentFlag.AlignTrailing)
        summary.addWidget(self.tax_note)
        self.member = label(role="muted", name="checkoutMember")
        self.points = label(role="ok", name="checkoutPoints")
        summary.addWidget(self.member)
        summary.addWidget(self.points)

        self.notice = NoticeBanner(name="checkoutNotice")
        self._notice_fader = Fader(self.notice)

        self.action_bar = QWidget()
        actions = QVBoxLayout(self.action_bar)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(20)
        self.pay_button = button(role="primary", name="checkoutPay")
        minor = QHBoxLayout()
        minor.setSpacing(20)
        self.back_button = button(name="checkoutBack")
        self.cancel_button = button(role="ghost", name="checkoutCancel")
        for b in (self.back_button, self.cancel_button):
            minor.addWidget(b, 1)
        actions.addWidget(self.pay_button)
        actions.addLayout(minor)
        self.pay_button.clicked.connect(self._on_pay_button_clicked)
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self._arrange()

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        self.title.setText(self.tr("Your order"))
        self._render_item(view)
        self._render_quote(view.quote)
        self._render_member(view)
        text = notice_text(view.notice)
        if text and view.notice is not self._shown_notice:
            self._notice_fader.start()
        self._shown_notice = view.notice
        self.notice.set_text(text)
        self.pay_button.setText(self.tr("Pay by card"))
        blocked = view.cards_offline and view.notice is Notice.CARDS_OFFLINE
        self.pay_button.setEnabled(view.quote is not None and not blocked)
        self.back_button.setText(self.tr("Back"))
        self.cancel_button.setText(self.tr("Cancel"))
        settle(self, rtl=self.ctx.languages.rtl)

    def _render_item(self, view: View) -> None:
        product, offer = view.product, view.offer
        self.item.setVisible(product is not None)
        if product is None:
            return
        self.image.set_path(product.image)
        self.image.setAccessibleName(product.name)
        self.product_name.setText(product.name)
        self.house.setText(product.house)
        self.offer_name.setText(offer_text(offer) if offer is not None else "")
        self.offer_name.setVisible(offer is not None)
        self.description.setText(product.text("description", self.ctx.languages.code))

    def _render_quote(self, quote: Quote | None) -> None:
        self.summary.setVisible(quote is not None)
        if quote is None:
            return
        money = self.ctx.languages.money
        self.list_row.set(self.tr("List price"), money(quote.list_total))
        labels = {p.id: p.label_for(self.ctx.languages.code) for p in self.ctx.catalog.promotions}
        discounts = [d for line in quote.lines for d in line.discounts]
        for i, row in enumerate(self.discount_rows):
            row.setVisible(i < len(discounts))
            if i < len(discounts):
                d = discounts[i]
                what = (
                    self.tr("Loyalty points")
                    if d.promotion_id == LOYALTY_REDEMPTION_ID
                    else labels.get(d.promotion_id, d.label)
                )
                row.set(what, "\u2212" + money(d.amount))
        rates = sorted(
            {(line.tax_rate_bp, line.tax_mode) for line in quote.lines}, key=lambda r: r[0]
        )
        added = [r for r, mode in rates if mode is TaxMode.EXCLUSIVE and r]
        included = [r for r, mode in rates if mode is TaxMode.INCLUSIVE and r]
        self.tax_row.setVisible(bool(added))
        if added:
            self.tax_row.set(
                fill(self.tr("Tax %1"), self._rates(added)),
                money(quote.tax_added_total),
            )
        self.total_row.set(self.tr("Total"), money(quote.total))
        inclusive_tax = quote.tax_total - quote.tax_added_total
        self.tax_note.setVisible(bool(included) and inclusive_tax.amount_minor > 0)
        self.tax_note.setText(
            fill(self.tr("incl. VAT %1: %2"), self._rates(included), money(inclusive_tax))
        )

    def _rates(self, rates_bp: list[int]) -> str:
        locale = self.ctx.languages.locale
        out = []
        for bp in rates_bp:
            number = locale.toString(bp // 100) if bp % 100 == 0 else locale.toString(bp / 100)
            out.append(fill(self.tr("%1%"), number))
        return ", ".join(out)

    def _render_member(self, view: View) -> None:
        member = view.member
        self.member.setVisible(member is not None)
        self.points.setVisible(member is not None and view.points_earned > 0)
        if member is None:
            return
        tier = member.tier.replace("_", " ").title()
        self.member.setText(fill(self.tr("Member: %1 · %2"), member.display_name, tier))
        n = view.points_earned
        self.points.setText(
            self.tr("You earn 1 point with this purchase.")
            if n == 1
            else self.tr("You earn %n points with this purchase.", "", n)
        )

    # -- layout ---------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange()
        super().resizeEvent(event)

    def _arrange(self) -> None:
        landscape = is_landscape(self)
        if landscape == self._landscape:
            return
        self._landscape = landscape
        if landscape:
            cells: list[Cell] = [
                (self.item, 0, 0, 5, 1),
                (self.title, 0, 1, 1, 1),
                (self.summary, 1, 1, 1, 1),
                (self.notice, 2, 1, 1, 1),
                (self.action_bar, 4, 1, 1, 1),
            ]
            place(self.grid, cells, rows=(0, 0, 0, 1, 0), cols=(4, 7))
        else:
            cells = [
                (self.title, 0, 0, 1, 1),
                (self.item, 1, 0, 1, 1),
                (self.summary, 2, 0, 1, 1),
                (self.notice, 3, 0, 1, 1),
                (self.action_bar, 5, 0, 1, 1),
            ]
            place(self.grid, cells, rows=(0, 1, 0, 0, 0, 0), cols=(1, 0))

    # -- slots ----------------------------------------------------------------------------------
    @asyncSlot()
    async def _on_pay_button_clicked(self) -> None:
        await self.vm.pay()

    def _on_back_button_clicked(self) -> None:
        self.vm.back()

    def _on_cancel_button_clicked(self) -> None:
        self.vm.go_home()
