"""The card-number canary: a scanned card number is dropped and never reaches events, logs,
byte traces or message traces, whichever source read it."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import pytest

from hardware.scanner.camera import CameraLoyaltyScanner, Frame
from hardware.scanner.camera_sim import render_qr
from hardware.scanner.device import SerialLoyaltyScanner
from hardware.scanner.events import RejectReason, ScanDidReject
from hardware.scanner.messages import Message
from hardware.scanner.simulator import ScannerFault, ScannerSimulator, create_simulator
from tests.hardware.scanner.conftest import FAST, FakeClock, Recorder

CARD_SCANS = [
    "4111 1111 1111 1111",
    "4111111111111111",
    "5555-5555-5555-4444",
    "LOY-5555555555554444-X",
    ";4111111111111111=25121011234?",
    "%B4111111111111111^DOE/JOHN^25121011234?",
    "]4111111111111111",  # digits glued to a prefix that is not part of the number
]
SECRETS = ["4111111111111111", "5555555555554444"]


def assert_no_card_numbers(haystacks: list[str]) -> None:
    for text in haystacks:
        compact = re.sub(r"[ \-]", "", text)
        for secret in SECRETS:
            assert secret not in compact


class Traces:
    def __init__(self) -> None:
        self.bytes: list[tuple[str, bytes]] = []
        self.messages: list[tuple[str, Message]] = []

    def on_bytes(self, direction: str, data: bytes) -> None:
        self.bytes.append((direction, data))

    def on_message(self, direction: str, message: Message) -> None:
        self.messages.append((direction, message))

    def texts(self) -> list[str]:
        return [d.decode("latin-1") for _, d in self.bytes] + [repr(m) for _, m in self.messages]


@pytest.fixture
async def serial_rig(
    clock: FakeClock,
) -> AsyncIterator[tuple[SerialLoyaltyScanner, Recorder, ScannerSimulator, Traces]]:
    sim = create_simulator()
    traces = Traces()
    recorder = Recorder()
    scanner = SerialLoyaltyScanner(
        await sim.start_pty(),
        clock=clock,
        trace_bytes=traces.on_bytes,
        trace_message=traces.on_message,
        **FAST,
    )
    scanner.add_listener(recorder)
    await scanner.start()
    yield scanner, recorder, sim, traces
    await scanner.close()
    await sim.close()


@pytest.mark.parametrize("text", CARD_SCANS)
async def test_serial_scan_with_card_number(
    serial_rig: tuple[SerialLoyaltyScanner, Recorder, ScannerSimulator, Traces],
    caplog: pytest.LogCaptureFixture,
    text: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    _, recorder, sim, traces = serial_rig
    sim.scan(text)
    sim.scan("tok_next")
    await recorder.wait_decoded("tok_next")
    assert recorder.decoded() == ["tok_next"]
    assert [r.reason for r in recorder.rejects()] == [RejectReason.CARD_DATA]
    assert "[REDACTED]" in caplog.text
    assert any(b"[REDACTED]" in data for _, data in traces.bytes)
    assert_no_card_numbers([caplog.text, *map(repr, recorder.events), *traces.texts()])


async def test_serial_card_fault_in_garbage_is_not_traced(
    serial_rig: tuple[SerialLoyaltyScanner, Recorder, ScannerSimulator, Traces],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A card number in a frame that fails its CRC becomes discarded bytes: those are traced
    too, so they must be redacted as well."""
    caplog.set_level(logging.DEBUG)
    _, recorder, sim, traces = serial_rig
    sim.inject(b"\x02\x53\x00\x13\x99]Q14111111111111111\x00\x00\x03")  # bad header and CRC
    sim.set_fault(ScannerFault.CARD)
    sim.scan("tok_replaced_by_card")
    await recorder.wait_for(lambda e: isinstance(e, ScanDidReject))
    sim.set_fault(ScannerFault.NONE)
    sim.scan("tok_clean")
    await recorder.wait_decoded("tok_clean")
    assert recorder.decoded() == ["tok_clean"]
    assert_no_card_numbers([caplog.text, *map(repr, recorder.events), *traces.texts()])


@pytest.mark.parametrize("text", CARD_SCANS[:4])
async def test_camera_scan_with_card_number(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    scanner = CameraLoyaltyScanner(clock=clock)
    scanner.add_listener(recorder)
    await scanner.start()
    try:
        for shown in (text, text, "tok_next"):  # held in view: rejected (and logged) once
            scanner.submit_frame(Frame.from_image(render_qr(shown, noise=10)))
            await scanner.wait_idle()
        assert recorder.decoded() == ["tok_next"]
        assert [r.reason for r in recorder.rejects()] == [RejectReason.CARD_DATA]
        assert caplog.text.count("card data") == 1
        assert_no_card_numbers([caplog.text, *map(repr, recorder.events)])
    finally:
        await scanner.close()


async def test_look_alikes_pass(
    serial_rig: tuple[SerialLoyaltyScanner, Recorder, ScannerSimulator, Traces],
) -> None:
    _, recorder, sim, _ = serial_rig
    for text in ("tok_4111111111111112", "1234567890", "LOY-2024-000123"):
        sim.scan(text)
        await recorder.wait_decoded(text)
    assert recorder.rejects() == []


async def test_card_number_split_across_garbage_reads_is_masked(
    serial_rig: tuple[SerialLoyaltyScanner, Recorder, ScannerSimulator, Traces],
) -> None:
    _, recorder, sim, traces = serial_rig
    sim.inject(b"x" * 250 + b"41111111")
    await asyncio.sleep(0.05)  # let the driver read the first half on its own (not asserted)
    sim.inject(b"11111111" + b"y" * 20)
    sim.scan("tok_sync")
    await recorder.wait_decoded("tok_sync")
    assert any(b"[REDACTED]" in data for _, data in traces.bytes)
    assert_no_card_numbers(traces.texts())
    assert all(b"41111111" not in data and b"11111111" not in data for _, data in traces.bytes)
