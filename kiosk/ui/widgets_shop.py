"""Building blocks of the shopping screens (browse, finder, product): a pressable card with its
own layout (:class:`Pressable`), a perfume picture on a soft family-coloured glow
(:class:`Picture`), painted glyphs for the "All" and "Find my scent" tiles (:class:`Glyph`)
and the answers (:class:`Dot`), a row of pills for the intensity and the finder's progress
(:class:`SegmentMeter`), and helpers: :func:`scrolling` (a touch-scrolled area),
:func:`reach_gap` (room to leave at the top in reach mode),
:func:`place` (refill a grid without re-creating widgets), :func:`fade_in` (a short
opacity animation that removes itself when done), :func:`follow_direction` (start-align data
text by the layout direction) and :func:`set_role` (re-style a widget after a role change).

Everything here paints with theme colours; text sizes still come from the style sheet roles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEasingCurve, QPoint, QPointF, QRectF, QSize, Qt, QVariantAnimation
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QGraphicsOpacityEffect,
    QGridLayout,
    QLabel,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QWidget,
)

from kiosk.ui.theme import ACCENT, FAMILY_COLOURS, LINE, ON_ACCENT, SURFACE, TEXT, TOUCH_MIN
from kiosk.ui.widgets import SvgImage
from kiosk.ui.widgets_glow import glow


def set_role(widget: QWidget, role: str) -> None:
    """Change a widget's style-sheet role and re-apply the style (no-op when unchanged)."""
    if widget.property("role") == role:
        return
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def family_colour(family_id: str) -> str:
    return FAMILY_COLOURS.get(family_id, ACCENT)


