"""Touch inputs of the service screens — no desktop keyboard anywhere.

* :class:`EntryField`: a large tappable field (caption + value, dots for a PIN) that the
  keypad types into once it is the active field;
* :class:`Keypad`: digits (PIN), decimal (ml, money) or text (technician id, lot, notes). The
  text keypad has two pages of the same 10 × 5 grid, so every key keeps its ≥ 80 px size:
  the letters, and (key ``àé``) the French accented letters ``é è ê ë à â ç î ï ô û ù ü ÿ œ æ``
  with the apostrophe and common signs; ⇧ gives the capitals on both pages (``É``, ``Œ``…).
  A field whose ``allowed`` characters include no accented letter (technician id, lot number)
  disables the ``àé`` key.
* :class:`KeyboardPanel`: the keypads of one form, showing the one the active field needs.

:class:`Stepper`, :class:`DateStepper` and :class:`Choice` live in
:mod:`kiosk.ui.service.choosers` and are re-exported here for the screens that import them
from this module. Every key is at least ``TOUCH_MIN`` px; texts are set by the owning screen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QStackedLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.service.choosers import Choice, DateStepper, Stepper
from kiosk.ui.theme import ACCENT, LINE, SURFACE_HI
from kiosk.ui.widgets import button, label
from kiosk.ui.widgets_shop import Pressable

__all__ = [
    "ACCENTED",
    "ACCENTS",
    "BACKSPACE",
    "CLEAR",
    "DECIMAL",
    "DIGITS",
    "SHIFT",
    "TEXT",
    "Choice",
    "DateStepper",
    "EntryField",
    "KeyboardPanel",
    "Keypad",
    "Stepper",
]

BACKSPACE = "\b"
CLEAR = "\x1b"
SHIFT = "\x0e"
ACCENTS = "\x0f"  # the text keypad's page key: letters <-> accents and signs
DIGITS, DECIMAL, TEXT = "digits", "decimal", "text"
ACCENTED = "éèêëàâçîïôûùüÿœæ"  # the accents page's letters (capitals through ⇧)


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
    """Pages of keys (one for digits and decimal, two for text); ``keyPressed`` sends a
    character, BACKSPACE or CLEAR. ⇧ (capitals) and ``àé`` (page) are handled here."""

    keyPressed = Signal(str)

    def __init__(self, kind: str, *, key_px: int = 96) -> None:
        super().__init__()
        self.kind = kind
        self.setObjectName(f"keypad_{kind}")
        self.upper = False
        self.page = 0
        self.pages: list[dict[str, QAbstractButton]] = []  # each page's keys by character
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        for number, rows in enumerate(_pages(kind)):
            self._stack.addWidget(self._build_page(number, rows, key_px))
        self.retranslate()

    def _build_page(self, number: int, rows: list[list[str]], key_px: int) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        keys: dict[str, QAbstractButton] = {}
        suffix = f"_p{number + 1}" if number else ""
        for row, line in enumerate(rows):
            col = 0
            for key in line:
                span = 6 if key == " " else 1
                b = button(name=f"key_{_key_name(key)}{suffix}")
                b.setMinimumHeight(key_px)
                b.setProperty("role", "keyword" if key in (CLEAR, " ") else "key")
                b.clicked.connect(lambda _=False, k=key: self._on_key_clicked(k))
                grid.addWidget(b, row, col, 1, span)
                keys[key] = b
                col += span
        for column in range(grid.columnCount()):
            grid.setColumnStretch(column, 1)
        self.pages.append(keys)
        return page

    @property
    def keys(self) -> dict[str, QAbstractButton]:
        """The keys of the page shown."""
        return self.pages[self.page]

    def retranslate(self) -> None:
        for number, keys in enumerate(self.pages):
            for key, b in keys.items():
                self._label(key, b, number)

    def _label(self, key: str, b: QAbstractButton, page: int) -> None:
        if key == BACKSPACE:
            b.setText("⌫")
            b.setAccessibleName(self.tr("Delete"))
        elif key == CLEAR:
            b.setText(self.tr("Clear"))
        elif key == SHIFT:
            b.setText("⇧")
            b.setAccessibleName(self.tr("Capitals"))
        elif key == ACCENTS:
            accents = page == 0  # the letters' page key leads to the accents
            b.setText("àé" if accents else "abc")
            b.setAccessibleName(self.tr("Accents and signs") if accents else self.tr("Letters"))
        elif key == " ":
            b.setText(self.tr("space"))
        else:
            b.setText(key.upper() if self.upper else key)

    def show_page(self, page: int) -> None:
        self.page = page
        self._stack.setCurrentIndex(page)
        self.retranslate()

    def allow_accents(self, allowed: bool) -> None:
        """Enable the page key (back to the letters when the field takes no accents)."""
        if not allowed and self.page:
            self.show_page(0)
        for keys in self.pages:
            if ACCENTS in keys:
                keys[ACCENTS].setEnabled(allowed)

    def _on_key_clicked(self, key: str) -> None:
        if key == SHIFT:
            self.upper = not self.upper
            self.retranslate()
        elif key == ACCENTS:
            self.show_page((self.page + 1) % len(self.pages))
        else:
            self.keyPressed.emit(key.upper() if self.upper and key.isalpha() else key)

    def route(self, ch: str) -> list[QAbstractButton]:
        """The keys to tap, from the pad as it is, to type ``ch`` (page key and ⇧ first when
        needed); KeyError when no key gives it."""
        key = ch.lower() if ch.isalpha() else ch
        order = [self.page, *(i for i in range(len(self.pages)) if i != self.page)]
        page = next((i for i in order if key in self.pages[i]), None)
        if page is None:
            raise KeyError(ch)
        keys = self.pages[page]
        taps = [] if page == self.page else [self.keys[ACCENTS]]
        if ch.isalpha() and ch.isupper() != self.upper:
            taps.append(keys[SHIFT])
        return [*taps, keys[key]]

    def press(self, text: str) -> None:
        """Type ``text`` as if each key were tapped (tests, scripted demos)."""
        for ch in text:
            for b in self.route(ch):
                b.click()


def _pages(kind: str) -> list[list[list[str]]]:
    pad = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
    if kind == DIGITS:
        return [[*pad, [CLEAR, "0", BACKSPACE]]]
    if kind == DECIMAL:
        return [[*pad, [".", "0", BACKSPACE]]]
    bottom = [ACCENTS, "-", "_", " ", ","]  # the space bar spans 6 columns
    letters = [
        list("1234567890"),
        list("qwertyuiop"),
        list("asdfghjkl/"),
        [SHIFT, *"zxcvbnm", ".", BACKSPACE],
        bottom,
    ]
    accents = [
        list(ACCENTED[:10]),
        [*ACCENTED[10:], *"'?!:"],
        list(";()€@%+=#&"),
        [SHIFT, *'«»"*°<>', ".", BACKSPACE],
        bottom,
    ]
    return [letters, accents]


_NAMES = {
    BACKSPACE: "backspace",
    CLEAR: "clear",
    SHIFT: "shift",
    ACCENTS: "accents",
    " ": "space",
    ".": "dot",
    "-": "dash",
    "_": "underscore",
    "/": "slash",
    ",": "comma",
}


def _key_name(key: str) -> str:
    """An ASCII object name for the key (``key_e_acute`` rather than ``key_é``)."""
    if key in _NAMES:
        return _NAMES[key]
    if key.isascii() and key.isalnum():
        return key
    name = unicodedata.name(key).lower()
    for prefix in ("latin small letter ", "latin small ligature "):
        name = name.removeprefix(prefix)
    return name.replace(" with ", "_").replace(" ", "_").replace("-", "_")


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
            if field.kind == TEXT:
                takes = not field.allowed or any(c in field.allowed for c in ACCENTED)
                self.pads[TEXT].allow_accents(takes)
            self.setCurrentWidget(self.pages[field.kind])
            self.updateGeometry()

    def retranslate(self) -> None:
        for pad in self.pads.values():
            pad.retranslate()

    def _on_pad_key_pressed(self, key: str) -> None:
        if self.active is not None:
            self.active.type_key(key)
