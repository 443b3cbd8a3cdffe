"""The shape of every service form: a header with a back button, the fields (scrolling if
they ever outgrow the page) and the keypads the fields need — under the fields in portrait,
beside them in landscape — and the action buttons under the fields."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.service.common import PageHeader
from kiosk.ui.service.keypad import TEXT, KeyboardPanel
from kiosk.ui.widgets_shop import scrolling

KEYS_WIDE_PX = 920  # the keypads' width beside the fields (10 letter keys of >= 80 px)
DIGITS_WIDE_PX = 600  # when the form has no text field


class FormPage(QWidget):
    def __init__(self, *, name: str, kinds: Sequence[str]) -> None:
        super().__init__()
        self.setObjectName(name)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(12)
        self.header = PageHeader(name=name)
        outer.addWidget(self.header)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(24)
        column = QWidget()
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(16)
        self.fields = QWidget()
        self.fields_box = QVBoxLayout(self.fields)
        self.fields_box.setContentsMargins(0, 0, 8, 0)
        self.fields_box.setSpacing(12)
        self.scroller = scrolling(self.fields, f"{name}Scroll")
        col.addWidget(self.scroller, 1)
        self.buttons_row = QHBoxLayout()
        self.buttons_row.setSpacing(16)
        col.addLayout(self.buttons_row)
        self.keys = KeyboardPanel(kinds)
        self._keys_px = KEYS_WIDE_PX if TEXT in kinds else DIGITS_WIDE_PX
        self.keys.setObjectName(f"{name}Keys")
        self.body.addWidget(column, 1)
        self.body.addWidget(self.keys, 0)
        outer.addLayout(self.body, 1)

    def retranslate(self) -> None:
        self.header.retranslate()
        self.keys.retranslate()

    def set_wide(self, wide: bool) -> None:
        """Keypads beside the fields (landscape) or under them; the overlay calls this on
        every page, shown or not, so a hidden page never asks for more room than there is."""
        self.body.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )
        if wide:
            self.keys.setFixedWidth(self._keys_px)
        else:
            self.keys.setMinimumWidth(0)
            self.keys.setMaximumWidth(16777215)
