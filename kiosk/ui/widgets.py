"""Small reusable widgets of the shopper screens: buttons with a role, text labels with a
role, cards, SVG images, QR codes. Sizes come from the theme's style sheet; every button is at
least ``TOUCH_MIN`` px in both directions."""

from __future__ import annotations

from pathlib import Path

import qrcode
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QWidget

from kiosk.ui.assets import asset_path
from kiosk.ui.theme import TOUCH_MIN


def button(text: str = "", *, role: str = "", name: str = "") -> QPushButton:
    b = QPushButton(text)
    if role:
        b.setProperty("role", role)
    if name:
        b.setObjectName(name)
    b.setMinimumSize(TOUCH_MIN, TOUCH_MIN)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return b


def label(text: str = "", *, role: str = "", wrap: bool = True, name: str = "") -> QLabel:
    lab = QLabel(text)
    if role:
        lab.setProperty("role", role)
    if name:
        lab.setObjectName(name)
    lab.setWordWrap(wrap)
    return lab


def card(*, role: str = "card") -> QFrame:
    frame = QFrame()
    frame.setProperty("role", role)
    return frame


class SvgImage(QWidget):
    """An SVG asset drawn centred, keeping its aspect ratio, at any size."""

    def __init__(self, path: str | Path = "", *, hint: QSize | None = None) -> None:
        super().__init__()
        self._renderer = QSvgRenderer()
        self._hint = hint or QSize(300, 400)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.set_path(path)

    def set_path(self, path: str | Path) -> None:
        self._renderer.load(str(asset_path(str(path))) if path else b"")
        self.update()

    @property
    def valid(self) -> bool:
        return self._renderer.isValid()

    def sizeHint(self) -> QSize:
        return self._hint

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._renderer.isValid():
            return
        size = self._renderer.defaultSize().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, QRectF(x, y, size.width(), size.height()))


class QrCode(QWidget):
    """A QR code for ``text`` (the e-receipt link), dark on a light quiet zone."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._modules: list[list[bool]] = []
        self.setMinimumSize(240, 240)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.text = text
        if text:
            qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
            qr.add_data(text)
            qr.make(fit=True)
            self._modules = [list(row) for row in qr.get_matrix()]
        else:
            self._modules = []
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        n = len(self._modules)
        if not n:
            return
        side = min(self.width(), self.height())
        cell = side / n
        x0, y0 = (self.width() - side) / 2, (self.height() - side) / 2
        painter = QPainter(self)
        painter.fillRect(QRectF(x0, y0, side, side), QColor("#ffffff"))
        for r, row in enumerate(self._modules):
            for c, dark in enumerate(row):
                if dark:
                    painter.fillRect(
                        QRectF(x0 + c * cell, y0 + r * cell, cell + 0.5, cell + 0.5),
                        QColor("#000000"),
                    )
