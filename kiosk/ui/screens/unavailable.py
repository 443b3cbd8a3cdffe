"""When the machine cannot sell: maintenance, out of service, sales paused, cards offline.

A calm illustration, the reason's title and text (``messages.unavailable_title`` /
``unavailable_text``) and nothing to tap: the journey leaves this screen by itself when the
machine can sell again. The header's language button still works.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.journey import View
from kiosk.ui.messages import unavailable_text, unavailable_title
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import label
from kiosk.ui.widgets_art import CalmArt
from kiosk.ui.widgets_flow import Cell, place, settle


class UnavailableScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("unavailable")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(80, 48, 80, 96)
        self.grid.setHorizontalSpacing(64)
        self.grid.setVerticalSpacing(40)
        self.art = CalmArt(hint=QSize(520, 520), maximum=640)
        self.art.setObjectName("unavailableArt")
        self.texts = QWidget()
        texts = QVBoxLayout(self.texts)
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(20)
        self.title = label(role="title", name="unavailableTitle")
        self.detail = label(role="muted", name="unavailableDetail")
        texts.addStretch(1)
        for w in (self.title, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            texts.addWidget(w)
        texts.addStretch(1)
        self.rearrange()

    def render(self, view: View) -> None:
        why = view.unavailable
        if why is None:  # on the way back to selling
            self.title.setText(self.tr("One moment, please"))
            self.detail.setText(self.tr("We will be right with you."))
        else:
            self.title.setText(unavailable_title(why))
            self.detail.setText(unavailable_text(why))
        self.art.setAccessibleName(self.title.text())
        settle(self, rtl=self.ctx.languages.rtl)

    def arrange(self, landscape: bool) -> None:
        if landscape:
            cells: list[Cell] = [(self.art, 1, 0, 1, 1), (self.texts, 1, 1, 1, 1)]
            place(self.grid, cells, rows=(1, 4, 1), cols=(1, 1))
        else:
            cells = [(self.art, 1, 0, 1, 1), (self.texts, 2, 0, 1, 1)]
            place(self.grid, cells, rows=(1, 5, 0, 2), cols=(1, 0))
