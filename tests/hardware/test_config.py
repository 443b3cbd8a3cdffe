"""The ``[hardware]`` configuration: a full file, the demo config, a table of bad files (each
names its key), simulator builders, and open_devices() against real simulated devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.cardreader import AuthorizationMode
from hardware.common.errors import DeviceInitError
from hardware.common.state import DeviceState
from hardware.config import (
    CardReaderConfig,
    HardwareConfig,
    HardwareConfigError,
    ReaderKind,
    ScannerConfig,
    create_simulator_for,
    load_hardware_config,
    open_devices,
)
from hardware.dispenser import DispenseOutcome
from hardware.terminal.session import TerminalTimings

FULL = """
[kiosk]            # other areas' tables are ignored
name = "front"

[hardware]

[[hardware.card_readers]]
kind = "mdb"
url = "/dev/serial/by-id/usb-FTDI_mdb-if00"
addresses = ["10H", 0x60]
options = { non_response_time = 4, poll_interval = 0.1 }

[[hardware.card_readers]]
kind = "terminal"
url = "socket://10.0.0.5:4001"
[hardware.card_readers.options]
reply_timeout = 3.5
poll_interval = 1

[hardware.dispenser]
url = "sim://?fault=jam:1&channels=2"
timings = { reply_timeout = 0.8 }
limits = { max_doses_per_command = 2 }

[hardware.scanner]
url = "sim://?scan=tok_demo&interval=3"
camera = "camera://?debounce=2"
options = { debounce = 2.5, max_data = 128 }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    return path


def test_full_file(tmp_path: Path) -> None:
    config = load_hardware_config(write(tmp_path, FULL))
    mdb, terminal = config.card_readers
    assert (mdb.kind, mdb.addresses, mdb.mdb.non_response_time) == (ReaderKind.MDB, (16, 96), 4.0)
    assert mdb.mdb.poll_interval == 0.1 and mdb.mdb.reply_timeout == 0.2  # default kept
    assert terminal.kind is ReaderKind.TERMINAL and terminal.url == "socket://10.0.0.5:4001"
    assert terminal.terminal == TerminalTimings(reply_timeout=3.5, poll_interval=1.0)
    assert config.dispenser is not None
    assert config.dispenser.options.timings.reply_timeout == 0.8
    assert config.dispenser.options.limits.max_doses_per_command == 2
    assert config.scanner.url == "sim://?scan=tok_demo&interval=3"
    assert config.scanner.camera == "camera://?debounce=2"
    assert (config.scanner.options.debounce, config.scanner.options.max_data) == (2.5, 128)


def test_empty_hardware_table_means_no_devices(tmp_path: Path) -> None:
    config = load_hardware_config(write(tmp_path, "[hardware]\n"))
    assert config == HardwareConfig()
    assert config.scanner == ScannerConfig(url=None, camera=None)


def test_none_scanner_and_camera(tmp_path: Path) -> None:
    text = '[hardware]\n[hardware.scanner]\nurl = "none"\ncamera = "none"\n'
    assert load_hardware_config(write(tmp_path, text)).scanner == ScannerConfig()


def test_demo_puts_everything_on_sim() -> None:
    demo = HardwareConfig.demo()
    urls = [r.url for r in demo.card_readers]
    assert demo.dispenser is not None
    urls += [demo.dispenser.url, str(demo.scanner.url)]
    assert all(url.startswith("sim://") for url in urls)
    assert {r.kind for r in demo.card_readers} == set(ReaderKind)


READER = '[hardware]\n[[hardware.card_readers]]\nkind = "mdb"\n'

