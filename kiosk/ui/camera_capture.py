"""The loyalty camera's capture: Qt Multimedia frames in, grayscale ``Frame``\\s to the camera
scanner out, and only while the loyalty screen is shown.

:class:`CameraCapture` owns a ``QCamera``, a ``QMediaCaptureSession`` and the ``QVideoSink``
the camera fills. Each frame the sink receives is turned into a
:class:`hardware.scanner.camera.Frame` (:func:`gray_frame`) and handed to
``CameraLoyaltyScanner.submit_frame``, which decodes off the loop and feeds the preview. The
conversion runs on the GUI thread, so it is throttled (at most ``MAX_FPS`` frames a second;
the others are dropped, never queued) and kept cheap: a YUV frame's luma is copied as is (what
USB cameras deliver, raw or decoded from MJPEG), anything else goes through
``QVideoFrame.toImage()``; the picture is scaled so its long side is at most ``MAX_SIDE``
(decode cost grows with pixels). Measured at 1280 × 720 (docs/hardware/scanner.md): about
1.5-2 ms a frame from YUV, 2.5-3 ms from RGB, 4 ms for YUV through ``toImage()``.

The camera runs only while the journey shows :attr:`Screen.LOYALTY` (:meth:`follow`): no
camera on the attract loop, for privacy and power. No camera, or one that fails, is logged
once (:class:`~hardware.common.state.DeviceStateHolder`: down once, back once) and the kiosk
keeps selling; shoppers can skip the loyalty step. This module is imported only when a
``camera://`` scanner is configured, so the first frame never loads Qt Multimedia.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QMediaCaptureSession,
    QMediaDevices,
    QVideoFrame,
    QVideoFrameFormat,
    QVideoSink,
)

from hardware.common.state import DeviceState, DeviceStateHolder
from hardware.scanner.camera import Frame
from kiosk.journey.view import Screen, View
from kiosk.ui.viewmodel import JourneyViewModel

log = logging.getLogger(__name__)

MAX_FPS = 12.0  # frames converted a second at most; zbar needs no more to feel instant
MAX_SIDE = 800  # px, the converted picture's long side at most
MAX_RESOLUTION = QSize(1280, 720)  # the camera format chosen fits in this (either way round)
MIN_CAMERA_FPS = 15.0  # a format this fast is preferred: a hand-held phone blurs at less

_PF = QVideoFrameFormat.PixelFormat
# Formats whose first plane holds 8-bit luma, the grayscale picture as it is: where each
# pixel's luma byte is (offset, bytes apart). Planar YUV and NV12/21, then packed 4:2:2.
LUMA = {
    _PF.Format_Y8: (0, 1),
    _PF.Format_NV12: (0, 1),
    _PF.Format_NV21: (0, 1),
    _PF.Format_YUV420P: (0, 1),
    _PF.Format_YUV422P: (0, 1),
    _PF.Format_YV12: (0, 1),
    _PF.Format_YUYV: (0, 2),
    _PF.Format_UYVY: (1, 2),
}


class FrameSink(Protocol):
    """Where converted frames go (``CameraLoyaltyScanner``), told when the camera is missing,
    fails or delivers again (its state is what the service menu's diagnostics show)."""

    def submit_frame(self, frame: Frame) -> None: ...
    def report_source(self, state: DeviceState, reason: str = "") -> None: ...


class CameraFormat(Protocol):
    """What :func:`choose_format` reads of a ``QCameraFormat``."""

    def resolution(self) -> QSize: ...
    def maxFrameRate(self) -> float: ...
    def pixelFormat(self) -> QVideoFrameFormat.PixelFormat: ...


F = TypeVar("F", bound=CameraFormat)


def choose_format(formats: Sequence[F]) -> F | None:
    """A modest format: within ``MAX_RESOLUTION`` if any is, at ``MIN_CAMERA_FPS`` if offered,
    then the largest, then one whose luma converts for free; the smallest if none fits."""

    def key(f: F) -> tuple[bool, bool, int, bool]:
        w, h = f.resolution().width(), f.resolution().height()
        fits = max(w, h) <= MAX_RESOLUTION.width() and min(w, h) <= MAX_RESOLUTION.height()
        fast = f.maxFrameRate() >= MIN_CAMERA_FPS
        return fits, fast, w * h if fits else -w * h, f.pixelFormat() in LUMA

    return max(formats, key=key, default=None)


def gray_frame(video: QVideoFrame, max_side: int = MAX_SIDE) -> Frame | None:
    """``video`` as a grayscale frame whose long side is at most ``max_side`` (None: a frame
    Qt cannot convert). Rows are copied without their stride padding."""
    plane = _luma_plane(video)
    if plane is not None:
        data, w, h, stride = plane
        if max(w, h) <= max_side:
            return Frame(w, h, _rows(data, w, h, stride))
        image = QImage(data, w, h, stride, QImage.Format.Format_Grayscale8)  # over ``data``
        return _frame_of(_fit(image, max_side))  # scaled: a new picture, before data goes
    image = video.toImage()
    if image.isNull():
        return None
    return _frame_of(_fit(image, max_side).convertToFormat(QImage.Format.Format_Grayscale8))


def _luma_plane(video: QVideoFrame) -> tuple[bytes, int, int, int] | None:
    """A copy of the luma of a YUV frame: (data, width, height, stride), rows padded."""
    where = LUMA.get(video.pixelFormat())
    if where is None or not video.map(QVideoFrame.MapMode.ReadOnly):
        return None
    offset, step = where
    try:  # copied: the mapped memory is the camera's buffer, gone at unmap()
        w, h, stride = video.width(), video.height(), video.bytesPerLine(0)
        data = bytes(video.bits(0)[: stride * h])
    finally:
        video.unmap()
    if step == 1:
        return data, w, h, stride
    return data[offset::step], w, h, stride // step  # packed: every other byte, rows kept


def _fit(image: QImage, max_side: int) -> QImage:
    scale = max_side / max(image.width(), image.height())
    if scale >= 1:
        return image
    size = QSize(max(1, round(image.width() * scale)), max(1, round(image.height() * scale)))
    return image.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def _frame_of(gray: QImage) -> Frame:
    w, h = gray.width(), gray.height()
    return Frame(w, h, _rows(gray.constBits(), w, h, gray.bytesPerLine()))


def _rows(data: bytes | bytearray | memoryview, width: int, height: int, stride: int) -> bytes:
    """``height`` rows of ``width`` bytes from rows ``stride`` bytes apart (QImage pads each
    row to 4 bytes, cameras to their own alignment)."""
    view = memoryview(data)
    if stride == width:
        return bytes(view[: width * height])
    return b"".join(view[y * stride : y * stride + width] for y in range(height))


class CameraCapture(QObject):
    """The camera's frames to ``scanner`` while the loyalty screen is shown.

    ``find_device``: the camera to open (default: the system's default video input), asked
    each time the camera is needed and not open, so a camera plugged in later is found.
    ``clock`` paces the throttle (tests pass a fake one)."""

    def __init__(
        self,
        scanner: FrameSink,
        *,
        find_device: Callable[[], QCameraDevice] = QMediaDevices.defaultVideoInput,
        max_fps: float = MAX_FPS,
        max_side: int = MAX_SIDE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._scanner = scanner
        self._find_device = find_device
        self._period = 1.0 / max_fps
        self._max_side = max_side
        self._clock = clock
        self._last = -math.inf  # when the last frame was converted
        self._wanted = False  # the loyalty screen is shown
        self._vm: JourneyViewModel | None = None
        self._holder = DeviceStateHolder("loyalty camera", log)
        self.camera: QCamera | None = None  # open while needed and working
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self._on_sink_video_frame_changed)
        self._session = QMediaCaptureSession(self)
        self._session.setVideoSink(self.sink)
        self.converted = 0  # frames handed to the scanner
        self.dropped = 0  # frames skipped by the throttle

    @property
    def state(self) -> DeviceState:
        """CLOSED (not needed), READY (delivering), UNAVAILABLE (no camera), FAULT (failed)."""
        return self._holder.state

    @property
    def wanted(self) -> bool:
        """The loyalty screen is shown: frames go to the scanner."""
        return self._wanted

    def follow(self, vm: JourneyViewModel) -> None:
        """Run the camera while ``vm`` shows the loyalty screen, from its current view on."""
        self._vm = vm
        vm.viewChanged.connect(self._on_vm_view_changed)
        self._on_vm_view_changed(vm.view)

    def start(self) -> None:
        """Open the camera if needed and start it (no camera: logged once, nothing runs)."""
        self._wanted = True
        if self.camera is None:
            self.camera = self._open_camera()
        if self.camera is not None:
            self.camera.start()

    def stop(self) -> None:
        """Stop the camera (kept open for the next shopper) and pass no more frames on."""
        self._wanted = False
        if self.camera is not None:
            self.camera.stop()
        if self._holder.state is DeviceState.READY:
            self._holder.set(DeviceState.CLOSED)

    def close(self) -> None:
        """Stop following the view-model, stop and release the camera."""
        if self._vm is not None:
            self._vm.viewChanged.disconnect(self._on_vm_view_changed)
            self._vm = None
        self.stop()
        self._release_camera()
        self._holder.set(DeviceState.CLOSED)

    def _open_camera(self) -> QCamera | None:
        device = self._find_device()
        if device.isNull():
            self._set(DeviceState.UNAVAILABLE, "no camera found (loyalty codes cannot be scanned)")
            return None
        camera = QCamera(device, self)
        chosen = choose_format(device.videoFormats())
        if chosen is not None:
            camera.setCameraFormat(chosen)
        camera.errorOccurred.connect(self._on_camera_error_occurred)
        camera.activeChanged.connect(self._on_camera_active_changed)
        self._session.setCamera(camera)
        return camera

    def _release_camera(self) -> None:
        camera, self.camera = self.camera, None
        if camera is not None:
            camera.stop()
            self._session.setCamera(None)  # type: ignore[arg-type]  # None: no camera (Qt docs)
            camera.deleteLater()  # also from its own errorOccurred: deleted after the slot

    def _set(self, state: DeviceState, reason: str = "") -> None:
        """The camera is READY, UNAVAILABLE or FAULT: logged once (the holder) and told to the
        scanner, whose state diagnostics show. Stopped because the loyalty screen was left
        (CLOSED, set on the holder alone) leaves the scanner as it is."""
        self._holder.set(state, reason)
        self._scanner.report_source(state, reason)

    def _on_vm_view_changed(self, view: View) -> None:
        if view.screen is Screen.LOYALTY:
            self.start()
        else:
            self.stop()

    def _on_camera_active_changed(self, active: bool) -> None:
        if active:
            self._set(DeviceState.READY)

    def _on_camera_error_occurred(self, error: QCamera.Error, text: str) -> None:
        """Released, to be opened again (maybe another device) when the screen is next shown."""
        self._set(DeviceState.FAULT, f"{text or error.name} (loyalty codes cannot be scanned)")
        self._release_camera()

    def _on_sink_video_frame_changed(self, video: QVideoFrame) -> None:
        if not self._wanted or not video.isValid():
            return
        now = self._clock()
        if now - self._last < self._period:
            self.dropped += 1
            return
        self._last = now
        frame = gray_frame(video, self._max_side)
        if frame is not None:
            self.converted += 1
            self._scanner.submit_frame(frame)
