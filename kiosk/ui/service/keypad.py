"""Touch inputs of the service screens — no desktop keyboard anywhere.

* :class:`EntryField`: a large tappable field (caption + value, dots for a PIN) that the
  keypad types into once it is the active field;
* :class:`Keypad`: digits (PIN), decimal (ml, money) or text (technician id, lot, notes);
* :class:`KeyboardPanel`: the keypads of one form, showing the one the active field needs;
* :class:`DateStepper` (day / month / year with + and −) and :class:`Stepper` (an integer);
* :class:`Choice`: a row of exclusive, checkable buttons (sections, reasons, channel/slot).

Every key and button is at least ``TOUCH_MIN`` px; texts are set by the owning screen.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.theme import ACCENT, LINE, SURFACE_HI
from kiosk.ui.widgets import button, label
from kiosk.ui.widgets_shop import Pressable

BACKSPACE = "\b"
CLEAR = "\x1b"
SHIFT = "\x0e"
DIGITS, DECIMAL, TEXT = "digits", "decimal", "text"


class EntryField(Pressable):
    """One value typed on a :class:`Keypad`: ``kind`` chooses the keypad; ``masked`` shows
    dots; ``allowed`` filters characters; at most ``max_len`` of them."""

    activated = Signal(object)  # self
    textChanged = Signal(str)

    def __init__(
        self,
        *,
        kind: str = TEXT,
        name: str = "",
        masked: bool = False,
        max_len: int = 32,
        allowed: str = "",
    ) -> None:
        super().__init__(fill=SURFACE_HI, border=LINE, radius=18, name=name)
        self.kind = kind
        self.masked = masked
        self.max_len = max_len
        self.allowed = allowed
        self._text = ""
        self._active = False
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 10, 24, 12)
        box.setSpacing(2)
        self.caption = label(role="small")
        self.value = label(role="heading", wrap=True)
        self.value.setMinimumHeight(48)
        box.addWidget(self.caption)
        box.addWidget(self.value)
        self.adopt(self.caption, self.value)
        self.clicked.connect(self._on_self_clicked)
        self._show()

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        self._text = text[: self.max_len]
        self._show()
        self.textChanged.emit(self._text)

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.setAccessibleName(text)

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        self._active = active
        self.set_fill(SURFACE_HI, ACCENT if active else LINE)

    def type_key(self, key: str) -> None:
        if key == BACKSPACE:
            self.setText(self._text[:-1])
        elif key == CLEAR:
            self.setText("")
        elif len(self._text) < self.max_len and (not self.allowed or key in self.allowed):
            self.setText(self._text + key)

    def _show(self) -> None:
        shown = "●" * len(self._text) if self.masked else self._text
        self.value.setText(shown or " ")

    def _on_self_clicked(self) -> None:
        self.activated.emit(self)


class Keypad(QWidget):
    """A grid of keys; ``keyPressed`` sends a character, BACKSPACE, CLEAR or SHIFT."""

    keyPressed = Signal(str)

    def __init__(self, kind: str, *, key_px: int = 96) -> None:
        super().__init__()
        self.kind = kind
        self.setObjectName(f"keypad_{kind}")
        self.upper = False
        self.keys: dict[str, QAbstractButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for row, keys in enumerate(_layout(kind)):
            col = 0
            for key in keys:
                span = 6 if key == " " else 1
                b = button(name=f"key_{_key_name(key)}")
                b.setMinimumHeight(key_px)
                b.setProperty("role", "keyword" if key in (CLEAR, " ") else "key")
                b.clicked.connect(lambda _=False, k=key: self._on_key_clicked(k))
                grid.addWidget(b, row, col, 1, span)
                self.keys[key] = b
                col += span
        for column in range(grid.columnCount()):
            grid.setColumnStretch(column, 1)
        self.retranslate()

    def retranslate(self) -> None:
        for key, b in self.keys.items():
            if key == BACKSPACE:
                b.setText("⌫")
                b.setAccessibleName(self.tr("Delete"))
            elif key == CLEAR:
                b.setText(self.tr("Clear"))
            elif key == SHIFT:
                b.setText("⇧")
                b.setAccessibleName(self.tr("Capitals"))
            elif key == " ":
                b.setText(self.tr("space"))
            else:
                b.setText(key.upper() if self.upper else key)

    def _on_key_clicked(self, key: str) -> None:
        if key == SHIFT:
            self.upper = not self.upper
            self.retranslate()
            return
        self.keyPressed.emit(key.upper() if self.upper and key.isalpha() else key)

    def press(self, text: str) -> None:
        """Type ``text`` as if each key were tapped (tests, scripted demos)."""
        for ch in text:
            key = ch.lower() if ch.isalpha() else ch
            if ch.isalpha() and ch.isupper() != self.upper:
                self.keys[SHIFT].click()
            self.keys[key].click()


def _layout(kind: str) -> list[list[str]]:
    pad = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
    if kind == DIGITS:
        return [*pad, [CLEAR, "0", BACKSPACE]]
    if kind == DECIMAL:
        return [*pad, [".", "0", BACKSPACE]]
    return [
        list("1234567890"),
        list("qwertyuiop"),
        list("asdfghjkl/"),
        [SHIFT, *"zxcvbnm", ".", BACKSPACE],
        ["-", "_", " ", ","],
    ]


def _key_name(key: str) -> str:
    names = {BACKSPACE: "backspace", CLEAR: "clear", SHIFT: "shift", " ": "space"}
    return names.get(
        key, {".": "dot", "-": "dash", "_": "underscore", "/": "slash", ",": "comma"}.get(key, key)
    )


class KeyboardPanel(QStackedWidget):
    """The keypads of one form; tapping a field makes it active and shows its keypad."""

    def __init__(self, kinds: Sequence[str] = (DIGITS, DECIMAL, TEXT)) -> None:
        super().__init__()
        self.pads = {kind: Keypad(kind, key_px=110 if kind != TEXT else 84) for kind in kinds}
        self.pages: dict[str, QWidget] = {}
        for kind, pad in self.pads.items():
            page = QWidget()
            column = QVBoxLayout(page)
            column.setContentsMargins(0, 0, 0, 0)
            if kind == TEXT:
                column.addWidget(pad)
            else:
                pad.setMaximumWidth(640)  # a phone-sized pad, centred
                row = QHBoxLayout()
                row.addStretch(1)
                row.addWidget(pad, 100)
                row.addStretch(1)
                column.addLayout(row)
            column.addStretch(1)
            self.pages[kind] = page
            self.addWidget(page)
            pad.keyPressed.connect(self._on_pad_key_pressed)
        self.fields: list[EntryField] = []
        self.active: EntryField | None = None

    def sizeHint(self) -> QSize:  # the pad shown, not the largest one
        current = self.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()

    def attach(self, *fields: EntryField) -> None:
        for f in fields:
            self.fields.append(f)
            f.activated.connect(self.activate)

    def activate(self, field: EntryField | None) -> None:
        self.active = field
        for f in self.fields:
            f.set_active(f is field)
        if field is not None and field.kind in self.pads:
            self.setCurrentWidget(self.pages[field.kind])
            self.updateGeometry()

    def retranslate(self) -> None:
        for pad in self.pads.values():
            pad.retranslate()

    def _on_pad_key_pressed(self, key: str) -> None:
        if self.active is not None:
            self.active.type_key(key)


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
