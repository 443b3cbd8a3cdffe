"""Touch choosers of the service screens, beside the keypads of :mod:`kiosk.ui.service.keypad`:

* :class:`Stepper`: an integer with − and + buttons; :class:`DateStepper`: day / month / year
  steppers (the day follows the month's length), for lot expiry dates;
* :class:`Choice`: a row of exclusive, checkable buttons (sections, reasons, channel/slot).

Every button is at least ``TOUCH_MIN`` px; texts are set by the owning screen.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QButtonGroup, QGridLayout, QWidget

from kiosk.ui.widgets import button, label


class Stepper(QWidget):
    """An integer between ``low`` and ``high`` with − and + buttons beside it, or under it
    (``stacked``: narrower)."""

    valueChanged = Signal(int)

    def __init__(
        self, low: int, high: int, value: int, *, name: str = "", stacked: bool = False
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self.low, self.high, self._value = low, high, value
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        self.minus = button("−", role="key", name=f"{name}Minus")
        self.plus = button("+", role="key", name=f"{name}Plus")
        self.shown = label(role="value", wrap=False)
        self.shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.shown.setMinimumWidth(72)
        if stacked:
            grid.addWidget(self.shown, 0, 0, 1, 2)
            grid.addWidget(self.minus, 1, 0)
            grid.addWidget(self.plus, 1, 1)
        else:
            grid.addWidget(self.minus, 0, 0)
            grid.addWidget(self.shown, 0, 1)
            grid.addWidget(self.plus, 0, 2)
            grid.setColumnStretch(1, 1)
        self.minus.clicked.connect(lambda: self.set_value(self._value - 1))
        self.plus.clicked.connect(lambda: self.set_value(self._value + 1))
        self.set_value(value)

    def value(self) -> int:
        return self._value

    def set_value(self, value: int) -> None:
        self._value = max(self.low, min(self.high, value))
        self.shown.setText(str(self._value))
        self.minus.setEnabled(self._value > self.low)
        self.plus.setEnabled(self._value < self.high)
        self.valueChanged.emit(self._value)


class DateStepper(QWidget):
    """A date as day / month / year steppers (the day follows the month's length)."""

    def __init__(self, value: date, *, name: str = "", years: int = 10) -> None:
        super().__init__()
        self.setObjectName(name)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        first = min(value.year, date.today().year)  # this year's lots too
        self.day = Stepper(1, 31, value.day, name=f"{name}Day", stacked=True)
        self.month = Stepper(1, 12, value.month, name=f"{name}Month", stacked=True)
        self.year = Stepper(first, first + years, value.year, name=f"{name}Year", stacked=True)
        self.captions = [label(role="small", wrap=False) for _ in range(3)]
        for cap in self.captions:
            cap.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        for col, (cap, step) in enumerate(
            zip(self.captions, (self.day, self.month, self.year), strict=True)
        ):
            grid.addWidget(cap, 0, col)
            grid.addWidget(step, 1, col)
            grid.setColumnStretch(col, 1)
        self.month.valueChanged.connect(self._clamp)
        self.year.valueChanged.connect(self._clamp)
        self._clamp()

    def retranslate(self) -> None:
        for cap, text in zip(
            self.captions, (self.tr("Day"), self.tr("Month"), self.tr("Year")), strict=True
        ):
            cap.setText(text)

    def _clamp(self, *_: object) -> None:
        days = calendar.monthrange(self.year.value(), self.month.value())[1]
        self.day.high = days
        self.day.set_value(self.day.value())

    def value(self) -> date:
        return date(self.year.value(), self.month.value(), self.day.value())

    def set_value(self, value: date) -> None:
        self.year.set_value(value.year)
        self.month.set_value(value.month)
        self.day.set_value(value.day)


class Choice(QWidget):
    """Exclusive checkable buttons in a grid of ``columns``; ``chosen`` sends the key."""

    chosen = Signal(str)

    def __init__(self, keys: Sequence[str], *, columns: int = 0, name: str = "") -> None:
        super().__init__()
        self.setObjectName(name)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QAbstractButton] = {}
        for key in keys:
            b = button(role="choice", name=f"{name}_{key}")
            b.setCheckable(True)
            self.group.addButton(b)
            self.buttons[key] = b
            b.clicked.connect(lambda _=False, k=key: self.chosen.emit(k))
        self.arrange(columns or len(keys))

    def arrange(self, columns: int) -> None:
        for b in self.buttons.values():
            self.grid.removeWidget(b)
        for i, b in enumerate(self.buttons.values()):
            self.grid.addWidget(b, i // columns, i % columns)

    def set_texts(self, texts: dict[str, str]) -> None:
        for key, text in texts.items():
            self.buttons[key].setText(text)

    def current(self) -> str:
        for key, b in self.buttons.items():
            if b.isChecked():
                return key
        return ""

    def select(self, key: str) -> None:
        if key in self.buttons:
            self.buttons[key].setChecked(True)
        else:
            self.group.setExclusive(False)
            for b in self.buttons.values():
                b.setChecked(False)
            self.group.setExclusive(True)
