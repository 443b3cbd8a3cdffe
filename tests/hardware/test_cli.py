"""``perfume-kiosk hardware probe`` and ``hardware sim`` as real subprocesses: JSON out, exit
codes, one-line errors without tracebacks, and simulators served to real drivers in the test."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from hardware.cardreader import PaymentOutcome, PaymentRequest, VendOutcome
from hardware.cli import probe
from hardware.common.state import DeviceState
from hardware.config import DispenserConfig, HardwareConfig, create_simulator_for
from hardware.config.model import DEMO_DISPENSER_URL
from hardware.dispenser import (
    CommandStatus,
    DispenseOutcome,
    DispenserOptions,
    LinkTimings,
    open_dispenser,
)
from hardware.mdb.device import open_card_reader
from hardware.scanner import open_scanner
from hardware.terminal.device import open_terminal
from tests.hardware.mdb.conftest import FAST as MDB_FAST
from tests.hardware.mdb.conftest import wait_until
from tests.hardware.terminal.conftest import FAST as TERMINAL_FAST

EXE = str(Path(sys.executable).parent / "perfume-kiosk")
ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 120.0  # generous: a loaded 2-core machine


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=DEADLINE, cwd=ROOT, check=False
    )


def pay(payment_id: str) -> PaymentRequest:
    return PaymentRequest(payment_id, amount_minor=250, currency="EUR", item_number=2)


# -- probe -------------------------------------------------------------------------------------
def test_probe_demo_config_all_ready() -> None:
    done = run("hardware", "probe")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    devices = {d["kind"]: d for d in report["devices"]}
    assert set(devices) == {"mdb", "terminal", "dispenser", "scanner"}
    for device in devices.values():
        assert device["state"] == "ready" and device["usable"] is True
        assert device["identity"] and device["error"] is None
        assert device["url"] == (DEMO_DISPENSER_URL if device["kind"] == "dispenser" else "sim://")
    assert devices["mdb"]["address"] == "10"
    assert devices["terminal"]["identity"]["serial"]
    status = devices["dispenser"]["status"]
    assert len(status["channels"]) == 16 and len(status["slots"]) == 30
    assert status["door_open"] is False and isinstance(status["temperature_c"], float)


def test_probe_missing_device_is_unavailable(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-serial-port"
    config = tmp_path / "hw.toml"
    config.write_text(
        "[hardware]\n"
        f'[[hardware.card_readers]]\nkind = "terminal"\nurl = "{missing}"\n'
        '[hardware.dispenser]\nurl = "sim://"\n'
    )
    done = run("hardware", "probe", "--config", str(config), "--timeout", "30")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    terminal, dispenser = report["devices"]
    assert terminal["kind"] == "terminal" and terminal["state"] == "unavailable"
    assert terminal["usable"] is False and terminal["identity"] is None
    assert str(missing) in terminal["error"]
    assert dispenser["state"] == "ready" and dispenser["error"] is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[hardware\nx", "not valid TOML"),
        ("[hardware]\nmotors = 2\n", "hardware.motors"),
        ('[hardware]\n[hardware.dispenser]\nurl = "COM3"\n', "hardware.dispenser.url"),
        (None, "no such configuration file"),
    ],
    ids=["not-toml", "unknown-key", "bad-url", "missing-file"],
)
def test_probe_bad_config_is_one_line(tmp_path: Path, text: str | None, fragment: str) -> None:
    config = tmp_path / "hw.toml"
    if text is not None:
        config.write_text(text)
    done = run("hardware", "probe", "--config", str(config))
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perfume-kiosk: error: "), done.stderr
    assert fragment in lines[0] and str(config) in lines[0]


def test_sim_bad_arguments_are_one_line() -> None:
    for args in (["--only", "mdb,toaster"], ["--all", "--fault", "toaster=x"]):
        done = run("hardware", "sim", *args)
        assert done.returncode != 0 and "Traceback" not in done.stderr
        assert done.stderr.strip().startswith("perfume-kiosk: error: ")


# -- sim ---------------------------------------------------------------------------------------
class SimProcess:
    """``perfume-kiosk hardware sim ...`` running; ``urls`` is the JSON line it printed."""

    def __init__(self, process: asyncio.subprocess.Process, urls: dict[str, str]) -> None:
        self.process = process
        self.urls = urls

    async def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(DEADLINE):
            return await self.process.wait()


@contextlib.asynccontextmanager
async def sim_process(args: Sequence[str], stderr: Path) -> AsyncIterator[SimProcess]:
    with stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            EXE, "hardware", "sim", *args, stdout=asyncio.subprocess.PIPE, stderr=err, cwd=ROOT
        )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(DEADLINE):
            line = await process.stdout.readline()
        assert line, stderr.read_text()
        yield SimProcess(process, json.loads(line))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def use_every_device(urls: dict[str, str]) -> None:
    """One payment on each reader, one spray, one scan, all through the real drivers."""
    closers: list[Any] = []
    try:
        mdb = await open_card_reader(urls["mdb"], **MDB_FAST)  # type: ignore[arg-type]
        closers.append(mdb)
        await mdb.start()
        terminal = await open_terminal(urls["terminal"], timings=TERMINAL_FAST)
        closers.append(terminal)
        dispenser = await open_dispenser(urls["dispenser"])
        closers.append(dispenser)
        scanner = await open_scanner(urls["scanner"])
        closers.append(scanner)
        async with scanner.scans() as stream:
            for reader, pid in ((mdb, "cli-mdb"), (terminal, "cli-term")):
                await wait_until(lambda r=reader: r.state is DeviceState.READY)  # type: ignore[misc]
                result = await reader.request_payment(pay(pid), timeout=10)
                assert result.outcome is PaymentOutcome.APPROVED, result
                assert (await reader.report_vend(pid, VendOutcome.SUCCESS)).acknowledged
            sprayed = await dispenser.spray(command_id=41, channel=1, doses=2)
            assert sprayed.outcome is DispenseOutcome.OK and sprayed.doses_done == 2
            async with asyncio.timeout(30):
                scan = await anext(aiter(stream))
            assert scan.text == "tok_cli_demo"
    finally:
        for device in reversed(closers):
            await device.close()


async def test_sim_all_serves_real_drivers_then_stops_cleanly(tmp_path: Path) -> None:
    args = ["--all", "--option", "scanner.scan=tok_cli_demo", "--option", "scanner.interval=0.2"]
    async with sim_process(args, tmp_path / "sim.err") as sim:
        assert set(sim.urls) == {"mdb", "terminal", "dispenser", "scanner"}
        assert all(url.startswith("/dev/") for url in sim.urls.values())
        await use_every_device(sim.urls)
        assert await sim.stop() == 0
    assert "Traceback" not in (tmp_path / "sim.err").read_text()


async def test_sim_tcp_fault_and_persistent_dispenser(tmp_path: Path) -> None:
    state = tmp_path / "state"
    args = ["--only", "mdb,dispenser", "--tcp", "--fault", "mdb=decline"]
    args += ["--state-dir", str(state), "--config-out", str(tmp_path / "hw.toml")]
    async with sim_process(args, tmp_path / "sim.err") as sim:
        assert set(sim.urls) == {"mdb", "dispenser"}
        assert all(url.startswith("socket://127.0.0.1:") for url in sim.urls.values())
        assert f'url = "{sim.urls["mdb"]}"' in (tmp_path / "hw.toml").read_text()
        reader = await open_card_reader(sim.urls["mdb"], **MDB_FAST)  # type: ignore[arg-type]
        dispenser = await open_dispenser(sim.urls["dispenser"])
        try:
            await reader.start()
            declined = await reader.request_payment(pay("f1"), timeout=10)
            assert declined.outcome is PaymentOutcome.DECLINED  # the armed one-shot fault
            sprayed = await dispenser.spray(command_id=900, channel=0, doses=1)
            assert sprayed.outcome is DispenseOutcome.OK
        finally:
            await reader.close()
            await dispenser.close()
        assert await sim.stop() == 0
    # the board's command history survives a restart of the simulator
    async with sim_process(
        ["--only", "dispenser", "--state-dir", str(state)], tmp_path / "2.err"
    ) as sim:
        dispenser = await open_dispenser(sim.urls["dispenser"])
        try:
            report = await dispenser.query_command(900)
            assert report.status is CommandStatus.DONE
        finally:
            await dispenser.close()
        assert await sim.stop() == 0


async def test_probe_in_process_diagnoses_a_silent_port(tmp_path: Path) -> None:
    """The probe as a coroutine: a port that opens but never answers is told apart."""
    server = create_simulator_for("dispenser")
    url = await server.start_tcp()
    server.silent = True  # a hung board: the TCP port accepts, nothing answers
    fast = LinkTimings(reply_timeout=0.2, retries=1, reconnect_min=0.05, reconnect_max=0.2)
    config = HardwareConfig(
        dispenser=DispenserConfig(url=url, options=DispenserOptions(timings=fast))
    )
    try:
        report = await probe(config, timeout=30)
    finally:
        await server.close()
    assert report["ok"] is False
    (entry,) = report["devices"]
    assert entry["state"] == "unavailable" and entry["status"] is None
    assert "opens but the device did not answer" in entry["error"]
