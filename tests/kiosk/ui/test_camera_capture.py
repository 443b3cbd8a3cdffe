"""The loyalty camera's capture, from the ``QVideoSink`` on (no camera here or in CI): real QR
pictures as ``QVideoFrame``\\s in the formats cameras deliver, converted to grayscale frames
without their stride padding, scaled down when large and still decoded by zbar, throttled by
dropping frames, passed on only while the loyalty screen is shown; without a camera one log
line and the kiosk sells on; and the app creating the capture for a ``camera://`` scanner and
closing it at shutdown."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QCameraDevice,
    QMediaDevices,
    QVideoFrame,
    QVideoFrameFormat,
)
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hardware.common.state import DeviceState
from hardware.config.model import ScannerConfig
from hardware.scanner.camera import CameraLoyaltyScanner, decode_frame
from hardware.scanner.camera_sim import render_qr
from hardware.scanner.events import ScanDidDecode, ScannerEvent
from kiosk.app import KioskApp, build_ui
from kiosk.demo import OFFLINE_BROKER, demo_config, demo_hardware, seed_stock
from kiosk.journey import Notice, Screen, View
from kiosk.launch import AppOptions
from kiosk.ui.camera_capture import MAX_FPS, MAX_SIDE, CameraCapture, choose_format, gray_frame
from kiosk.ui.screens.loyalty import LoyaltyScreen
from tests.kiosk.ui.journey_support import CATALOG as JOURNEY_CATALOG
from tests.kiosk.ui.pay_support import (
    RecordingViewModel,
    bottle_sku,
    catalog,
    checkout_view,
    close_window,
    make_window,
    member_code,
)
from tests.support.loops import run_on_qasync
from tests.support.waiting import until

PF = QVideoFrameFormat.PixelFormat
CAT = catalog()
# an RGB QImage (through toImage()), then luma copied: planar YUV, packed YUV (every 2nd byte)
FORMATS = [PF.Format_BGRX8888, PF.Format_NV12, PF.Format_YUV420P, PF.Format_YUYV, PF.Format_UYVY]


def video_of(picture: Image.Image, fmt: PF) -> QVideoFrame:
    """A camera frame of ``picture`` (grayscale) as Qt hands it out: an RGB image, or planar
    YUV with the picture in the luma plane (rows as far apart as Qt's own alignment puts them)."""
    w, h = picture.size
    if fmt is PF.Format_BGRX8888:
        rgb = picture.convert("RGB").tobytes()
        image = QImage(rgb, w, h, 3 * w, QImage.Format.Format_RGB888)
        return QVideoFrame(image.convertToFormat(QImage.Format.Format_RGB32))
    video = QVideoFrame(QVideoFrameFormat(QSize(w, h), fmt))
    assert video.map(QVideoFrame.MapMode.WriteOnly)
    for plane in range(video.planeCount()):  # chroma: neutral
        size = video.mappedBytes(plane)
        memoryview(video.bits(plane))[:size] = bytes([128]) * size
    stride, luma, gray = video.bytesPerLine(0), memoryview(video.bits(0)), picture.tobytes()
    at, step = {PF.Format_YUYV: (0, 2), PF.Format_UYVY: (1, 2)}.get(fmt, (0, 1))
    for y in range(h):
        start = y * stride + at
        luma[start : start + step * w : step] = gray[y * w : (y + 1) * w]
    video.unmap()
    return video


def stride_of(video: QVideoFrame, fmt: PF) -> int:
    """The padded row length, in pixels, that the conversion has to undo for this format."""
    if fmt is PF.Format_BGRX8888:  # the grayscale QImage's rows are padded to 4 bytes
        return QImage(video.width(), video.height(), QImage.Format.Format_Grayscale8).bytesPerLine()
    assert video.map(QVideoFrame.MapMode.ReadOnly)
    stride = video.bytesPerLine(0)
    video.unmap()
    return stride // 2 if fmt in (PF.Format_YUYV, PF.Format_UYVY) else stride


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- conversion ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_odd_sized_frames_convert_pixel_for_pixel_without_stride_padding(
    qapp: QApplication, fmt: PF
) -> None:
    picture = render_qr("odd", width=321, height=241, noise=30, seed=7)  # every row differs
    video = video_of(picture, fmt)
    assert stride_of(video, fmt) > 321  # padded rows: a wrong stride would shear the picture
    frame = gray_frame(video)
    assert frame is not None and (frame.width, frame.height) == (321, 241)
    diff = [abs(a - b) for a, b in zip(frame.gray, picture.tobytes(), strict=True)]
    assert max(diff) <= 1  # luma as is; RGB back to gray within rounding
    assert [s.data for s in decode_frame(frame)] == [b"odd"]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("size", [(1920, 1080), (1081, 1921)])
def test_a_large_frame_is_scaled_to_the_long_side_and_still_decodes(
    qapp: QApplication, fmt: PF, size: tuple[int, int]
) -> None:
    code = member_code("Zoé")
    video = video_of(render_qr(code, width=size[0], height=size[1], scale=0.6, noise=8), fmt)
    frame = gray_frame(video)
    assert frame is not None and max(frame.width, frame.height) == MAX_SIDE
    assert frame.width / frame.height == pytest.approx(size[0] / size[1], rel=0.01)
    assert [s.data for s in decode_frame(frame)] == [code.encode()]


def test_a_frame_qt_cannot_read_is_skipped(qapp: QApplication) -> None:
    assert gray_frame(QVideoFrame()) is None


class Format:
    """What ``choose_format`` reads of a ``QCameraFormat`` (which Python cannot build)."""

    def __init__(self, w: int, h: int, fps: float, fmt: PF = PF.Format_YUYV) -> None:
        self.size, self.fps, self.fmt = QSize(w, h), fps, fmt

    def resolution(self) -> QSize:
        return self.size

    def maxFrameRate(self) -> float:
        return self.fps

    def pixelFormat(self) -> PF:
        return self.fmt


def test_the_camera_format_is_modest_fast_and_cheap_to_convert() -> None:
    hd_slow, hd_jpeg = Format(1280, 720, 10), Format(1280, 720, 30, PF.Format_Jpeg)
    hd_nv12, vga = Format(1280, 720, 30, PF.Format_NV12), Format(640, 480, 30)
    big, bigger = Format(1920, 1080, 30), Format(3840, 2160, 30)
    assert choose_format([bigger, vga, hd_slow, big]) is vga  # 720p only at 10 fps
    assert choose_format([bigger, hd_slow, hd_jpeg, vga, big]) is hd_jpeg
    assert choose_format([hd_jpeg, hd_nv12, vga]) is hd_nv12
    assert choose_format([bigger, big]) is big  # nothing fits: the smallest
    assert choose_format([]) is None


# -- the capture --------------------------------------------------------------------------------
@pytest.fixture
async def scanner() -> AsyncIterator[CameraLoyaltyScanner]:
    camera = CameraLoyaltyScanner(debounce=5.0)
    await camera.start()
    yield camera
    await camera.close()


@pytest.fixture
def shown(qapp: QApplication) -> Iterator[tuple[RecordingViewModel, LoyaltyScreen]]:
    window, ctx, vm = make_window(qapp, CAT)
    screen = window.screens[Screen.LOYALTY]
    assert isinstance(screen, LoyaltyScreen)
    yield vm, screen
    screen.set_camera(None)
    close_window(window, ctx)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def capture(scanner: CameraLoyaltyScanner, clock: Clock) -> Iterator[CameraCapture]:
    cap = CameraCapture(scanner, find_device=QCameraDevice, clock=clock)  # a null device
    yield cap
    cap.close()


def loyalty_view() -> View:
    return dataclasses.replace(checkout_view(CAT, bottle_sku(CAT)), screen=Screen.LOYALTY)


async def test_frames_from_the_sink_reach_the_scanner_and_the_preview(
    qapp: QApplication,
    qtbot: QtBot,
    shown: tuple[RecordingViewModel, LoyaltyScreen],
    scanner: CameraLoyaltyScanner,
    capture: CameraCapture,
) -> None:
    vm, screen = shown
    scans: list[str] = []

    def on_scanner_event(event: ScannerEvent) -> None:
        if isinstance(event, ScanDidDecode):
            scans.append(event.scan.text)

    scanner.add_listener(on_scanner_event)
    screen.set_camera(scanner)
    capture.follow(vm)
    vm.show(loyalty_view())
    code = member_code("Zoé")
    capture.sink.setVideoFrame(video_of(render_qr(code, width=1280, height=720), PF.Format_NV12))
    await scanner.wait_idle()
    assert scans == [code]
    assert (capture.converted, scanner.stats.submitted) == (1, 1)
    qtbot.waitUntil(lambda: screen.preview.frames_shown >= 1)


async def test_the_throttle_drops_frames_instead_of_queueing_them(
    qapp: QApplication, scanner: CameraLoyaltyScanner, capture: CameraCapture, clock: Clock
) -> None:
    offered: list[int] = []
    scanner.add_frame_listener(lambda frame: offered.append(frame.gray[0]))
    capture.start()
    for level in range(10, 60, 10):  # five frames within one period
        capture.sink.setVideoFrame(video_of(Image.new("L", (64, 48), level), PF.Format_NV12))
        clock.now += 0.2 / MAX_FPS
    assert (capture.converted, capture.dropped, offered) == (1, 4, [10])
    clock.now += 1 / MAX_FPS
    qapp.processEvents()
    assert capture.converted == 1  # nothing was kept for later
    capture.sink.setVideoFrame(video_of(Image.new("L", (64, 48), 99), PF.Format_NV12))
    assert (capture.converted, capture.dropped, offered) == (2, 4, [10, 99])
    await scanner.wait_idle()


async def test_frames_pass_only_while_the_loyalty_screen_is_shown(
    qapp: QApplication,
    shown: tuple[RecordingViewModel, LoyaltyScreen],
    scanner: CameraLoyaltyScanner,
    capture: CameraCapture,
    clock: Clock,
) -> None:
    vm, _ = shown
    passed: list[int] = []

    def offer_frame() -> None:
        clock.now += 1.0  # never throttled here
        capture.sink.setVideoFrame(video_of(Image.new("L", (64, 48), 80), PF.Format_NV12))
        passed.append(scanner.stats.submitted)

    capture.follow(vm)  # on the attract loop
    offer_frame()
    vm.show(loyalty_view())
    wanted = [capture.wanted]
    offer_frame()
    vm.show(checkout_view(CAT, bottle_sku(CAT)))  # the shopper moved on
    wanted.append(capture.wanted)
    offer_frame()
    assert capture.camera is None or not capture.camera.isActive()
    vm.show(loyalty_view())
    capture.close()  # the kiosk stops: the view-model is no longer followed
    vm.show(loyalty_view())
    wanted.append(capture.wanted)
    offer_frame()
    assert wanted == [True, False, False]
    assert passed == [0, 1, 1, 1]
    assert capture.state is DeviceState.CLOSED
    await scanner.wait_idle()


async def test_without_a_camera_one_log_line_and_the_shopper_can_skip(
    qapp: QApplication,
    shown: tuple[RecordingViewModel, LoyaltyScreen],
    scanner: CameraLoyaltyScanner,
    capture: CameraCapture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    vm, screen = shown
    caplog.set_level(logging.INFO, logger="kiosk.ui.camera_capture")
    capture.follow(vm)
    for _ in range(3):  # three shoppers reach the loyalty step
        vm.show(loyalty_view())
        assert capture.state is DeviceState.UNAVAILABLE and capture.camera is None
        vm.show(checkout_view(CAT, bottle_sku(CAT)))
        assert scanner.state is DeviceState.UNAVAILABLE  # what diagnostics show, screen left
    vm.show(loyalty_view())
    lines = [r.getMessage() for r in caplog.records if r.name == "kiosk.ui.camera_capture"]
    assert lines == [
        "loyalty camera is unavailable: no camera found (loyalty codes cannot be scanned)"
    ]
    assert screen.isVisible()
    screen.skip_button.click()
    assert vm.calls == [("skip_loyalty", None)]


@pytest.mark.skipif(bool(QMediaDevices.videoInputs()), reason="this machine has a camera")
async def test_the_default_camera_is_asked_for_when_the_capture_starts(
    qapp: QApplication, scanner: CameraLoyaltyScanner
) -> None:
    capture = CameraCapture(scanner)
    states = [capture.state]  # nothing opened before it is needed
    capture.start()
    states.append(capture.state)
    assert states == [DeviceState.CLOSED, DeviceState.UNAVAILABLE] and capture.camera is None
    capture.close()


# -- the app ------------------------------------------------------------------------------------
async def test_without_qt_multimedia_the_ui_logs_once_and_captures_nothing(
    qapp: QApplication,
    scanner: CameraLoyaltyScanner,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # as on an image built without PySide6-Addons (or without libpulse0): the import fails
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    monkeypatch.delitem(sys.modules, "kiosk.ui.camera_capture")
    ui = build_ui(qapp, catalog=CAT, journey=None, camera=scanner)
    try:
        assert ui.capture_camera(scanner) is None
        ui.vm.show(loyalty_view())
        assert ui.window.current is ui.window.screens[Screen.LOYALTY]
    finally:
        ui.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("no loyalty camera: Qt Multimedia cannot")


def test_the_app_captures_for_a_camera_scanner_and_closes_the_capture(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    hardware = demo_hardware(JOURNEY_CATALOG, tmp_path)
    options = AppOptions(
        catalog=JOURNEY_CATALOG,
        config=demo_config(tmp_path, OFFLINE_BROKER),
        hardware=dataclasses.replace(
            hardware, scanner=ScannerConfig(url="sim://", camera="camera://?debounce=5")
        ),
        windowed=True,
    )
    kiosk = KioskApp(qapp, options)
    picture = render_qr("not a member code", width=640, height=480)

    async def scenario() -> None:
        runner = asyncio.ensure_future(kiosk.run())
        try:
            await until(lambda: kiosk.machine_started.is_set() or runner.done(), 60, "READY")
            assert not runner.done() and kiosk.runtime is not None and kiosk.ui is not None
            capture, vm = kiosk.capture, kiosk.ui.vm
            assert capture is not None
            wanted = [capture.wanted]  # the attract loop
            assert kiosk.runtime.machine is not None
            await seed_stock(kiosk.runtime.machine, kiosk.runtime.items)
            await kiosk.journey.refresh()
            product = next(p for p in JOURNEY_CATALOG.products if p.bottles)
            kiosk.journey.show_product(product.id)
            kiosk.journey.choose_offer(product.bottles[0].sku)
            wanted.append(capture.wanted)
            assert vm.view.screen is Screen.LOYALTY and wanted == [False, True]

            def notice() -> Notice:
                capture.sink.setVideoFrame(video_of(picture, PF.Format_YUV420P))
                return vm.view.notice

            await until(lambda: notice() is Notice.NOT_A_LOYALTY_CODE, 15, "the scan")
            kiosk.request_stop()
            assert await asyncio.wait_for(runner, 60) == 0
            vm.show(dataclasses.replace(vm.view, screen=Screen.LOYALTY))  # reaches it no more
            assert (kiosk.capture, capture.state, capture.wanted) == (
                None,
                DeviceState.CLOSED,
                False,
            )
        finally:
            kiosk.request_stop()
            if not runner.done():
                await runner

    run_on_qasync(qapp, scenario())
