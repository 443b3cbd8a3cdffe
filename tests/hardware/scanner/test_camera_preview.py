"""The camera scanner's frame listeners (the touchscreen's live preview): they see exactly the
frames the decoder is offered, a failing listener never stops scanning, and removal works."""

from __future__ import annotations

import logging

import pytest

from hardware.scanner.camera import CameraLoyaltyScanner, Frame
from hardware.scanner.camera_sim import ImageFrameSource, blank_frame, render_qr
from tests.hardware.scanner.conftest import FakeClock, Recorder


async def test_listener_sees_every_accepted_frame_in_order_and_scans_still_decode(
    camera_scanner: tuple[CameraLoyaltyScanner, Recorder],
) -> None:
    scanner, recorder = camera_scanner
    seen: list[Frame] = []
    scanner.add_frame_listener(seen.append)
    frames = [blank_frame(), Frame.from_image(render_qr("tok_preview")), blank_frame(64, 48)]
    for frame in frames:
        scanner.submit_frame(frame)
    await scanner.wait_idle()
    assert seen == frames
    assert all(a is b for a, b in zip(seen, frames, strict=True))
    # Frames dropped by the decoder's flow control were still previewed.
    assert scanner.stats.submitted == len(frames)
    scanner.submit_frame(frames[1])
    await scanner.wait_idle()
    assert recorder.decoded() == ["tok_preview"]


async def test_frames_the_scanner_ignores_are_not_previewed(clock: FakeClock) -> None:
    scanner = CameraLoyaltyScanner(clock=clock)
    seen: list[Frame] = []
    scanner.add_frame_listener(seen.append)
    scanner.submit_frame(blank_frame())  # not started
    await scanner.start()
    try:
        await scanner.disable()
        scanner.submit_frame(blank_frame())  # disabled
        assert seen == []
        await scanner.enable()
        scanner.submit_frame(blank_frame(32, 24))
        assert [(f.width, f.height) for f in seen] == [(32, 24)]
    finally:
        await scanner.close()
    scanner.submit_frame(blank_frame())  # closed
    assert len(seen) == 1


async def test_removed_listener_is_not_called_and_unknown_removal_is_harmless(
    camera_scanner: tuple[CameraLoyaltyScanner, Recorder],
) -> None:
    scanner, _ = camera_scanner
    first: list[Frame] = []
    second: list[Frame] = []
    scanner.add_frame_listener(first.append)
    scanner.add_frame_listener(second.append)
    scanner.submit_frame(blank_frame())
    scanner.remove_frame_listener(first.append)
    scanner.remove_frame_listener(first.append)  # bound methods compare equal: no-op now
    scanner.remove_frame_listener(lambda f: None)  # never registered
    scanner.submit_frame(blank_frame())
    await scanner.wait_idle()
    assert (len(first), len(second)) == (1, 2)


async def test_failing_listener_is_logged_and_scanning_goes_on(
    camera_scanner: tuple[CameraLoyaltyScanner, Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    scanner, recorder = camera_scanner
    seen: list[Frame] = []

    def broken(frame: Frame) -> None:
        raise RuntimeError("preview crashed")

    scanner.add_frame_listener(broken)
    scanner.add_frame_listener(seen.append)
    frame = Frame.from_image(render_qr("tok_despite_preview"))
    with caplog.at_level(logging.ERROR, logger="hardware.scanner.camera"):
        scanner.submit_frame(frame)
        await scanner.wait_idle()
    assert recorder.decoded() == ["tok_despite_preview"]
    assert seen == [frame]
    assert "frame listener" in caplog.text
    assert "tok_despite_preview" not in caplog.text


async def test_frame_source_feeds_the_preview_at_its_rate(
    camera_scanner: tuple[CameraLoyaltyScanner, Recorder],
) -> None:
    scanner, recorder = camera_scanner
    seen: list[Frame] = []
    scanner.add_frame_listener(seen.append)
    source = ImageFrameSource([render_qr("tok_stream", width=160, height=120), blank_frame()])
    await source.play(scanner, count=6, fps=0)
    await scanner.wait_idle()
    assert [(f.width, f.height) for f in seen] == [(160, 120), (320, 240)] * 3
    assert recorder.decoded() == ["tok_stream"]
