"""The loyalty camera's live preview: frames from the camera scanner shown in a QLabel.

:class:`CameraPreview` listens to a :class:`FrameSource` (``CameraLoyaltyScanner`` has
``add_frame_listener``) only while started, keeps the newest frame, and redraws at most
``PREVIEW_FPS`` times a second, mirrored, uncropped, in a rounded viewfinder. It never keeps
or sends frames anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy

from kiosk.ui.theme import ACCENT, BG
from kiosk.ui.widgets_art import colour, pen

PREVIEW_FPS = 10


class PreviewFrame(Protocol):
    """What the preview needs of a camera frame (``hardware.scanner.camera.Frame``)."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def gray(self) -> bytes: ...


class FrameSource(Protocol):
    """A camera that hands out its frames (``CameraLoyaltyScanner``)."""

    def add_frame_listener(self, listener: Callable[[PreviewFrame], None]) -> None: ...
    def remove_frame_listener(self, listener: Callable[[PreviewFrame], None]) -> None: ...


class CameraPreview(QLabel):
    """The newest camera frame, mirrored like a mirror, redrawn at most ``PREVIEW_FPS`` times a
    second (frames arriving in between only replace the one waiting), whole (never cropped) in
    a rounded viewfinder with gold corner marks. Listens to its source only between
    :meth:`start` and :meth:`stop`."""

    def __init__(self, *, mirror: bool = True) -> None:
        super().__init__()
        self.setObjectName("cameraPreview")
        self.setMinimumSize(200, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mirror = mirror
        self.source: FrameSource | None = None
        self.frames_shown = 0
        self._frame_size = (4, 3)  # of the last frame shown
        self._waiting: PreviewFrame | None = None
        self._listening = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // PREVIEW_FPS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    @property
    def active(self) -> bool:
        """Listening to the camera (between :meth:`start` and :meth:`stop`)."""
        return self._listening

    @property
    def waiting(self) -> bool:
        """A frame arrived and waits for the next redraw."""
        return self._waiting is not None

    def set_source(self, source: FrameSource | None) -> None:
        listening = self._listening
        self.stop()
        self.source = source
        if listening:
            self.start()

    def start(self) -> None:
        if self.source is None or self._listening:
            return
        self.source.add_frame_listener(self._on_frame)
        self._listening = True
        self._timer.start()

    def stop(self) -> None:
        if self.source is not None and self._listening:
            self.source.remove_frame_listener(self._on_frame)
        self._listening = False
        self._timer.stop()
        self._waiting = None
        self.clear()

    def _on_frame(self, frame: PreviewFrame) -> None:
        self._waiting = frame  # cheap: converted on the next tick, if still the newest

    def picture_rect(self) -> QRectF:
        """Where the picture goes: the camera's whole view (never cropped, so the shopper sees
        what the decoder sees), as large as fits, centred; 4:3 before the first frame."""
        w, h = self._frame_size
        size = QSizeF(w, h).scaled(
            QSizeF(self.width() - 4, self.height() - 4), Qt.AspectRatioMode.KeepAspectRatio
        )
        return QRectF(
            (self.width() - size.width()) / 2,
            (self.height() - size.height()) / 2,
            size.width(),
            size.height(),
        )

    def _on_timer_timeout(self) -> None:
        frame, self._waiting = self._waiting, None
        if frame is None or self.width() <= 4 or self.height() <= 4:
            return
        self._frame_size = (frame.width, frame.height)
        image = QImage(
            frame.gray, frame.width, frame.height, frame.width, QImage.Format.Format_Grayscale8
        )
        # flipped() and copy() detach the picture from the frame's bytes
        image = image.flipped(Qt.Orientation.Horizontal) if self.mirror else image.copy()
        target = self.picture_rect().size().toSize()
        self.setPixmap(
            QPixmap.fromImage(image).scaled(
                target,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.frames_shown += 1

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.picture_rect()
        clip = QPainterPath()
        clip.addRoundedRect(rect, 24, 24)
        p.setClipPath(clip)
        p.fillRect(rect, colour(BG))
        pixmap = self.pixmap()
        if not pixmap.isNull():
            p.drawPixmap(rect.topLeft(), pixmap)
        p.setClipping(False)
        p.setPen(pen(ACCENT, 6))
        arm = min(rect.width(), rect.height()) * 0.16
        inset = 18.0
        for cx, cy, dx, dy in (
            (rect.left() + inset, rect.top() + inset, 1, 1),
            (rect.right() - inset, rect.top() + inset, -1, 1),
            (rect.left() + inset, rect.bottom() - inset, 1, -1),
            (rect.right() - inset, rect.bottom() - inset, -1, -1),
        ):
            p.drawLine(QPointF(cx, cy), QPointF(cx + dx * arm, cy))
            p.drawLine(QPointF(cx, cy), QPointF(cx, cy + dy * arm))
        p.end()
