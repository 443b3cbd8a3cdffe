"""The camera source: real zbar decoding of rendered codes, flow control and debounce."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from hardware.common.state import DeviceState
from hardware.scanner.camera import (
    CameraLoyaltyScanner,
    CameraStats,
    DecodedSymbol,
    Frame,
    decode_frame,
)
from hardware.scanner.camera_sim import ImageFrameSource, blank_frame, render_qr
from hardware.scanner.errors import InvalidFrameError
from hardware.scanner.symbology import Symbology
from tests.hardware.scanner.conftest import WAIT, FakeClock, Recorder


@pytest.mark.parametrize("rotation", [0, 17, 45, 90])
@pytest.mark.parametrize("noise", [0, 20])
@pytest.mark.parametrize(("width", "height"), [(320, 240), (640, 480)])
def test_zbar_reads_rendered_codes(rotation: int, noise: int, width: int, height: int) -> None:
    image = render_qr("tok_AbC-123", width=width, height=height, rotation=rotation, noise=noise)
    assert decode_frame(Frame.from_image(image)) == [
        DecodedSymbol(Symbology.QR_CODE, b"tok_AbC-123")
    ]


def test_no_phantom_linear_codes_in_a_dense_qr() -> None:
    frame = Frame.from_image(render_qr("x" * 300, rotation=10, noise=12))
    assert all(s.symbology is Symbology.QR_CODE for s in decode_frame(frame))
    assert decode_frame(frame, symbologies=[Symbology.DATA_MATRIX]) == []


@pytest.mark.parametrize(
    ("width", "height", "size"), [(4, 4, 15), (0, 4, 0), (4, -1, 4), (3, 3, 10)]
)
def test_frame_size_must_match(width: int, height: int, size: int) -> None:
    with pytest.raises(InvalidFrameError):
        Frame(width, height, bytes(size))


def test_frame_from_color_image() -> None:
    image = render_qr("tok", width=64, height=48).convert("RGB")
    frame = Frame.from_image(image)
    assert (frame.width, frame.height, len(frame.gray)) == (64, 48, 64 * 48)


class GatedDecoder:
    """The real zbar decoder behind a gate the test opens; counts concurrent calls."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls = 0
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def __call__(self, frame: Frame) -> Sequence[DecodedSymbol]:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        self.entered.set()
        try:
            self.gate.wait(WAIT)
            return decode_frame(frame)
        finally:
            with self._lock:
                self.running -= 1


async def test_frames_arriving_during_a_slow_decode_are_dropped_newest_wins(
    clock: FakeClock,
) -> None:
    decoder = GatedDecoder()
    recorder = Recorder()
    scanner = CameraLoyaltyScanner(decoder=decoder, clock=clock)
    scanner.add_listener(recorder)
    await scanner.start()
    try:
        scanner.submit_frame(blank_frame())
        assert await asyncio.to_thread(decoder.entered.wait, WAIT)  # first decode in flight
        for i in range(8):
            scanner.submit_frame(Frame.from_image(render_qr(f"tok_old_{i}")))
        scanner.submit_frame(Frame.from_image(render_qr("tok_newest")))
        decoder.gate.set()
        await scanner.wait_idle()
        assert recorder.decoded() == ["tok_newest"]
        assert scanner.stats == CameraStats(submitted=10, decoded=2, dropped=8, failed=0)
        assert decoder.max_running == 1
    finally:
        decoder.gate.set()
        await scanner.close()


async def test_never_more_than_one_decode_in_flight(clock: FakeClock) -> None:
    decoder = GatedDecoder()
    decoder.gate.set()
    scanner = CameraLoyaltyScanner(decoder=decoder, clock=clock)
    await scanner.start()
    try:
        source = ImageFrameSource([render_qr("tok_a"), blank_frame(), render_qr("tok_b")])
        await source.play(scanner, count=60, fps=0)
        await scanner.wait_idle()
        stats = scanner.stats
        assert decoder.max_running == 1
        assert stats.submitted == 60
        assert stats.decoded + stats.dropped == 60
    finally:
        await scanner.close()


async def test_code_held_in_view_at_30_fps_is_reported_once(
    camera_scanner: tuple[CameraLoyaltyScanner, Recorder], clock: FakeClock
) -> None:
    scanner, recorder = camera_scanner
    frame = Frame.from_image(render_qr("tok_held", noise=10))
    for _ in range(30):  # one second of video, every frame decoded
        scanner.submit_frame(frame)
        await scanner.wait_idle()
        clock.advance(1 / 30)
    assert recorder.decoded() == ["tok_held"]
    assert scanner.stats.decoded == 30


async def test_a_failing_decoder_is_counted_and_scanning_goes_on(clock: FakeClock) -> None:
    calls = 0

    def flaky(frame: Frame) -> Sequence[DecodedSymbol]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("zbar crashed")
        return decode_frame(frame)

    recorder = Recorder()
    scanner = CameraLoyaltyScanner(decoder=flaky, clock=clock)
    scanner.add_listener(recorder)
    await scanner.start()
    try:
        frame = Frame.from_image(render_qr("tok_after_crash"))
        scanner.submit_frame(frame)
        await scanner.wait_idle()
        scanner.submit_frame(frame)
        await scanner.wait_idle()
        assert recorder.decoded() == ["tok_after_crash"]
        assert scanner.stats.failed == 1
        assert scanner.state is DeviceState.READY
    finally:
        await scanner.close()


async def test_frames_before_start_or_after_close_are_ignored(clock: FakeClock) -> None:
    scanner = CameraLoyaltyScanner(clock=clock)
    scanner.submit_frame(blank_frame())
    assert scanner.stats.submitted == 0
    await scanner.start()
    await scanner.start()  # idempotent
    await scanner.close()
    scanner.submit_frame(blank_frame())
    assert scanner.stats.submitted == 0
    assert scanner.identity is not None


async def test_disable_discards_the_waiting_frame(clock: FakeClock) -> None:
    decoder = GatedDecoder()
    recorder = Recorder()
    scanner = CameraLoyaltyScanner(decoder=decoder, clock=clock)
    scanner.add_listener(recorder)
    await scanner.start()
    try:
        scanner.submit_frame(blank_frame())
        assert await asyncio.to_thread(decoder.entered.wait, WAIT)
        scanner.submit_frame(Frame.from_image(render_qr("tok_waiting")))
        await scanner.disable()
        decoder.gate.set()
        await scanner.wait_idle()
        assert recorder.decoded() == []
        assert decoder.calls == 1
    finally:
        decoder.gate.set()
        await scanner.close()


def test_frame_source_needs_images() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ImageFrameSource([])


async def test_the_frames_source_reports_a_missing_or_failed_camera() -> None:
    """The UI's capture says the camera is missing, failed or back; diagnostics read it."""
    scanner = CameraLoyaltyScanner()
    scanner.report_source(DeviceState.FAULT, "not started")  # ignored: not started
    assert scanner.state is DeviceState.CLOSED
    await scanner.start()
    try:
        scanner.report_source(DeviceState.UNAVAILABLE, "no camera found")
        assert scanner.state is DeviceState.UNAVAILABLE
        scanner.report_source(DeviceState.READY)
        assert scanner.state is DeviceState.READY
        with pytest.raises(ValueError, match="READY, UNAVAILABLE or FAULT"):
            scanner.report_source(DeviceState.CLOSED)
    finally:
        await scanner.close()
    scanner.report_source(DeviceState.FAULT, "late")  # ignored: closed
    assert scanner.state is DeviceState.CLOSED