BAD = [
    pytest.param("[hardware\n", "not valid TOML", id="not-toml"),
    pytest.param("[sync]\nx = 1\n", "no [hardware] table", id="no-hardware-table"),
    pytest.param("hardware = 3\n", "hardware must be a table", id="hardware-not-table"),
    pytest.param("[hardware]\ncolour = 1\n", "hardware.colour is not a known key", id="unknown"),
    pytest.param(
        "[hardware]\ncard_readers = 1\n", "card_readers must be an array", id="readers-not-list"
    ),
    pytest.param(READER, "card_readers[0].url is missing", id="url-missing"),
    pytest.param(
        '[hardware]\n[[hardware.card_readers]]\nkind = "cash"\nurl = "sim://"\n',
        "card_readers[0].kind must be",
        id="bad-kind",
    ),
    pytest.param(READER + 'url = "ttyUSB0"\n', "card_readers[0].url must be", id="relative"),
    pytest.param(READER + 'url = "http://x"\n', "card_readers[0].url must be", id="scheme"),
    pytest.param(READER + 'url = "socket://host"\n', "socket://host:port", id="no-port"),
    pytest.param(READER + 'url = "socket://h:99999"\n', "socket://host:port", id="bad-port"),
    pytest.param(READER + 'url = "sim://x"\n', "must be sim://", id="sim-host"),
    pytest.param(READER + 'url = "sim://?colour=red"\n', "colour", id="sim-option"),
    pytest.param(READER + 'url = "sim://?fault=melt"\n', "bad simulator option", id="sim-fault"),
    pytest.param(READER + 'url = "sim://?addresses=60"\n', "addresses key", id="sim-addresses"),
    pytest.param(READER + 'url = "sim://"\naddresses = ["20"]\n', "addresses must", id="addr"),
    pytest.param(READER + 'url = "sim://"\naddresses = []\n', "addresses must", id="no-addr"),
    pytest.param(
        READER + 'url = "sim://"\naddresses = [0x10, "10"]\n', "addresses must", id="dup-addr"
    ),
    pytest.param(READER + 'url = "sim://"\naddresses = [true]\n', "addresses must", id="bool"),
    pytest.param(
        READER + 'url = "sim://"\noptions = { poll_interval = "fast" }\n',
        "options.poll_interval must be a number",
        id="option-type",
    ),
    pytest.param(
        READER + 'url = "sim://"\noptions = { baud = 9600 }\n',
        "options.baud is not a known key",
        id="option-unknown",
    ),
    pytest.param(
        '[hardware]\n[[hardware.card_readers]]\nkind = "terminal"\nurl = "sim://"\n'
        'addresses = ["10"]\n',
        "addresses applies to kind mdb only",
        id="terminal-addresses",
    ),
    pytest.param(
        '[hardware]\n[[hardware.card_readers]]\nkind = "terminal"\nurl = "sim://"\n'
        "options = { tries = 2.5 }\n",
        "options.tries must be int",
        id="terminal-int",
    ),
    pytest.param(
        '[hardware]\n[hardware.dispenser]\nurl = "sim://"\n'
        "limits = { max_doses_per_command = 50 }\n",
        "hardware.dispenser.limits: max_doses_per_command must be",
        id="dispenser-hard-cap",
    ),
    pytest.param(
        '[hardware]\n[hardware.dispenser]\nurl = "sim://?fault=melt"\n',
        "hardware.dispenser.url",
        id="dispenser-fault",
    ),
    pytest.param('[hardware]\n[hardware.dispenser]\nurl = ""\n', "non-empty", id="empty-url"),
    pytest.param(
        '[hardware]\n[hardware.scanner]\ncamera = "/dev/video0"\n',
        "hardware.scanner.camera must be",
        id="camera-url",
    ),
    pytest.param(
        '[hardware]\n[hardware.scanner]\ncamera = "camera://?debounce=soon"\n',
        "debounce must be a number",
        id="camera-debounce",
    ),
    pytest.param(
        '[hardware]\n[hardware.scanner]\nurl = "sim://?fault=melt"\n',
        "hardware.scanner.url",
        id="scanner-fault",
    ),
    pytest.param(
        '[hardware]\n[hardware.dispenser]\nurl = "/dev/ttyUSB0"\n'
        '[hardware.scanner]\nurl = "/dev/ttyUSB0"\n',
        "hardware.scanner.url /dev/ttyUSB0 is already used by hardware.dispenser",
        id="shared-port",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_files_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HardwareConfigError) as caught:
        load_hardware_config(path)
    text_of_error = str(caught.value)
    assert message in text_of_error
    assert text_of_error.startswith(str(path)) and "\n" not in text_of_error
    assert isinstance(caught.value, DeviceInitError)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(HardwareConfigError, match="no such configuration file"):
        load_hardware_config(tmp_path / "absent.toml")
    with pytest.raises(HardwareConfigError, match="cannot read"):
        load_hardware_config(tmp_path)  # a directory


@pytest.mark.parametrize(
    ("device", "query"),
    [
        ("mdb", "addresses=10,60&fault=decline&fault=nak"),
        ("terminal", "fault=decline&fault=nak:2&brand=MASTERCARD"),
        ("dispenser", "fault=jam:1&fault=door&channels=2"),
        ("scanner", "fault=garbage&scan=tok"),
    ],
)
def test_simulators_build_from_queries(device: str, query: str) -> None:
    server = create_simulator_for(device, query)
    assert server.pty_path is None  # built, not started


@pytest.mark.parametrize(
    ("device", "query"),
    [
        ("mdb", "colour=red"),
        ("terminal", "fault=melt"),
        ("dispenser", "channels=many"),
        ("scanner", "fault=garbage&fault=split"),  # the scanner holds one fault at a time
        ("toaster", ""),
    ],
)
def test_bad_simulator_queries(device: str, query: str) -> None:
    with pytest.raises(HardwareConfigError):
        create_simulator_for(device, query)


async def test_open_devices_demo_all_ready_then_closed() -> None:
    devices = await open_devices(HardwareConfig.demo())
    try:
        every = [*devices.card_readers, devices.dispenser, devices.scanner]
        assert all(d is not None and d.state is DeviceState.READY for d in every)
        assert devices.camera is None
        modes = {r.mode for r in devices.card_readers}
        assert modes == {AuthorizationMode.READER, AuthorizationMode.GATEWAY}
        assert devices.dispenser is not None
        result = await devices.dispenser.spray(command_id=7, channel=0, doses=1)
        assert result.outcome is DispenseOutcome.OK
    finally:
        await devices.close()
    assert all(d.state is DeviceState.CLOSED for d in every if d is not None)


async def test_open_devices_two_mdb_addresses_and_camera() -> None:
    config = HardwareConfig(
        card_readers=(CardReaderConfig(kind=ReaderKind.MDB, url="sim://", addresses=(16, 96)),),
        scanner=ScannerConfig(camera="camera://"),
    )
    devices = await open_devices(config)
    try:
        assert [r.state for r in devices.card_readers] == [DeviceState.READY] * 2
        assert devices.scanner is None and devices.camera is not None
        assert devices.camera.state is DeviceState.READY
    finally:
        await devices.close()


async def test_open_devices_error_closes_the_others() -> None:
    config = HardwareConfig(  # built in code, so not checked by the loader
        card_readers=(CardReaderConfig(kind=ReaderKind.TERMINAL, url="sim://?colour=red"),),
        scanner=ScannerConfig(url="sim://"),
    )
    with pytest.raises(DeviceInitError):
        await open_devices(config)


async def test_unreachable_device_comes_up_unavailable(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-port")
    timings = TerminalTimings(reconnect_min=0.05, reconnect_max=0.2)
    config = HardwareConfig(
        card_readers=(CardReaderConfig(kind=ReaderKind.TERMINAL, url=missing, terminal=timings),)
    )
    devices = await open_devices(config)
    try:
        assert devices.card_readers[0].state is DeviceState.UNAVAILABLE
    finally:
        await devices.close()