class Pressable(QAbstractButton):
    """A button that is a card: any layout of labels and pictures, painted as a rounded panel.

    ``fill`` and ``border`` are colours; ``selected`` draws a ring (the current filter) in the
    ``inset`` px left around the panel (a shape cue, not only colour). Child
    widgets let presses through, so the whole card is one touch target of at least
    ``TOUCH_MIN`` px. Its size hints come from its layout (height for width included).
    """

    def __init__(
        self,
        *,
        fill: str = SURFACE,
        border: str = "",
        radius: int = 24,
        inset: int = 0,
        name: str = "",
    ) -> None:
        super().__init__()
        self._inset = inset
        self._fill = QColor(fill)
        self._border = QColor(border) if border else None
        self._radius = radius
        self._selected = False
        if name:
            self.setObjectName(name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(TOUCH_MIN, TOUCH_MIN)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def adopt(self, *widgets: QWidget) -> None:
        """Let presses on these children reach the card."""
        for w in widgets:
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

    def set_fill(self, fill: str, border: str = "") -> None:
        self._fill = QColor(fill)
        self._border = QColor(border) if border else None
        self.update()

    @property
    def selected(self) -> bool:
        return self._selected

    def set_selected(self, selected: bool) -> None:
        if selected != self._selected:
            self._selected = selected
            self.setAccessibleDescription("selected" if selected else "")
            self.update()

    def sizeHint(self) -> QSize:
        lay = self.layout()
        return lay.totalSizeHint() if lay is not None else QSize(TOUCH_MIN, TOUCH_MIN)

    def minimumSizeHint(self) -> QSize:
        lay = self.layout()
        hint = lay.totalMinimumSize() if lay is not None else QSize(0, 0)
        return hint.expandedTo(QSize(TOUCH_MIN, TOUCH_MIN))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(self._fill)
        if self.isDown():
            fill = fill.darker(125)
        elif not self.isEnabled():
            fill.setAlphaF(0.45)
        outer = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        if self._selected:
            painter.setPen(QPen(QColor(TEXT), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(outer, self._radius + 2, self._radius + 2)
        rect = QRectF(self.rect()).adjusted(self._inset, self._inset, -self._inset, -self._inset)
        if self._border is not None and self.isEnabled():
            painter.setPen(QPen(self._border, 2))
            rect.adjust(1, 1, -1, -1)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        radius = max(4, self._radius - self._inset)
        painter.drawRoundedRect(rect, radius, radius)


class Picture(SvgImage):
    """A perfume picture: the SVG on a radial glow of its family's colour; dimmed when the
    perfume cannot be bought (sold out)."""

    def __init__(self, path: str = "", *, glow: str = "", hint: QSize | None = None) -> None:
        super().__init__(path, hint=hint or QSize(300, 300))
        self._glow = QColor(glow) if glow else None
        self._dimmed = False
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)

    def set_glow(self, colour: str) -> None:
        self._glow = QColor(colour) if colour else None
        self.update()

    @property
    def dimmed(self) -> bool:
        return self._dimmed

    def set_dimmed(self, dimmed: bool) -> None:
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._glow is not None:  # a cached sprite: ~1 ms less per card and repaint
            centre = QPointF(self.width() / 2, self.height() / 2)
            radius = min(self.width(), self.height()) * 0.5
            glow(painter, centre, radius, self._glow.name(), 0.16 if self._dimmed else 0.38)
        renderer = self._renderer
        if not renderer.isValid():
            return
        size = renderer.defaultSize().scaled(self.size() * 0.92, Qt.AspectRatioMode.KeepAspectRatio)
        if size.isEmpty():
            return
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        painter.setOpacity(0.35 if self._dimmed else 1.0)
        painter.drawPixmap(QPointF(x, y), self.rendered(size))


class Glyph(QWidget):
    """A painted tile icon: ``"ring"`` (the six family colours: every scent) or
    ``"sparkle"`` (the scent finder)."""

    def __init__(self, kind: str, *, side: int = 64) -> None:
        super().__init__()
        self.kind = kind
        self.setFixedSize(side, side)

    def set_side(self, side: int) -> None:
        self.setFixedSize(side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        cx, cy = self.width() / 2, self.height() / 2
        if self.kind == "ring":
            colours = list(FAMILY_COLOURS.values())
            r_dot, r_ring = side * 0.14, side * 0.32
            painter.setPen(QPen(QColor(LINE), 2))
            for i, colour in enumerate(colours):
                angle = -math.pi / 2 + 2 * math.pi * i / len(colours)
                painter.setBrush(QColor(colour))
                centre = QPointF(cx + r_ring * math.cos(angle), cy + r_ring * math.sin(angle))
                painter.drawEllipse(centre, r_dot, r_dot)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(ON_ACCENT))
        for scale, dx, dy in ((0.42, 0.0, 0.04), (0.16, 0.3, -0.28), (0.11, -0.3, 0.3)):
            painter.drawPath(_star(QPointF(cx + dx * side, cy + dy * side), side * scale))


class Dot(QWidget):
    """A filled circle of one colour (what an answer leans to: its main scent family)."""

    def __init__(self, colour: str = ACCENT, *, side: int = 28) -> None:
        super().__init__()
        self.colour = QColor(colour)
        self.setFixedSize(side, side)

    def set_colour(self, colour: str) -> None:
        self.colour = QColor(colour)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(LINE), 2))
        painter.setBrush(self.colour)
        painter.drawEllipse(QRectF(self.rect()).adjusted(2, 2, -2, -2))


def _star(centre: QPointF, r: float) -> QPainterPath:
    """A four-pointed sparkle with concave sides."""
    path = QPainterPath(QPointF(centre.x(), centre.y() - r))
    points = [(r, 0.0), (0.0, r), (-r, 0.0), (0.0, -r)]
    for px, py in points:
        path.quadTo(centre, QPointF(centre.x() + px, centre.y() + py))
    return path


class SegmentMeter(QWidget):
    """``count`` pills, ``level`` of them lit (the 1-5 intensity, the finder's progress); its
    accessible name says the same in words. Lights from the reading start (mirrors in RTL)."""

    PILL, GAP = 36, 10

    def __init__(self, count: int = 5, *, name: str = "") -> None:
        super().__init__()
        self.count = count
        self.level = 0
        if name:
            self.setObjectName(name)
        self.setFixedSize(count * self.PILL + (count - 1) * self.GAP, 24)

    def set_level(self, level: int, accessible_text: str) -> None:
        self.level = max(0, min(self.count, level))
        self.setAccessibleName(accessible_text)
        self.setToolTip(accessible_text)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        rtl = self.layoutDirection() is Qt.LayoutDirection.RightToLeft
        step = self.PILL + self.GAP
        for i in range(self.count):
            x = (self.count - 1 - i) * step if rtl else i * step
            painter.setBrush(QColor(ACCENT if i < self.level else LINE))
            painter.drawRoundedRect(QRectF(x, 4, self.PILL, 16), 8, 8)


