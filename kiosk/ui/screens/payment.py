"""Payment: what the card reader is doing, by ``view.payment``.

- PRESENT_CARD: "Present, insert or tap your card", the amount, a card tapping a reader, and
  "Cancel" (stops the reader: ``vm.cancel()``);
- PROCESSING: a spinner and "Processing…", nothing to tap (the card is being read);
- APPROVED: a check mark, briefly, before dispensing;
- DECLINED: "you were not charged", "Try again" (``vm.retry()``) or "Cancel" (``vm.go_home()``);
- TIMED_OUT / CANCELLED / FAILED: why (``messages.outcome_text``), "Try again" or "Home".

Every outcome that did not charge the shopper says so.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.journey import PaymentPhase, View
from kiosk.ui.messages import outcome_text
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import button, label
from kiosk.ui.widgets_art import CardTapArt, Mark, MarkArt, SpinnerArt
from kiosk.ui.widgets_flow import Cell, Fader, offer_text, place, settle

_MARKS = {
    PaymentPhase.APPROVED: Mark.OK,
    PaymentPhase.DECLINED: Mark.FAIL,
    PaymentPhase.FAILED: Mark.FAIL,
    PaymentPhase.TIMED_OUT: Mark.NOTICE,
    PaymentPhase.CANCELLED: Mark.NOTICE,
}
# Phases after which the shopper chooses: try again, or leave.
_ENDED = frozenset(
    {PaymentPhase.DECLINED, PaymentPhase.TIMED_OUT, PaymentPhase.CANCELLED, PaymentPhase.FAILED}
)


class PaymentScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("payment")
        self._phase: PaymentPhase | None = None
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(64, 40, 64, 56)
        self.grid.setHorizontalSpacing(56)
        self.grid.setVerticalSpacing(32)

        self.arts = QStackedWidget()
        self.arts.setObjectName("paymentArt")
        self.card_art = CardTapArt(hint=QSize(520, 520))
        self.spinner = SpinnerArt(hint=QSize(360, 360), maximum=420)
        self.mark = MarkArt(Mark.OK, hint=QSize(360, 360), maximum=380)
        for art in (self.card_art, self.spinner, self.mark):
            self.arts.addWidget(art)

        self.texts = QWidget()
        texts = QVBoxLayout(self.texts)
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(20)
        self.title = label(role="title", name="paymentTitle")
        self.detail = label(name="paymentDetail")
        self.amount = label(role="display", wrap=False, name="paymentAmount")
        self.item = label(role="muted", name="paymentItem")
        for w in (self.title, self.detail, self.amount, self.item):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            texts.addWidget(w)
        self._fader = Fader(self.texts)

        self.action_bar = QWidget()
        actions = QHBoxLayout(self.action_bar)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(24)
        self.cancel_button = button(name="paymentCancel")
        self.home_button = button(name="paymentHome")
        self.retry_button = button(role="primary", name="paymentRetry")
        actions.addWidget(self.cancel_button, 1)
        actions.addWidget(self.home_button, 1)
        actions.addWidget(self.retry_button, 2)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.home_button.clicked.connect(self._on_home_button_clicked)
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.rearrange()

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        phase = view.payment or PaymentPhase.PROCESSING
        if phase is not self._phase:
            if self._phase is not None:
                self._fader.start()
            self._phase = phase
        title, detail = self._words(phase, view.reason)
        self.title.setText(title)
        self.detail.setText(detail)
        waiting = phase in (PaymentPhase.PRESENT_CARD, PaymentPhase.PROCESSING)
        self.amount.setVisible(waiting and view.quote is not None)
        self.amount.setText(self.ctx.languages.money(view.quote.total) if view.quote else "")
        item = ""
        if view.product is not None and view.offer is not None:
            item = f"{view.product.name} · {offer_text(view.offer)}"
        self.item.setText(item)
        self.item.setVisible(waiting and bool(item))
        if phase is PaymentPhase.PRESENT_CARD:
            self.arts.setCurrentWidget(self.card_art)
        elif phase is PaymentPhase.PROCESSING:
            self.arts.setCurrentWidget(self.spinner)
        else:
            self.arts.setCurrentWidget(self.mark)
            self.mark.set_mark(_MARKS[phase])
        self.arts.setAccessibleName(title)
        self.cancel_button.setVisible(phase is PaymentPhase.PRESENT_CARD)
        self.cancel_button.setText(self.tr("Cancel"))
        ended = phase in _ENDED
        self.retry_button.setVisible(ended)
        self.retry_button.setText(self.tr("Try again"))
        self.home_button.setVisible(ended)
        self.home_button.setText(
            self.tr("Cancel") if phase is PaymentPhase.DECLINED else self.tr("Home")
        )
        settle(self, rtl=self.ctx.languages.rtl)

    def _words(self, phase: PaymentPhase, reason: str) -> tuple[str, str]:
        if phase is PaymentPhase.PRESENT_CARD:
            return (
                self.tr("Present, insert or tap your card"),
                self.tr("Use the card reader below the screen."),
            )
        if phase is PaymentPhase.PROCESSING:
            return self.tr("Processing…"), self.tr("Please wait a moment.")
        if phase is PaymentPhase.APPROVED:
            return self.tr("Approved"), self.tr("Thank you! Your perfume is coming.")
        if phase is PaymentPhase.DECLINED:
            return self.tr("Card declined"), outcome_text(reason or "declined")
        if phase is PaymentPhase.TIMED_OUT:
            return self.tr("Time is up"), outcome_text(reason or "payment_timeout")
        if phase is PaymentPhase.CANCELLED:
            return self.tr("Payment cancelled"), outcome_text(reason or "cancelled")
        return self.tr("Payment did not go through"), outcome_text(reason)

    # -- layout ---------------------------------------------------------------------------------
    def arrange(self, landscape: bool) -> None:
        for art in (self.spinner, self.mark):  # near the words in portrait, centred beside them
            art.bottom = not landscape
        if landscape:
            cells: list[Cell] = [
                (self.arts, 0, 0, 4, 1),
                (self.texts, 1, 1, 1, 1),
                (self.action_bar, 3, 1, 1, 1),
            ]
            place(self.grid, cells, rows=(1, 0, 1, 0), cols=(1, 1))
        else:
            cells = [
                (self.arts, 0, 0, 1, 1),
                (self.texts, 1, 0, 1, 1),
                (self.action_bar, 3, 0, 1, 1),
            ]
            place(self.grid, cells, rows=(3, 0, 1, 0), cols=(1, 0))

    # -- lifecycle and slots -------------------------------------------------------------------
    def entered(self, view: View) -> None:
        self.card_art.restart()

    def left(self) -> None:
        self._phase = None

    @asyncSlot()
    async def _on_cancel_button_clicked(self) -> None:
        await self.vm.cancel()

    def _on_retry_button_clicked(self) -> None:
        self.vm.retry()

    def _on_home_button_clicked(self) -> None:
        self.vm.go_home()
