"""The larger illustrations of the loyalty and dispensing screens, drawn with QPainter on
:class:`kiosk.ui.widgets_art.Art`: :class:`PhoneScanArt` (a hand holding a phone's QR code to
the scanner, a scan line sweeping), :class:`SprayArt` (a wrist under the misting nozzle) and
:class:`BottleArt` (a bottle gliding down to the tray as ``progress`` goes 0 → 1). What never
moves is in each ``draw_static`` (painted once per size), the moving parts in ``draw``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEasingCurve, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QLinearGradient, QPainter, QPainterPath

from kiosk.ui.theme import ACCENT, BG, DANGER, LINE, SURFACE, SURFACE_HI, TEXT
from kiosk.ui.widgets_art import Art, colour, glow, pen, wave


def _qr_pattern(p: QPainter, rect: QRectF, light: str, dark: str) -> None:
    """A stylized QR (finder squares and a fixed module pattern), not a readable code."""
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour(light))
    p.drawRoundedRect(rect, 6, 6)
    n = 17
    cell = (rect.width() - 12) / n
    x0, y0 = rect.left() + 6, rect.top() + 6
    p.setBrush(colour(dark))
    for r in range(n):
        for c in range(n):
            finder = (r < 7 and (c < 7 or c >= n - 7)) or (r >= n - 7 and c < 7)
            if finder:
                rr, cc = r % (n - 7) if r >= n - 7 else r, c % (n - 7) if c >= n - 7 else c
                on = rr in (0, 6) or cc in (0, 6) or (2 <= rr <= 4 and 2 <= cc <= 4)
            else:
                on = (r * 7 + c * 13 + (r * c) % 5) % 3 == 0
            if on:
                p.drawRect(QRectF(x0 + c * cell, y0 + r * cell, cell + 0.4, cell + 0.4))


class PhoneScanArt(Art):
    """A hand holding a phone with a QR code up to the scanner window; a scan line sweeps."""

    DESIGN = QSizeF(400, 420)
    PERIOD_MS = 2400

    def draw_static(self, p: QPainter) -> None:
        glow(p, QPointF(200, 250), 200, ACCENT, 0.14)
        window = QRectF(60, 340, 280, 56)  # the scanner window under the screen
        p.setPen(pen(LINE, 3))
        p.setBrush(colour(SURFACE_HI))
        p.drawRoundedRect(window, 18, 18)
        p.setBrush(colour(BG))
        p.drawRoundedRect(window.adjusted(18, 14, -18, -14), 8, 8)
        beam = QPainterPath()
        beam.moveTo(110, 354)
        beam.lineTo(290, 354)
        beam.lineTo(270, 250)
        beam.lineTo(130, 250)
        beam.closeSubpath()
        g = QLinearGradient(QPointF(0, 354), QPointF(0, 250))
        g.setColorAt(0.0, colour(ACCENT, 0.35))
        g.setColorAt(1.0, colour(ACCENT, 0.0))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(g))
        p.drawPath(beam)

    def draw(self, p: QPainter, t: float) -> None:
        bob = 8 * wave(t)
        self.paint_cached(p, "phone", self._draw_phone, dy=bob)  # it bobs as a whole
        p.save()
        p.translate(200, 150 + bob)
        p.rotate(-8)
        qr = QRectF(-56, -74, 112, 112)
        y = qr.top() + qr.height() * wave(t)  # the scan line sweeping the code
        p.setPen(pen(DANGER, 4, 0.9))
        p.drawLine(QPointF(qr.left() - 8, y), QPointF(qr.right() + 8, y))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour("#c9a183"))
        p.drawRoundedRect(QRectF(-100, 64, 40, 70), 20, 20)  # the thumb in front
        p.restore()

    def _draw_phone(self, p: QPainter) -> None:
        """The hand holding the phone, its screen showing the code (at ``bob = 0``)."""
        p.setPen(Qt.PenStyle.NoPen)
        p.translate(200, 150)
        p.rotate(-8)
        p.setBrush(colour("#c9a183"))  # the hand behind the phone
        hand = QPainterPath()
        hand.addRoundedRect(QRectF(-96, 30, 70, 110), 34, 34)
        hand.addRoundedRect(QRectF(40, -6, 54, 26), 13, 13)
        hand.addRoundedRect(QRectF(44, 24, 56, 26), 13, 13)
        hand.addRoundedRect(QRectF(44, 54, 52, 26), 13, 13)
        p.drawPath(hand)
        phone = QRectF(-78, -130, 156, 250)
        p.setPen(pen(LINE, 4))
        p.setBrush(colour("#0d0a08"))
        p.drawRoundedRect(phone, 24, 24)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour(SURFACE))
        p.drawRoundedRect(phone.adjusted(9, 12, -9, -12), 16, 16)
        qr = QRectF(-56, -74, 112, 112)
        _qr_pattern(p, qr, TEXT, "#1b140e")
        p.setBrush(colour(ACCENT))
        p.drawRoundedRect(QRectF(-40, 58, 80, 16), 8, 8)


class SprayArt(Art):
    """The nozzle above, a fine mist, and a wrist held under it."""

    DESIGN = QSizeF(420, 400)
    PERIOD_MS = 1800

    def draw_static(self, p: QPainter) -> None:
        glow(p, QPointF(210, 230), 190, ACCENT, 0.13)
        p.setPen(pen(LINE, 3))
        p.setBrush(colour(SURFACE_HI))
        p.drawRoundedRect(QRectF(120, 10, 180, 60), 18, 18)  # the machine's nozzle block
        g = QLinearGradient(QPointF(190, 0), QPointF(230, 0))
        g.setColorAt(0.0, QColor("#9c8a78"))
        g.setColorAt(0.5, QColor("#efe3d2"))
        g.setColorAt(1.0, QColor("#9c8a78"))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(g))
        p.drawRoundedRect(QRectF(192, 64, 36, 34), 8, 8)
        cone = QPainterPath()  # the mist, a soft cone from the nozzle to the wrist
        cone.moveTo(204, 100)
        cone.lineTo(216, 100)
        cone.lineTo(300, 276)
        cone.quadTo(QPointF(230, 292), QPointF(150, 276))
        cone.closeSubpath()
        mist = QLinearGradient(QPointF(0, 100), QPointF(0, 280))
        mist.setColorAt(0.0, colour(TEXT, 0.30))
        mist.setColorAt(1.0, colour(TEXT, 0.02))
        p.setBrush(QBrush(mist))
        p.drawPath(cone)
        arm = QPainterPath()  # forearm, wrist and open hand, palm up, seen from the side
        arm.moveTo(0, 292)
        arm.cubicTo(QPointF(90, 286), QPointF(180, 282), QPointF(250, 290))
        arm.cubicTo(QPointF(272, 292), QPointF(292, 286), QPointF(306, 278))
        arm.cubicTo(QPointF(314, 266), QPointF(330, 252), QPointF(346, 252))  # thumb
        arm.cubicTo(QPointF(356, 253), QPointF(356, 266), QPointF(344, 274))
        arm.cubicTo(QPointF(340, 280), QPointF(346, 286), QPointF(360, 290))
        arm.cubicTo(QPointF(380, 294), QPointF(402, 298), QPointF(412, 306))  # fingers
        arm.cubicTo(QPointF(418, 312), QPointF(412, 320), QPointF(400, 319))
        arm.cubicTo(QPointF(370, 318), QPointF(340, 324), QPointF(310, 332))
        arm.cubicTo(QPointF(290, 338), QPointF(270, 340), QPointF(250, 338))  # wrist
        arm.cubicTo(QPointF(180, 344), QPointF(90, 352), QPointF(0, 366))
        arm.closeSubpath()
        skin = QLinearGradient(QPointF(0, 270), QPointF(0, 366))
        skin.setColorAt(0.0, QColor("#e0bd9f"))
        skin.setColorAt(1.0, QColor("#9f7a5e"))
        p.setBrush(QBrush(skin))
        p.drawPath(arm)
        fade = QLinearGradient(QPointF(0, 0), QPointF(110, 0))  # the arm comes out of the dark
        fade.setColorAt(0.0, colour(BG, 1.0))
        fade.setColorAt(1.0, colour(BG, 0.0))
        p.setBrush(QBrush(fade))
        p.drawPath(arm)
        p.setPen(pen("#8a6a52", 2, 0.6))
        p.drawLine(QPointF(352, 296), QPointF(398, 304))  # a hint of the fingers

    def draw(self, p: QPainter, t: float) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        for i in range(70):  # droplets drifting down the cone (they end above the arm)
            spread = _hash(i, 12.9898) * 2 - 1
            life = (t + _hash(i, 78.233)) % 1.0
            x = 210 + spread * (6 + 80 * life)
            y = 102 + 172 * life
            alpha = 0.85 * (1 - life) * (0.4 + 0.6 * _hash(i, 39.346))
            p.setBrush(colour(TEXT, alpha))
            r = 1.4 + 2.2 * life * _hash(i, 11.135)
            p.drawEllipse(QPointF(x, y), r, r)
        glow(p, QPointF(232, 288), 40, ACCENT, 0.40 + 0.30 * wave(t))  # where the mist lands


def _hash(i: int, salt: float) -> float:
    """A fixed pseudo-random number in 0..1 for particle ``i`` (the same every frame)."""
    v = math.sin(i * salt) * 43758.5453
    return v - math.floor(v)


class BottleArt(Art):
    """A bottle gliding down to the collection tray while ``progress`` goes 0 → 1."""

    DESIGN = QSizeF(360, 420)
    PERIOD_MS = 2400
    BAR = QRectF(60, 396, 240, 12)  # the progress bar

    def __init__(self, *, hint: QSize | None = None, minimum: int = 160) -> None:
        super().__init__(hint=hint, minimum=minimum)
        self.progress = 0.0

    def set_progress(self, progress: float) -> None:
        self.progress = max(0.0, min(1.0, progress))
        self.update()

    def draw_under(self, p: QPainter, t: float) -> None:
        done = self.progress >= 1.0
        glow(p, QPointF(180, 330), 170, ACCENT, 0.12 + (0.18 * wave(t) if done else 0.0))

    def draw_static(self, p: QPainter) -> None:
        p.setPen(pen(LINE, 4))
        p.drawLine(QPointF(120, 20), QPointF(120, 300))  # the chute, either side of the bottle
        p.drawLine(QPointF(240, 20), QPointF(240, 300))
        p.setBrush(colour(SURFACE_HI))
        p.drawRoundedRect(QRectF(60, 330, 240, 46), 20, 20)  # the tray
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(self.BAR, 6, 6)

    def draw(self, p: QPainter, t: float) -> None:
        ease = QEasingCurve(QEasingCurve.Type.InOutCubic).valueForProgress(self.progress)
        y = 30 + 200 * ease
        body = QRectF(142, y + 46, 76, 96)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour(ACCENT, 0.9))
        p.drawRoundedRect(QRectF(166, y + 14, 28, 34), 6, 6)  # cap
        g = QLinearGradient(body.topLeft(), body.topRight())
        g.setColorAt(0.0, colour("#f2ddb4", 0.55))
        g.setColorAt(0.5, colour("#fff6e6", 0.85))
        g.setColorAt(1.0, colour("#d6b27a", 0.55))
        p.setBrush(QBrush(g))
        p.drawRoundedRect(body, 16, 16)
        p.setBrush(colour(ACCENT, 0.55))
        p.drawRoundedRect(body.adjusted(8, 40, -8, -8), 10, 10)  # the perfume inside
        bar = self.BAR
        p.setBrush(colour(ACCENT))
        p.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * self.progress, 12), 6, 6)
