"""Charts a technician reads at a glance, painted with QPainter in the theme's colours:
:class:`BarChart` (sales per hour today, the current hour in the accent colour),
:class:`LevelChart` (one horizontal gauge per spray channel, low ones in the danger colour)
and :class:`LineChart` (the outbox depth over the last 24 hours). Axis text is 18 px, the
smallest text size of the kiosk; the owner passes every word already translated."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.ui.theme import ACCENT, DANGER, LINE, MUTED, SUCCESS, TEXT, TEXT_MIN

AXIS_PX = TEXT_MIN


def _font() -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(AXIS_PX)
    return font


class _Chart(QWidget):
    def __init__(self, *, name: str, height: int) -> None:
        super().__init__()
        self.setObjectName(name)
        self._height = height
        self.setMinimumHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.empty_text = ""

    def sizeHint(self) -> QSize:
        return QSize(400, self._height)

    def _painter(self) -> QPainter:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(_font())
        return p

    def _empty(self, p: QPainter) -> None:
        p.setPen(QColor(MUTED))
        p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.empty_text)


class BarChart(_Chart):
    """One bar per hour (24); ``highlight`` is the current hour."""

    def __init__(self, *, name: str) -> None:
        super().__init__(name=name, height=240)
        self.values: list[int] = []
        self.highlight = -1

    def set_values(self, values: Sequence[int], highlight: int = -1) -> None:
        self.values, self.highlight = list(values), highlight
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = self._painter()
        top = max(self.values, default=0)
        plot = QRectF(self.rect()).adjusted(48, 12, -8, -(AXIS_PX + 14))
        p.setPen(QPen(QColor(LINE), 2))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.setPen(QColor(MUTED))
        p.drawText(
            QRectF(0, plot.top() - 4, 42, AXIS_PX + 8), Qt.AlignmentFlag.AlignRight, str(top)
        )
        p.drawText(
            QRectF(0, plot.bottom() - AXIS_PX - 4, 42, AXIS_PX + 8),
            Qt.AlignmentFlag.AlignRight,
            "0",
        )
        n = max(1, len(self.values))
        step = plot.width() / n
        for i, value in enumerate(self.values):
            x = plot.left() + i * step
            if i % 6 == 0:
                p.setPen(QColor(MUTED))
                p.drawText(
                    QRectF(x - 20, plot.bottom() + 6, 60, AXIS_PX + 6),
                    Qt.AlignmentFlag.AlignLeft,
                    f"{i:02d}h",
                )
            if value <= 0 or top <= 0:
                continue
            h = plot.height() * value / top
            bar = QRectF(x + step * 0.15, plot.bottom() - h, step * 0.7, h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(ACCENT if i == self.highlight else SUCCESS))
            p.drawRoundedRect(bar, 4, 4)
        if top <= 0:
            self._empty(p)


class LevelChart(_Chart):
    """One horizontal gauge per row: (label, fraction 0-1, value text, low)."""

    ROW = 34

    def __init__(self, *, name: str) -> None:
        super().__init__(name=name, height=self.ROW * 4)
        self.rows: list[tuple[str, float, str, bool]] = []

    def set_rows(self, rows: Sequence[tuple[str, float, str, bool]]) -> None:
        self.rows = list(rows)
        self._height = max(self.ROW * 2, self.ROW * len(self.rows) + 8)
        self.setMinimumHeight(self._height)
        self.updateGeometry()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = self._painter()
        if not self.rows:
            self._empty(p)
            return
        label_w, value_w = 56.0, 120.0
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        for i, (name, fraction, value, low) in enumerate(self.rows):
            y = 4 + i * self.ROW
            track = QRectF(label_w, y + 8, self.width() - label_w - value_w - 12, self.ROW - 16)
            p.setPen(QColor(MUTED))
            p.drawText(
                QRectF(0, y, label_w - 8, self.ROW),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(LINE))
            p.drawRoundedRect(track, 6, 6)
            filled = QRectF(track)
            filled.setWidth(max(8.0, track.width() * max(0.0, min(1.0, fraction))))
            if rtl:
                filled.moveRight(track.right())
            p.setBrush(QColor(DANGER if low else SUCCESS))
            p.drawRoundedRect(filled, 6, 6)
            p.setPen(QColor(DANGER if low else TEXT))
            p.drawText(
                QRectF(track.right() + 12, y, value_w, self.ROW),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                value,
            )


class LineChart(_Chart):
    """Points (x in 0-1 of the time span, value) joined by a line over a soft area; the
    ``x_labels`` are drawn at the start, middle and end of the span."""

    def __init__(self, *, name: str) -> None:
        super().__init__(name=name, height=240)
        self.points: list[tuple[float, int]] = []
        self.x_labels: tuple[str, str, str] = ("", "", "")

    def set_points(self, points: Sequence[tuple[float, int]], labels: tuple[str, str, str]) -> None:
        self.points = sorted(points)
        self.x_labels = labels
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = self._painter()
        top = max((v for _, v in self.points), default=0)
        plot = QRectF(self.rect()).adjusted(64, 12, -12, -(AXIS_PX + 14))
        p.setPen(QPen(QColor(LINE), 2))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.setPen(QColor(MUTED))
        p.drawText(
            QRectF(0, plot.top() - 4, 56, AXIS_PX + 8), Qt.AlignmentFlag.AlignRight, str(top)
        )
        p.drawText(
            QRectF(0, plot.bottom() - AXIS_PX - 4, 56, AXIS_PX + 8),
            Qt.AlignmentFlag.AlignRight,
            "0",
        )
        below = QRectF(plot.left(), plot.bottom() + 6, plot.width(), AXIS_PX + 6)
        for text, align in zip(
            self.x_labels,
            (
                Qt.AlignmentFlag.AlignLeft,
                Qt.AlignmentFlag.AlignHCenter,
                Qt.AlignmentFlag.AlignRight,
            ),
            strict=True,
        ):
            p.drawText(below, align, text)
        if not self.points:
            self._empty(p)
            return
        scale = plot.height() / top if top > 0 else 0.0
        pts = [
            QPointF(plot.left() + x * plot.width(), plot.bottom() - v * scale)
            for x, v in self.points
        ]
        area = QPainterPath(QPointF(pts[0].x(), plot.bottom()))
        for pt in pts:
            area.lineTo(pt)
        area.lineTo(QPointF(pts[-1].x(), plot.bottom()))
        fill = QColor(ACCENT)
        fill.setAlphaF(0.18)
        p.fillPath(area, fill)
        p.setPen(QPen(QColor(ACCENT), 3))
        for a, b in pairwise(pts):
            p.drawLine(a, b)
        if len(pts) == 1:
            p.setBrush(QColor(ACCENT))
            p.drawEllipse(pts[0], 5, 5)
