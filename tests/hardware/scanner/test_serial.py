"""Serial-driver specifics: TCP transport, trigger, identity, tracing and the factory."""

from __future__ import annotations

import pytest

from hardware.common.state import DeviceState
from hardware.scanner import open_scanner
from hardware.scanner.camera import CameraLoyaltyScanner
from hardware.scanner.device import SerialLoyaltyScanner
from hardware.scanner.errors import ScannerCommandRejectedError, ScannerInitError
from hardware.scanner.events import RejectReason, ScanDidReject, ScanSource
from hardware.scanner.messages import Disable, Enable, Identify, ScannerIdentity
from hardware.scanner.simulator import ScannerSimulator, create_simulator
from hardware.scanner.symbology import Symbology
from tests.hardware.scanner.conftest import FAST, Recorder


async def test_over_tcp(simulator: ScannerSimulator) -> None:
    url = await simulator.start_tcp()
    recorder = Recorder()
    scanner = SerialLoyaltyScanner(url, **FAST)
    scanner.add_listener(recorder)
    await scanner.start()
    try:
        assert scanner.state is DeviceState.READY
        simulator.scan("tok_tcp", Symbology.CODE_128)
        event = await recorder.wait_decoded("tok_tcp")
        assert event.scan.symbology is Symbology.CODE_128
        assert event.scan.source is ScanSource.SERIAL
    finally:
        await scanner.close()


async def test_trigger_reads_the_presented_code(
    serial_scanner: tuple[SerialLoyaltyScanner, Recorder], simulator: ScannerSimulator
) -> None:
    scanner, recorder = serial_scanner
    simulator.model.present("tok_presented")
    await scanner.trigger()
    await recorder.wait_decoded("tok_presented")
    simulator.model.present(None)
    await scanner.trigger()  # nothing in front of the window: ACK, no scan


async def test_trigger_while_disabled_is_refused(
    serial_scanner: tuple[SerialLoyaltyScanner, Recorder],
) -> None:
    scanner, _ = serial_scanner
    await scanner.disable()
    with pytest.raises(ScannerCommandRejectedError) as info:
        await scanner.trigger()
    assert info.value.reason == "DISABLED"
    assert scanner.state is DeviceState.READY


async def test_identity_and_commands_seen_by_the_module(
    serial_scanner: tuple[SerialLoyaltyScanner, Recorder], simulator: ScannerSimulator
) -> None:
    scanner, _ = serial_scanner
    assert scanner.identity == ScannerIdentity("SIM-2D100", "SIM0001", "1.0.0")
    await scanner.disable()
    await scanner.enable()
    kinds = [type(m) for m in simulator.model.received]
    assert kinds[:2] == [Identify, Enable]
    assert kinds[-2:] == [Disable, Enable]


async def test_missing_port_is_unavailable_not_an_exception() -> None:
    scanner = SerialLoyaltyScanner("/dev/does-not-exist-scanner", **FAST)
    await scanner.start()
    try:
        assert scanner.state is DeviceState.UNAVAILABLE
    finally:
        await scanner.close()
    assert scanner.state is DeviceState.CLOSED


async def test_factory_sim_url_autoscan() -> None:
    scanner = await open_scanner("sim://?scan=tok_demo&interval=0.05&model=DEMO")
    recorder = Recorder()
    scanner.add_listener(recorder)
    try:
        assert isinstance(scanner, SerialLoyaltyScanner)
        assert scanner.identity is not None and scanner.identity.model == "DEMO"
        await recorder.wait_decoded("tok_demo")
    finally:
        await scanner.close()


async def test_factory_sim_url_card_fault() -> None:
    scanner = await open_scanner("sim://?fault=card&scan=tok_demo&interval=0.05")
    recorder = Recorder()
    scanner.add_listener(recorder)
    try:
        event = await recorder.wait_for(lambda e: isinstance(e, ScanDidReject))
        assert isinstance(event, ScanDidReject)
        assert event.reason is RejectReason.CARD_DATA
    finally:
        await scanner.close()


async def test_factory_camera_url() -> None:
    scanner = await open_scanner("camera://?debounce=0.5")
    try:
        assert isinstance(scanner, CameraLoyaltyScanner)
        assert scanner.state is DeviceState.READY
    finally:
        await scanner.close()


async def test_factory_device_path(simulator: ScannerSimulator) -> None:
    scanner = await open_scanner(await simulator.start_pty(), command_timeout=0.4)
    try:
        assert scanner.state is DeviceState.READY
    finally:
        await scanner.close()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://scanner",
        "sim://?bogus=1",
        "sim://?fault=meltdown",
        "sim://?interval=soon",
        "camera://?debounce=long",
        "camera://?fps=30",
    ],
)
async def test_factory_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ScannerInitError):
        await open_scanner(url)


def test_create_simulator_from_strings() -> None:
    sim = create_simulator(fault="garbage", interval="2", seed="7")
    assert sim.fault.value == "garbage"
    assert isinstance(sim.model.identity, ScannerIdentity)