def reach_gap(widget: QWidget, on: bool) -> int:
    """In reach mode, how far ``widget``'s content must start below its top so that nothing
    touchable is in the upper half of the window (wherever the shell put the screen)."""
    window = widget.window()
    if not on or window is widget:
        return 0
    top = widget.mapTo(window, QPoint(0, 0)).y()
    return max(0, window.height() // 2 - top)


def scrolling(content: QWidget, name: str) -> QScrollArea:
    """A vertical, frameless scroll area around ``content`` that scrolls by finger drag."""
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(content)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    return area


def place(grid: QGridLayout, widgets: Sequence[QWidget], columns: int) -> None:
    """Refill ``grid`` with ``widgets`` in reading order, ``columns`` equal columns wide.

    Widgets already in the grid but not in ``widgets`` are hidden, never deleted."""
    for i in reversed(range(grid.count())):
        item = grid.itemAt(i)
        w = item.widget() if item is not None else None
        if w is not None and w not in widgets:
            grid.removeWidget(w)
            w.hide()
    for w in widgets:
        grid.removeWidget(w)
    for col in range(max(grid.columnCount(), columns)):
        grid.setColumnStretch(col, 1 if col < columns else 0)
    for index, w in enumerate(widgets):
        grid.addWidget(w, index // columns, index % columns)
        w.show()


# Fades run on a screen; on the offscreen platform (screenshots, tests) a grab right after a
# view change would catch them half-way, so there they are off unless switched on.
ANIMATE: bool | None = None  # None: on, except on the "offscreen" platform


def animating() -> bool:
    if ANIMATE is not None:
        return ANIMATE
    return QGuiApplication.platformName() != "offscreen"


def fade_in(widget: QWidget, *, ms: int = 260) -> QVariantAnimation | None:
    """Fade ``widget`` in from transparent. One animation per widget, restarted on each call;
    the opacity effect is removed when it ends, so it costs nothing afterwards."""
    if not animating():
        return None
    anim = widget.findChild(QVariantAnimation, "pkFade")
    if anim is None:
        anim = QVariantAnimation(widget)
        anim.setObjectName("pkFade")
        anim.setStartValue(0.0)
        anim.setEndValue(1.0)
        anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        anim.valueChanged.connect(lambda value: _set_opacity(widget, float(value)))
        anim.finished.connect(lambda: widget.setGraphicsEffect(None))  # type: ignore[arg-type]
    anim.stop()
    anim.setDuration(ms)
    effect = QGraphicsOpacityEffect(widget)
    effect.setOpacity(0.0)
    widget.setGraphicsEffect(effect)
    anim.start()
    return anim


def _set_opacity(widget: QWidget, value: float) -> None:
    effect = widget.graphicsEffect()
    if isinstance(effect, QGraphicsOpacityEffect):
        effect.setOpacity(value)


def follow_direction(root: QWidget, rtl: bool) -> None:
    """Start-align every label under ``root`` that is not centred, by the *layout* direction.

    Qt aligns plain text by its own script, so a perfume name in Latin letters would sit on
    the left of an Arabic screen; ``AlignAbsolute`` pins it to the reading start instead."""
    horizontal = Qt.AlignmentFlag.AlignHorizontal_Mask
    start = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
    for lab in root.findChildren(QLabel):
        align = lab.alignment()
        if align & Qt.AlignmentFlag.AlignHCenter:
            continue
        wanted = (align & ~horizontal) | start | Qt.AlignmentFlag.AlignAbsolute
        if align != wanted:
            lab.setAlignment(wanted)
