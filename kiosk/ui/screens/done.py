"""Done: the honest end of a purchase.

COMPLETED (``view.purchase``): thank you, the perfume, "Charged €X to card •••• 1234", the
points a member earned, and the e-receipt as a QR code (``view.receipt_url``). FAILED_VOIDED
or MANUAL_REVIEW: what happened, in the purchase flow's words (``messages.outcome_text``),
which always say the shopper was not charged or that the payment was released, and a
reference for staff. "Done" goes back to the start either way.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.catalog import OfferKind
from kiosk.journey import View
from kiosk.purchase.states import PurchaseState
from kiosk.ui.messages import outcome_text
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import QrCode, button, label
from kiosk.ui.widgets_art import Mark, MarkArt
from kiosk.ui.widgets_flow import Cell, fill, offer_text, panel, place, settle

REFERENCE_CHARS = 8  # enough of the transaction id for staff to find it


class DoneScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("done")
        self._has_receipt = True
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(64, 40, 64, 56)
        self.grid.setHorizontalSpacing(56)
        self.grid.setVerticalSpacing(28)

        self.mark = MarkArt(Mark.OK, hint=QSize(220, 220), minimum=140, maximum=260)
        self.mark.setObjectName("doneMark")

        self.texts = QWidget()
        texts = QVBoxLayout(self.texts)
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(18)
        self.title = label(role="title", name="doneTitle")
        self.product = label(role="heading", name="doneProduct")
        self.detail = label(name="doneDetail")
        self.charged = label(role="muted", name="doneCharged")
        self.points = label(role="ok", name="donePoints")
        self.reference = label(role="small", name="doneReference")
        for w in (self.title, self.product, self.detail, self.charged, self.points):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            texts.addWidget(w)
        self.reference.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        texts.addWidget(self.reference)

        self.receipt, receipt = panel()
        self.receipt.setObjectName("doneReceipt")
        self.qr = QrCode()
        self.qr.setObjectName("doneQr")
        self.qr.setFixedSize(280, 280)
        self.qr_caption = label(role="muted", name="doneQrCaption")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        receipt.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        receipt.addWidget(self.qr_caption)

        self.done_button = button(role="primary", name="doneDone")
        self.done_button.clicked.connect(self._on_done_button_clicked)
        self.rearrange()

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        completed = view.purchase is PurchaseState.COMPLETED
        self.mark.set_mark(Mark.OK if completed else Mark.NOTICE)
        if completed:
            self._render_completed(view)
        else:
            self._render_failed(view)
        self.done_button.setText(self.tr("Done"))
        self._has_receipt = completed and bool(view.receipt_url)
        self.rearrange()
        settle(self, rtl=self.ctx.languages.rtl)

    def _render_completed(self, view: View) -> None:
        self.title.setText(self.tr("Thank you!"))
        what = view.product.name if view.product is not None else ""
        if view.product is not None and view.offer is not None:
            what = f"{view.product.name} · {offer_text(view.offer)}"
        self.product.setText(what)
        self.product.setVisible(bool(what))
        bottle = view.offer is not None and view.offer.kind is OfferKind.BOTTLE
        self.detail.setText(
            self.tr("Please take your bottle from the tray below.")
            if bottle
            else self.tr("Enjoy your scent.")
        )
        amount = self.ctx.languages.money(view.quote.total) if view.quote else ""
        if amount and view.card_last4:
            charged = fill(self.tr("Charged %1 to card •••• %2"), amount, view.card_last4)
        elif amount:
            charged = fill(self.tr("Charged %1 to your card"), amount)
        else:
            charged = ""
        self.charged.setText(charged)
        self.charged.setVisible(bool(charged))
        n = view.points_earned if view.member is not None else 0
        if n == 1:
            points = self.tr("%1, you earned 1 point.")
        else:
            points = self.tr("%1, you earned %n points.", "", n)
        self.points.setText(fill(points, view.member.display_name) if view.member else "")
        self.points.setVisible(n > 0)
        self.reference.setVisible(False)
        self.receipt.setVisible(bool(view.receipt_url))
        self.qr.set_text(view.receipt_url or "")
        self.qr.setAccessibleName(self.tr("E-receipt QR code"))
        self.qr_caption.setText(self.tr("Scan for your e-receipt"))

    def _render_failed(self, view: View) -> None:
        self.title.setText(self.tr("We're sorry"))
        self.product.setText(view.product.name if view.product is not None else "")
        self.product.setVisible(view.product is not None)
        self.detail.setText(outcome_text(view.reason))
        self.charged.setText(
            self.tr("Please keep this reference if you contact us.")
            if view.purchase is PurchaseState.MANUAL_REVIEW
            else self.tr("You will not be charged for this purchase.")
        )
        self.charged.setVisible(True)
        self.points.setVisible(False)
        ref = (view.txn_id or "")[-REFERENCE_CHARS:].upper()
        self.reference.setText(fill(self.tr("Reference: %1"), ref))
        self.reference.setVisible(bool(ref))
        self.receipt.setVisible(False)
        self.qr.set_text("")

    # -- layout ---------------------------------------------------------------------------------
    def layout_key(self) -> tuple[bool, bool]:
        """A receipt takes a column of its own in landscape."""
        return self.is_landscape(), self._has_receipt

    def arrange(self, landscape: bool) -> None:
        if landscape and self._has_receipt:
            cells: list[Cell] = [
                (self.mark, 1, 0, 1, 1),
                (self.texts, 2, 0, 1, 1),
                (self.receipt, 1, 1, 2, 1),
                (self.done_button, 4, 0, 1, 2),
            ]
            place(self.grid, cells, rows=(1, 0, 0, 1, 0), cols=(3, 2))
        elif landscape:  # a message alone: a readable column in the middle
            cells = [
                (self.mark, 1, 1, 1, 1),
                (self.texts, 2, 1, 1, 1),
                (self.receipt, 3, 1, 1, 1),
                (self.done_button, 4, 0, 1, 3),
            ]
            place(self.grid, cells, rows=(1, 0, 0, 1, 0), cols=(1, 3, 1))
        else:
            cells = [
                (self.mark, 1, 0, 1, 1),
                (self.texts, 2, 0, 1, 1),
                (self.receipt, 3, 0, 1, 1),
                (self.done_button, 5, 0, 1, 1),
            ]
            place(self.grid, cells, rows=(1, 0, 0, 0, 1, 0), cols=(1, 0))

    # -- slots ----------------------------------------------------------------------------------
    def _on_done_button_clicked(self) -> None:
        self.vm.go_home()
