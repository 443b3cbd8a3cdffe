"""Illustrations of the pay-and-collect screens, drawn with QPainter and gently animated.

Each :class:`Art` draws in its own design box (``DESIGN`` units, scaled to fit and centred,
aspect kept) and runs a looping phase ``t`` in 0..1 only while it is visible (a hidden screen
costs nothing). ``t = 0`` is a good still pose for screenshots. A frame costs the loop thread
little: what never moves is painted once per size into a picture (``draw_static``) that each
frame copies, only the moving parts are drawn again (``draw_under`` / ``draw``), and every
glow is a cached sprite (:mod:`kiosk.ui.widgets_glow`). Offers :class:`CardTapArt` (a card tapping a
contactless reader), :class:`SpinnerArt`, :class:`MarkArt` (check, cross, notice; drawn in
once) and :class:`CalmArt` (a bottle under a crescent moon, for when the machine cannot
sell); the larger scenes are in :mod:`kiosk.ui.widgets_scenes`.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QPointF, QRectF, QSize, QSizeF, Qt, QVariantAnimation
from PySide6.QtGui import (
    QBrush,
    QColor,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QShowEvent,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.ui.theme import ACCENT, BG, DANGER, LINE, MUTED, SUCCESS, SURFACE_HI, TEXT
from kiosk.ui.widgets_glow import glow as glow  # the illustrations' glows (re-exported)

FRAME_S = 0.030  # every other tick of Qt's 16 ms animation timer: ~30 frames a second


def colour(hex_colour: str, alpha: float = 1.0) -> QColor:
    c = QColor(hex_colour)
    c.setAlphaF(max(0.0, min(1.0, alpha)))
    return c


def pen(hex_colour: str, width: float, alpha: float = 1.0) -> QPen:
    p = QPen(colour(hex_colour, alpha), width)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return p


def wave(t: float) -> float:
    """0 → 1 → 0 over one period, eased."""
    return 0.5 - 0.5 * math.cos(2 * math.pi * t)


class Art(QWidget):
    """An illustration drawn in a ``DESIGN`` box; ``PERIOD_MS`` > 0 loops ``t`` while shown."""

    DESIGN = QSizeF(400, 400)
    PERIOD_MS = 0

    def __init__(self, *, hint: QSize | None = None, minimum: int = 160, maximum: int = 0) -> None:
        super().__init__()
        self.t = 0.0
        self._painted_at = 0.0
        self._layers: dict[str, tuple[object, QPixmap]] = {}  # see paint_cached
        self.maximum = maximum  # px: the largest side drawn (0: fill the widget)
        self.bottom = False  # True: sit on the bottom edge (next to text below) when smaller
        self._hint = hint or QSize(420, 420)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(minimum, minimum)
        self.anim = QVariantAnimation(self)
        self.anim.setStartValue(0.0)
        self.anim.setEndValue(1.0)
        self.anim.setDuration(max(1, self.PERIOD_MS))
        self.anim.setLoopCount(-1)
        self.anim.valueChanged.connect(self._on_anim_value_changed)

    def sizeHint(self) -> QSize:
        return self._hint

    @property
    def running(self) -> bool:
        return self.anim.state() is QVariantAnimation.State.Running

    def restart(self) -> None:
        """Start the loop from ``t = 0`` if it should run and the art is visible."""
        self.anim.stop()
        self.t = 0.0
        if self.PERIOD_MS and self.isVisible():
            self.anim.start()
        self.update()

    def showEvent(self, event: QShowEvent) -> None:
        if self.PERIOD_MS and not self.running:
            self.anim.start()
        super().showEvent(event)

    def hideEvent(self, event: object) -> None:
        self.anim.stop()
        self._layers.clear()  # only the art on screen keeps pictures of its parts

    def _on_anim_value_changed(self, value: float) -> None:
        # Qt's animations tick at ~60 Hz; these slow loops look the same at 30 frames a
        # second and cost half as much UI-thread time (bench/ui_responsiveness.py). The last
        # value of a one-shot animation is always painted.
        self.t = float(value)
        now = time.monotonic()
        if now - self._painted_at >= FRAME_S or self.t >= 1.0:
            self._painted_at = now
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        placed = self._placement()
        if placed is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setTransform(placed)
        self.draw_under(p, self.t)
        if type(self).draw_static is not Art.draw_static:
            self.paint_cached(p, "static", self.draw_static)
        self.draw(p, self.t)
        p.end()

    def _placement(self) -> QTransform | None:
        """From the design box to the widget: scaled to fit, aspect kept, centred (or on the
        bottom edge); None when there is no room."""
        room = QSizeF(self.size())
        if self.maximum:
            room = room.boundedTo(QSizeF(self.maximum, self.maximum))
        box = self.DESIGN.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
        if box.isEmpty():
            return None
        free = self.height() - box.height()
        placed = QTransform()
        placed.translate((self.width() - box.width()) / 2, free if self.bottom else free / 2)
        placed.scale(box.width() / self.DESIGN.width(), box.height() / self.DESIGN.height())
        return placed

    def paint_cached(
        self, p: QPainter, name: str, draw: Callable[[QPainter], None], *, dy: float = 0.0
    ) -> None:
        """Copy what ``draw`` paints (in design units, where ``p`` stands now) from a picture
        of the widget painted once per size and :meth:`static_key`, moved down ``dy`` design
        units (to whole pixels): a part that only moves as a whole costs a copy per frame."""
        placed = p.transform()
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), ratio, placed, self.static_key())
        cached = self._layers.get(name)
        if cached is None or cached[0] != key:
            layer = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
            layer.setDevicePixelRatio(ratio)
            layer.fill(Qt.GlobalColor.transparent)
            q = QPainter(layer)
            q.setRenderHint(QPainter.RenderHint.Antialiasing)
            q.setTransform(placed)
            draw(q)
            q.end()
            cached = self._layers[name] = (key, layer)
        p.save()
        p.resetTransform()
        p.drawPixmap(QPointF(0, round(dy * placed.m22() * ratio) / ratio), cached[1])
        p.restore()

    def static_key(self) -> object:
        """What the static parts depend on besides the size (none by default)."""
        return None

    def draw_under(self, p: QPainter, t: float) -> None:
        """Moving parts that lie *under* the static ones (e.g. a breathing glow)."""

    def draw_static(self, p: QPainter) -> None:
        """The parts that never move (glows, backgrounds, fixed shapes), between
        :meth:`draw_under` and :meth:`draw`: painted once per size, not at every frame."""

    def draw(self, p: QPainter, t: float) -> None:
        """The moving parts, over the static ones (none in a still illustration)."""


def _card(p: QPainter, rect: QRectF) -> None:
    g = QLinearGradient(rect.topLeft(), rect.bottomRight())
    g.setColorAt(0.0, QColor("#f0d39a"))
    g.setColorAt(1.0, QColor("#b98a4a"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(g))
    p.drawRoundedRect(rect, 14, 14)
    chip = QRectF(rect.left() + 22, rect.top() + 38, 38, 30)
    p.setBrush(colour("#fff2cf", 0.85))
    p.drawRoundedRect(chip, 6, 6)
    p.setPen(pen("#8a6530", 3, 0.7))
    for i in range(3):  # the contactless mark printed on the card
        r = 8 + i * 7
        c = QPointF(rect.right() - 40, rect.top() + 52)
        p.drawArc(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), -50 * 16, 100 * 16)
    p.setPen(pen("#8a6530", 5, 0.5))
    p.drawLine(
        QPointF(rect.left() + 22, rect.bottom() - 26),
        QPointF(rect.left() + 120, rect.bottom() - 26),
    )


class CardTapArt(Art):
    """A card gliding to a contactless reader that answers with pulsing waves."""

    PERIOD_MS = 2600

    CENTRE = QPointF(200, 318)  # of the reader's contactless waves

    def draw_static(self, p: QPainter) -> None:
        glow(p, QPointF(200, 230), 190, ACCENT, 0.16)
        reader = QRectF(110, 170, 180, 210)
        p.setPen(pen(LINE, 3))
        p.setBrush(colour(SURFACE_HI))
        p.drawRoundedRect(reader, 28, 28)
        p.setBrush(colour(BG))
        p.drawRoundedRect(QRectF(132, 192, 136, 70), 12, 12)  # its little screen
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour(ACCENT))
        p.drawEllipse(self.CENTRE, 6, 6)  # inside the smallest wave

    def draw(self, p: QPainter, t: float) -> None:
        centre = self.CENTRE
        for i in range(4):
            phase = (t * 1.0 - i * 0.18) % 1.0
            alpha = 0.25 + 0.75 * wave(phase)
            r = 14 + i * 14
            p.setPen(pen(ACCENT, 6, alpha))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r), -45 * 16, 90 * 16)
        lift = 26 * wave(t)  # the card comes down to the reader and lifts again
        p.save()
        p.translate(200, 118 - lift)
        p.rotate(-12 + 6 * wave(t))
        _card(p, QRectF(-110, -70, 220, 140))
        p.restore()


class SpinnerArt(Art):
    """A gold arc turning on a faint ring."""

    PERIOD_MS = 1200

    RING = QRectF(80, 80, 240, 240)

    def draw_static(self, p: QPainter) -> None:
        p.setPen(pen(SURFACE_HI, 18))
        p.drawEllipse(self.RING)

    def draw(self, p: QPainter, t: float) -> None:
        rect = self.RING
        p.setPen(pen(ACCENT, 18))
        span = 80 + 120 * wave(t)
        p.drawArc(rect, int((90 - 360 * t) * 16), int(-span * 16))


class Mark(enum.Enum):
    OK = "ok"
    FAIL = "fail"
    NOTICE = "notice"


class MarkArt(Art):
    """A circle with a check, a cross or an exclamation mark, drawn in once when shown."""

    def __init__(
        self,
        mark: Mark = Mark.OK,
        *,
        hint: QSize | None = None,
        minimum: int = 160,
        maximum: int = 0,
    ) -> None:
        super().__init__(hint=hint, minimum=minimum, maximum=maximum)
        self.mark = mark
        self.anim.setLoopCount(1)
        self.anim.setDuration(700)
        self.anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        self.t = 1.0

    def set_mark(self, mark: Mark) -> None:
        if mark is not self.mark:
            self.mark = mark
            self.draw_in()

    def draw_in(self) -> None:
        if self.isVisible():
            self.anim.stop()
            self.anim.start()
        self.update()

    def showEvent(self, event: QShowEvent) -> None:
        self.draw_in()
        QWidget.showEvent(self, event)

    def draw(self, p: QPainter, t: float) -> None:
        tone = {Mark.OK: SUCCESS, Mark.FAIL: DANGER, Mark.NOTICE: ACCENT}[self.mark]
        glow(p, QPointF(200, 200), 190, tone, 0.18 * t)
        rect = QRectF(70, 70, 260, 260)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(pen(tone, 14))
        p.drawArc(rect, 90 * 16, int(-360 * 16 * min(1.0, t * 1.4)))
        stroke = max(0.0, (t - 0.35) / 0.65)
        if stroke <= 0:
            return
        path = QPainterPath()
        if self.mark is Mark.OK:
            path.moveTo(140, 205)
            path.lineTo(185, 250)
            path.lineTo(268, 160)
        elif self.mark is Mark.FAIL:
            path.moveTo(150, 150)
            path.lineTo(250, 250)
            path.moveTo(250, 150)
            path.lineTo(150, 250)
        else:
            path.moveTo(200, 135)
            path.lineTo(200, 222)
            path.moveTo(200, 262)
            path.lineTo(200, 263)
        p.setPen(pen(tone, 22))
        p.setOpacity(stroke)
        p.drawPath(path)


class CalmArt(Art):
    """A bottle resting under a crescent moon, its glow slowly breathing; stars twinkle."""

    DESIGN = QSizeF(400, 400)
    PERIOD_MS = 5000

    STARS = ((92, 70), (140, 130), (60, 180), (340, 200), (210, 46))  # clear of moon and bottle

    def draw_under(self, p: QPainter, t: float) -> None:
        glow(p, QPointF(200, 250), 170, ACCENT, 0.10 + 0.10 * wave(t))

    def draw(self, p: QPainter, t: float) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        for i, (x, y) in enumerate(self.STARS):
            a = 0.3 + 0.6 * wave((t + i * 0.23) % 1.0)
            p.setBrush(colour(TEXT, a))
            p.drawEllipse(QPointF(x, y), 3.5, 3.5)

    def draw_static(self, p: QPainter) -> None:
        moon = QPainterPath()
        moon.addEllipse(QPointF(290, 96), 52, 52)
        cut = QPainterPath()
        cut.addEllipse(QPointF(266, 80), 50, 50)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour(ACCENT, 0.9))
        p.drawPath(moon.subtracted(cut))
        p.setBrush(colour(MUTED, 0.85))
        p.drawRoundedRect(QRectF(182, 170, 36, 40), 8, 8)  # cap
        body = QRectF(140, 206, 120, 150)
        g = QLinearGradient(body.topLeft(), body.topRight())
        g.setColorAt(0.0, colour("#f2ddb4", 0.35))
        g.setColorAt(0.5, colour("#fff6e6", 0.7))
        g.setColorAt(1.0, colour("#d6b27a", 0.35))
        p.setBrush(QBrush(g))
        p.drawRoundedRect(body, 26, 26)
        p.setBrush(colour(ACCENT, 0.45))
        p.drawRoundedRect(body.adjusted(12, 60, -12, -12), 16, 16)
        p.setPen(pen(LINE, 3))
        p.drawLine(QPointF(70, 360), QPointF(330, 360))
