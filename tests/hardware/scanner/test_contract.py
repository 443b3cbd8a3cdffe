"""The LoyaltyScanner contract, run against both sources with the same assertions:

* ``serial``: the real serial driver over a pty to the scan-engine simulator;
* ``camera``: the camera scanner fed QR codes rendered in the test, decoded by real zbar.

``rig.show(text)`` puts a code in front of the scanner and returns once the scanner has
processed it (serial: a fresh sentinel code is scanned after it and awaited, so anything the
first code produced has been delivered by then; camera: the decoder is idle).
"""

from __future__ import annotations

import abc
import itertools
from collections.abc import AsyncIterator

import pytest

from hardware.common.state import DeviceState
from hardware.scanner.camera import CameraLoyaltyScanner, Frame
from hardware.scanner.camera_sim import blank_frame, render_qr
from hardware.scanner.device import LoyaltyScanner, SerialLoyaltyScanner
from hardware.scanner.events import (
    RejectReason,
    ScanDidDecode,
    ScanDidReject,
    ScanSource,
)
from hardware.scanner.simulator import ScannerSimulator
from hardware.scanner.symbology import Symbology
from tests.hardware.scanner.conftest import FAST, FakeClock, Recorder

SENTINEL = "sentinel-"
_counter = itertools.count()


class Rig(abc.ABC):
    scanner: LoyaltyScanner
    recorder: Recorder
    source: ScanSource

    @abc.abstractmethod
    async def show(self, text: str) -> None: ...

    def decoded(self) -> list[str]:
        return [t for t in self.recorder.decoded() if not t.startswith(SENTINEL)]


class SerialRig(Rig):
    source = ScanSource.SERIAL

    def __init__(self, scanner: SerialLoyaltyScanner, recorder: Recorder, sim: ScannerSimulator):
        self.scanner, self.recorder, self.sim = scanner, recorder, sim

    async def show(self, text: str) -> None:
        if not self.sim.scan(text):
            return  # the module is disabled: nothing went on the wire
        sentinel = f"{SENTINEL}{next(_counter)}"
        self.sim.scan(sentinel)
        await self.recorder.wait_decoded(sentinel)


class CameraRig(Rig):
    source = ScanSource.CAMERA

    def __init__(self, scanner: CameraLoyaltyScanner, recorder: Recorder):
        self.scanner, self.recorder, self.camera = scanner, recorder, scanner

    async def show(self, text: str) -> None:
        self.camera.submit_frame(
            Frame.from_image(render_qr(text, width=480, height=360, rotation=10, noise=12))
        )
        await self.camera.wait_idle()


@pytest.fixture(params=["serial", "camera"])
async def rig(
    request: pytest.FixtureRequest, simulator: ScannerSimulator, clock: FakeClock
) -> AsyncIterator[Rig]:
    recorder = Recorder()
    built: Rig
    if request.param == "serial":
        path = await simulator.start_pty()
        serial = SerialLoyaltyScanner(path, clock=clock, debounce=1.0, **FAST)
        built = SerialRig(serial, recorder, simulator)
    else:
        built = CameraRig(CameraLoyaltyScanner(clock=clock, debounce=1.0), recorder)
    built.scanner.add_listener(recorder)
    await built.scanner.start()
    yield built
    await built.scanner.close()


async def test_ready_after_start(rig: Rig) -> None:
    assert rig.scanner.state is DeviceState.READY
    assert rig.scanner.identity is not None
    assert rig.scanner.enabled
    assert rig.scanner.source is rig.source


async def test_scan_is_decoded(rig: Rig, clock: FakeClock) -> None:
    await rig.show("tok_AbC-123")
    events = [e for e in rig.recorder.events if isinstance(e, ScanDidDecode)]
    scan = events[0].scan
    assert (scan.text, scan.data, scan.symbology, scan.source) == (
        "tok_AbC-123",
        b"tok_AbC-123",
        Symbology.QR_CODE,
        rig.source,
    )
    assert scan.at == clock.now


async def test_non_ascii_text(rig: Rig) -> None:
    await rig.show("café-ß")
    assert rig.decoded() == ["café-ß"]


async def test_code_held_in_view_is_reported_once(rig: Rig, clock: FakeClock) -> None:
    for _ in range(5):
        await rig.show("tok_held")
        clock.advance(0.1)  # 10 frames a second, each within the window of the last sighting
    assert rig.decoded() == ["tok_held"]
    clock.advance(1.5)  # the code left the window for longer than the debounce
    await rig.show("tok_held")
    assert rig.decoded() == ["tok_held", "tok_held"]


async def test_different_codes_are_not_debounced(rig: Rig) -> None:
    await rig.show("tok_one")
    await rig.show("tok_two")
    await rig.show("tok_one")
    assert rig.decoded() == ["tok_one", "tok_two"]


async def test_card_number_is_rejected_without_data(rig: Rig) -> None:
    await rig.show("4111 1111 1111 1111")
    await rig.show("tok_after")
    assert rig.decoded() == ["tok_after"]
    [reject] = rig.recorder.rejects()
    assert reject == ScanDidReject(RejectReason.CARD_DATA, Symbology.QR_CODE, rig.source, 19)


async def test_too_long_is_rejected(rig: Rig) -> None:
    await rig.show("x" * 300)
    assert rig.decoded() == []
    assert [r.reason for r in rig.recorder.rejects()] == [RejectReason.TOO_LONG]


async def test_disabled_scanner_reports_nothing(rig: Rig) -> None:
    await rig.scanner.disable()
    assert not rig.scanner.enabled
    await rig.show("tok_while_disabled")
    await rig.scanner.enable()
    await rig.show("tok_enabled")
    assert rig.decoded() == ["tok_enabled"]


async def test_scans_async_iterator(rig: Rig) -> None:
    async with rig.scanner.scans() as stream:
        await rig.show("tok_iter")
        scan = await anext(stream)
        assert scan.text == "tok_iter"


async def test_close_ends_streams_and_reports_closed(rig: Rig) -> None:
    stream = rig.scanner.scans()
    await rig.scanner.close()
    assert [s async for s in stream] == []
    assert rig.scanner.state is DeviceState.CLOSED
    assert rig.recorder.states()[-1] is DeviceState.CLOSED


async def test_a_failing_listener_does_not_stop_the_scanner(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_event: object) -> None:
        raise RuntimeError("listener bug")

    rig.scanner.add_listener(broken)
    await rig.show("tok_a")
    rig.scanner.remove_listener(broken)
    await rig.show("tok_b")
    assert rig.decoded() == ["tok_a", "tok_b"]
    assert "listener" in caplog.text


async def test_camera_ignores_blank_frames(
    camera_scanner: tuple[CameraLoyaltyScanner, Recorder],
) -> None:
    scanner, recorder = camera_scanner
    scanner.submit_frame(blank_frame())
    await scanner.wait_idle()
    assert recorder.decoded() == []
