"""Small reusable widgets of the shopper screens: buttons with a role, text labels with a
role, cards, SVG images, QR codes. Sizes come from the theme's style sheet; every button is at
least ``TOUCH_MIN`` px in both directions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPixmap
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
    """An SVG asset drawn centred, keeping its aspect ratio, at any size.

    The drawing is rendered once per path and size into a pixmap (:meth:`rendered`): a
    repaint — an animation or a fade passing over it, a screen shown again — copies pixels
    instead of rendering the vector art again (1.5–16 ms each, on the UI thread)."""

    def __init__(self, path: str | Path = "", *, hint: QSize | None = None) -> None:
        super().__init__()
        self._renderer = QSvgRenderer()
        self._hint = hint or QSize(300, 400)
        self._cache: QPixmap | None = None
        self._cache_key: tuple[int, int, float] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.set_path(path)

    def set_path(self, path: str | Path) -> None:
        self._renderer.load(str(asset_path(str(path))) if path else b"")
        self._cache = self._cache_key = None
        self.update()

    def rendered(self, size: QSize) -> QPixmap:
        """The SVG drawn at ``size`` (logical pixels) for this screen's pixel ratio; kept
        until the path, the size or the ratio changes."""
        ratio = self.devicePixelRatioF()
        key = (size.width(), size.height(), ratio)
        if self._cache is None or self._cache_key != key:
            pixmap = QPixmap(
                max(1, round(size.width() * ratio)), max(1, round(size.height() * ratio))
            )
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._renderer.render(painter, QRectF(0, 0, size.width(), size.height()))
            painter.end()
            self._cache, self._cache_key = pixmap, key
        return self._cache

    @property
    def valid(self) -> bool:
        return self._renderer.isValid()

    def sizeHint(self) -> QSize:
        return self._hint

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._renderer.isValid():
            return
        size = self._renderer.defaultSize().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if size.isEmpty():
            return
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        painter = QPainter(self)
        painter.drawPixmap(QPointF(x, y), self.rendered(size))


class QrCode(QWidget):
    """A QR code for ``text`` (the e-receipt link), dark on a light quiet zone.

    The code is made once per text as a one-pixel-per-module image, scaled up without
    smoothing when painted (one call, not a rectangle per module). ``qrcode`` (and Pillow,
    which it imports: ~60-90 ms) is imported at the first code, not at start-up."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._modules: list[list[bool]] = []
        self._image: QImage | None = None
        self.setMinimumSize(240, 240)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.text = text
        if text:
            import qrcode

            # One fixed mask (any of the 8 decodes): choosing the "best" one makes the code 8
            # times over, ~9 ms of pure Python on the UI thread per receipt instead of ~1 ms.
            qr = qrcode.QRCode(
                border=4, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0
            )
            qr.add_data(text)
            qr.make(fit=True)
            self._modules = [list(row) for row in qr.get_matrix()]
            n = len(self._modules)
            image = QImage(n, n, QImage.Format.Format_RGB32)
            image.fill(QColor("#ffffff"))
            dark = QColor("#000000").rgb()
            for r, row in enumerate(self._modules):
                for c, is_dark in enumerate(row):
                    if is_dark:
                        image.setPixel(c, r, dark)
            self._image = image
        else:
            self._modules, self._image = [], None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image is None:
            return
        side = min(self.width(), self.height())
        x0, y0 = (self.width() - side) / 2, (self.height() - side) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QRectF(x0, y0, side, side), self._image)
