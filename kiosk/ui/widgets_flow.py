"""Widgets shared by the loyalty, checkout, payment, dispensing, done and unavailable screens.

- :func:`place`: (re)arrange a screen's grid for portrait or landscape (grids mirror
  themselves for right-to-left languages);
- :func:`fill`: Qt-style ``%1`` placeholders that never raise;
- :func:`offer_text`: "Spray · 3 sprays" / "30 ml bottle" in the shopper's language;
- :class:`Fader`: a short fade-in when a part of a screen changes state;
- :class:`NoticeBanner`: a prominent one-line message (an icon and wrapped error text);
- :class:`AmountRow`: a label at the leading edge and an amount at the trailing edge;
- :class:`CountdownRing`: a ring emptying over a number of seconds, the seconds left inside;
- :func:`settle`: after a render, align labels by the screen's direction and apply the
  pending layout changes at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import (
    QEasingCurve,
    QObject,
    QPropertyAnimation,
    QRectF,
    QSize,
    Qt,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGraphicsOpacityEffect,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QWidget,
)

from kiosk.catalog import Offer, SprayOffer
from kiosk.ui.theme import ACCENT, SURFACE_HI, TEXT, TEXT_MIN
from kiosk.ui.widgets import card, label
from kiosk.ui.widgets_art import Mark, MarkArt, colour, pen

Cell = tuple[QWidget, int, int, int, int]  # widget, row, column, row span, column span


def place(
    grid: QGridLayout, cells: Sequence[Cell], *, rows: Sequence[int] = (), cols: Sequence[int] = ()
) -> None:
    """Put every widget of ``cells`` at its cell, and set the row and column stretches (rows
    and columns not listed get 0). Widgets already in ``grid`` are moved."""
    for cell in cells:
        grid.removeWidget(cell[0])
    for r in range(grid.rowCount()):
        grid.setRowStretch(r, rows[r] if r < len(rows) else 0)
    for c in range(grid.columnCount()):
        grid.setColumnStretch(c, cols[c] if c < len(cols) else 0)
    for widget, r, c, rs, cs in cells:
        grid.addWidget(widget, r, c, rs, cs)
    for r, stretch in enumerate(rows):
        grid.setRowStretch(r, stretch)
    for c, stretch in enumerate(cols):
        grid.setColumnStretch(c, stretch)


def fill(text: str, *values: str) -> str:
    """Qt-style placeholders: ``%1`` … ``%9`` in a translated ``text`` replaced by ``values``.
    Never raises, whatever a translation did to its placeholders (``str.format`` would)."""
    for i in range(len(values), 0, -1):
        text = text.replace(f"%{i}", values[i - 1])
    return text


class Offers(QObject):
    """The translation context of offer names. A plural needs ``self.tr(text, "", n)``:
    ``pyside6-lupdate`` marks only that form as numerus (``QCoreApplication.translate`` with a
    count is extracted as a plain text, which Qt then never finds for a count)."""

    def name(self, offer: Offer) -> str:
        if isinstance(offer, SprayOffer):
            n = offer.doses  # a plain name: lupdate skips a call whose count is an attribute
            if n == 1:
                return self.tr("Spray · 1 spray")
            return self.tr("Spray · %n sprays", "", n)
        return fill(self.tr("%1 ml bottle"), str(offer.size_ml))


def offer_text(offer: Offer) -> str:
    """What the shopper chose, in their language: "Spray · 3 sprays" or "30 ml bottle"."""
    return Offers().name(offer)


class Fader(QObject):
    """Fades ``widget`` in from transparent on :meth:`start`. The opacity effect stays
    installed but is disabled (costs nothing) whenever no fade is running."""

    def __init__(self, widget: QWidget, ms: int = 320) -> None:
        super().__init__(widget)
        self._effect = QGraphicsOpacityEffect(widget)
        self._effect.setEnabled(False)
        widget.setGraphicsEffect(self._effect)
        self._anim = QPropertyAnimation(self._effect, b"opacity", self)
        self._anim.setDuration(ms)
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._anim.finished.connect(self._on_anim_finished)

    @property
    def running(self) -> bool:
        return self._anim.state() is QPropertyAnimation.State.Running

    def start(self) -> None:
        self._anim.stop()
        self._effect.setOpacity(0.0)
        self._effect.setEnabled(True)
        self._anim.start()

    def _on_anim_finished(self) -> None:
        self._effect.setEnabled(False)


class NoticeBanner(QFrame):
    """A raised banner with an exclamation mark and a wrapped message; hidden when empty."""

    def __init__(self, *, name: str) -> None:
        super().__init__()
        self.setProperty("role", "banner")
        row = QHBoxLayout(self)
        row.setContentsMargins(28, 20, 28, 20)
        row.setSpacing(20)
        self.icon = MarkArt(Mark.NOTICE, hint=QSize(56, 56), minimum=56)
        self.icon.setFixedSize(56, 56)
        self.text = label(role="error", name=name)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.text, 1)
        self.hide()

    def set_text(self, text: str) -> None:
        self.text.setText(text)
        self.setVisible(bool(text))


class AmountRow(QWidget):
    """``what`` at the leading edge (wraps), ``amount`` at the trailing edge (never wraps)."""

    def __init__(self, *, name: str, role: str = "", amount_role: str = "") -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(24)
        self.what = label(role=role, name=f"{name}Label")
        self.amount = label(role=amount_role or role, wrap=False, name=f"{name}Amount")
        self.what.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        self.amount.setAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
        self.amount.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        row.addWidget(self.what, 1)
        row.addWidget(self.amount, 0)

    def set(self, what: str, amount: str) -> None:
        self.what.setText(what)
        self.amount.setText(amount)


class CountdownRing(QWidget):
    """A ring that empties over ``seconds``; the whole seconds left are drawn inside."""

    didFinish = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(180, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.seconds = 0.0
        self.remaining = 1.0  # fraction of the time left
        self.anim = QVariantAnimation(self)
        self.anim.setStartValue(1.0)
        self.anim.setEndValue(0.0)
        self.anim.valueChanged.connect(self._on_anim_value_changed)
        self.anim.finished.connect(self.didFinish)

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    @property
    def seconds_left(self) -> int:
        return math.ceil(round(self.remaining * self.seconds, 3))

    def start(self, seconds: float) -> None:
        self.anim.stop()
        self.seconds = max(0.0, seconds)
        self.remaining = 1.0
        if self.seconds > 0:
            self.anim.setDuration(int(self.seconds * 1000))
            self.anim.start()
        self.update()

    def stop(self) -> None:
        self.anim.stop()

    def _on_anim_value_changed(self, value: float) -> None:
        self.remaining = float(value)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        side = min(self.width(), self.height()) - 24
        if side <= 0:
            return
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        stroke = max(8.0, side / 16)
        p.setPen(pen(SURFACE_HI, stroke))
        p.drawEllipse(rect)
        p.setPen(pen(ACCENT, stroke))
        p.drawArc(rect, 90 * 16, int(360 * 16 * self.remaining))
        font = QFont(self.font())
        font.setPixelSize(max(TEXT_MIN, int(side * 0.34)))
        font.setWeight(QFont.Weight.DemiBold)
        p.setFont(font)
        p.setPen(colour(TEXT))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.locale().toString(self.seconds_left))
        p.end()


def settle(root: QWidget, *, rtl: bool) -> None:
    """Finish a render: align labels by the screen's direction, then apply pending layout
    changes under ``root`` now, innermost layouts first, so a text that now wraps to more
    lines resizes its parents at once instead of over several event-loop turns.

    Qt aligns a label by its *text's* direction, so in Arabic a Latin product name would sit
    on the left of a right-to-left card: leading labels get an absolute side instead."""
    for lab in root.findChildren(QLabel):
        base = lab.property("leadingAlign")
        if base is None:
            base = lab.alignment().value
            lab.setProperty("leadingAlign", base)
        align = Qt.AlignmentFlag(base)
        if align & Qt.AlignmentFlag.AlignHCenter:
            continue
        leading = not align & Qt.AlignmentFlag.AlignRight  # AlignLeft is AlignLeading
        left = leading != rtl
        side = Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight
        vertical = align & Qt.AlignmentFlag.AlignVertical_Mask
        lab.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | vertical)
    inner = [w.layout() for w in root.findChildren(QWidget)]
    for layout in reversed(inner):
        if layout is not None:
            layout.activate()
    top = root.layout()
    if top is not None:
        top.activate()


def panel() -> tuple[QFrame, QBoxLayout]:
    """A card frame with a roomy vertical layout."""
    frame = card()
    box = QBoxLayout(QBoxLayout.Direction.TopToBottom, frame)
    box.setContentsMargins(40, 36, 40, 36)
    box.setSpacing(18)
    return frame, box
