"""Checkout: the order summary from the journey's quote, and "Pay by card".

Shows the perfume and the chosen spray or bottle, the list price, each discount with its
promotion's label (from the catalog; a points redemption is "Loyalty points"), the tax
(inclusive: "incl. VAT 20 %" under the total; exclusive: a line added before it), the total,
the member and the points this purchase earns. A member whose points may pay part of the price
(``view.points_usable``: online, balance known) sees their balance and a large toggle, "Use
250 points (−€2.50)" / "Don't use my points" (``vm.use_points``). ``view.notice`` (cards
offline, an offline limit, sold out...) is shown prominently; "Pay by card" is disabled while
card payments are refused for being offline. The screen never computes a price: everything
comes from the quote and the view.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QGridLayout, QHBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.journey import Notice, View
from kiosk.pricing import Quote, TaxMode
from kiosk.promotions import LOYALTY_REDEMPTION_ID
from kiosk.ui.messages import notice_text, tier_name
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.theme import LINE
from kiosk.ui.widgets import SvgImage, button, label
from kiosk.ui.widgets_flow import (
    AmountRow,
    Cell,
    Fader,
    NoticeBanner,
    fill,
    offer_text,
    panel,
    place,
    settle,
)

MAX_DISCOUNT_ROWS = 4  # one line item: at most a promotion or two and a points redemption
ACTION_SPACING = 20


class CheckoutScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("checkout")
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
        self.points_balance = label(role="muted", name="checkoutPointsBalance")
        summary.addWidget(self.member)
        summary.addWidget(self.points)
        summary.addWidget(self.points_balance)

        self.notice = NoticeBanner(name="checkoutNotice")
        self._notice_fader = Fader(self.notice)

        self.action_bar = QWidget()  # the points toggle and "Pay": side by side in landscape
        self.actions = QBoxLayout(QBoxLayout.Direction.TopToBottom, self.action_bar)
        self.actions.setContentsMargins(0, 0, 0, 0)
        self.actions.setSpacing(ACTION_SPACING)
        self.use_points_button = button(name="checkoutUsePoints")
        self.use_points_button.setCheckable(True)  # a toggle to assistive technology too
        self._points_on = False
        self._points_text = ""  # the toggle's text on one line
        self.pay_button = button(role="primary", name="checkoutPay")
        self.actions.addWidget(self.use_points_button)
        self.actions.addWidget(self.pay_button)
        for w in (self.use_points_button, self.points_balance):
            w.hide()  # until a view offers points (a first render must not grow the window)
        self.minor_bar = QWidget()  # "Back" and "Cancel": under the perfume in landscape
        minor = QHBoxLayout(self.minor_bar)
        minor.setContentsMargins(0, 0, 0, 0)
        minor.setSpacing(20)
        self.back_button = button(name="checkoutBack")
        self.cancel_button = button(role="ghost", name="checkoutCancel")
        for b in (self.back_button, self.cancel_button):
            minor.addWidget(b, 1)
        self.use_points_button.clicked.connect(self._on_use_points_button_clicked)
        self.pay_button.clicked.connect(self._on_pay_button_clicked)
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.rearrange()

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        # What a view may add is hidden first and shown last: showing a widget lays the window
        # out at once, and a state in between that needs more room would grow the window.
        for w in (self.notice, self.use_points_button, self.points_balance):
            w.hide()
        self.title.setText(self.tr("Your order"))
        self._render_item(view)
        self._render_quote(view.quote)
        self._render_member(view)
        by_points = view.quote is not None and view.points_used > 0 and not view.quote.total_minor
        self.pay_button.setText(self.tr("Pay with points") if by_points else self.tr("Pay by card"))
        blocked = view.cards_offline and view.notice is Notice.CARDS_OFFLINE
        self.pay_button.setEnabled(view.quote is not None and not blocked)
        self.back_button.setText(self.tr("Back"))
        self.cancel_button.setText(self.tr("Cancel"))
        text = notice_text(view.notice)
        if text and view.notice is not self._shown_notice:
            self._notice_fader.start()
        self._shown_notice = view.notice
        self.notice.set_text(text)
        self._render_points(view)
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
        return self.ctx.languages.join(out)

    def _render_member(self, view: View) -> None:
        member = view.member
        self.member.setVisible(member is not None)
        self.points.setVisible(member is not None and view.points_earned > 0)
        if member is None:
            return
        tier = tier_name(member.tier)
        self.member.setText(fill(self.tr("Member: %1 · %2"), member.display_name, tier))
        n = view.points_earned
        self.points.setText(
            self.tr("You earn 1 point with this purchase.")
            if n == 1
            else self.tr("You earn %n points with this purchase.", "", n)
        )

    def _render_points(self, view: View) -> None:
        """The member's balance and the toggle, only while points may pay part of the price."""
        offered = view.member is not None and view.points_usable > 0
        self._points_on = view.points_used > 0
        self.use_points_button.setChecked(self._points_on)
        if not offered:
            self._stack_actions(points=False)
            return
        number = self.ctx.languages.number
        if view.points_balance is not None:
            n = view.points_balance
            self.points_balance.setText(fill(self.tr("You have %1 points", "", n), number(n)))
        if self._points_on:
            text = self.tr("Don't use my points")
        else:
            n = view.points_usable
            worth = ""
            if view.points_discount is not None:
                worth = "\u2212" + self.ctx.languages.money(view.points_discount)
            text = fill(self.tr("Use %1 points (%2)", "", n), number(n), worth)
        self._points_text = text
        self.use_points_button.setText(text)
        self.use_points_button.setAccessibleName(text)
        self._stack_actions(points=True)  # beside "Pay" or above it, before it shows
        self.use_points_button.show()
        self.points_balance.setVisible(view.points_balance is not None)

    # -- layout ---------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)  # re-places the widgets when the orientation changed
        self._stack_actions()  # the column's width has changed

    def arrange(self, landscape: bool) -> None:
        self._landscape = landscape  # what _stack_actions lays the actions out for
        if landscape:
            cells: list[Cell] = [
                (self.item, 0, 0, 4, 1),
                (self.minor_bar, 4, 0, 1, 1),
                (self.title, 0, 1, 1, 1),
                (self.summary, 1, 1, 1, 1),
                (self.notice, 2, 1, 1, 1),
                (self.action_bar, 4, 1, 1, 1),
            ]
            place(self.grid, cells, rows=(0, 0, 0, 1, 0), cols=(4, 7))
            self.grid.setAlignment(self.minor_bar, Qt.AlignmentFlag.AlignBottom)
            self.grid.setAlignment(self.action_bar, Qt.AlignmentFlag.AlignBottom)
        else:
            cells = [
                (self.title, 0, 0, 1, 1),
                (self.item, 1, 0, 1, 1),
                (self.summary, 2, 0, 1, 1),
                (self.notice, 3, 0, 1, 1),
                (self.action_bar, 5, 0, 1, 1),
                (self.minor_bar, 6, 0, 1, 1),
            ]
            place(self.grid, cells, rows=(0, 1, 0, 0, 0, 0, 0), cols=(1, 0))
            for bar in (self.minor_bar, self.action_bar):
                self.grid.setAlignment(bar, Qt.AlignmentFlag(0))
        self._stack_actions()

    def _stack_actions(self, *, points: bool | None = None) -> None:
        """Landscape puts the points toggle (when ``points``, default: when shown) beside
        "Pay", the column being short: on one line, else on two (before its value), else above
        "Pay" as in portrait."""
        toggle = self.use_points_button
        if points is None:
            points = toggle.isVisibleTo(self)
        beside = False
        if self._landscape and points:
            room = self.action_bar.width() - ACTION_SPACING - self.pay_button.sizeHint().width()
            for text in (self._points_text, self._points_text.replace(" (", "\n(", 1)):
                toggle.setText(text)
                if toggle.sizeHint().width() <= room:
                    beside = True
                    break
        if not beside:
            toggle.setText(self._points_text)
        self.actions.setDirection(
            QBoxLayout.Direction.LeftToRight if beside else QBoxLayout.Direction.TopToBottom
        )

    # -- slots ----------------------------------------------------------------------------------
    def _on_use_points_button_clicked(self) -> None:
        self.vm.use_points(not self._points_on)

    @asyncSlot()
    async def _on_pay_button_clicked(self) -> None:
        await self.vm.pay()

    def _on_back_button_clicked(self) -> None:
        self.vm.back()

    def _on_cancel_button_clicked(self) -> None:
        self.vm.go_home()
