"""``perfume-kiosk run`` as systemd runs it: a real process with the offscreen Qt platform, a
real NOTIFY_SOCKET datagram socket made by the test, a tmp data dir. The attract loop is
painted first (``{"kiosk": "first-frame"}``), READY=1 comes from the kiosk itself (not from
Mosquitto, its child) once the machine runs behind it, the watchdog is pinged from the event
loop, SIGTERM stops everything in order with status 0 and a consistent ledger (also while the
machine is still starting), and a broken configuration is one line and status 2."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.demo import DEMO_DEVICE
from kiosk.sdnotify import socket_address
from sync.ledger import LEDGER_FILE, Ledger

KIOSK = [sys.executable, "-m", "kiosk.cli"]
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Note:
    pid: int
    lines: tuple[str, ...]
    at: float


class NotifySocket:
    """systemd's end: a datagram socket that records each message and its sender's pid."""

    def __init__(self) -> None:
        self.name = f"@pk-test-{uuid.uuid4().hex}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(socket_address(self.name))
        self.notes: list[Note] = []

    def receive(self, timeout: float) -> Note | None:
        self.sock.settimeout(timeout)
        try:
            data, ancillary, _flags, _addr = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except TimeoutError:
            return None
        pid = -1
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("3i", payload[:12])[0]
        note = Note(pid, tuple(data.decode().split("\n")), time.monotonic())
        self.notes.append(note)
        return note

    def wait_for(self, line: str, timeout: float = 60.0) -> Note:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            note = self.receive(left)
            if note is not None and line in note.lines:
                return note
        raise AssertionError(f"no {line} within {timeout} s; got {self.notes}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify() -> Iterator[NotifySocket]:
    sock = NotifySocket()
    yield sock
    sock.close()


@pytest.fixture
def kiosks(
    child_processes: list[subprocess.Popen[bytes]],
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Kiosk processes a test starts; one still running at teardown (a failed assertion) is
    stopped with SIGTERM first, so that it stops its Mosquitto too (SIGKILL would orphan it)."""
    yield child_processes
    for proc in child_processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(20)


def start(
    tmp_path: Path,
    children: list[subprocess.Popen[bytes]],
    *args: str,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        if key not in (env or {}):
            full_env.pop(key, None)
    with (tmp_path / "stdout.txt").open("wb") as out, (tmp_path / "stderr.txt").open("wb") as err:
        proc = subprocess.Popen(
            [*KIOSK, "run", *args], cwd=ROOT, env=full_env, stdout=out, stderr=err
        )
    children.append(proc)
    return proc


def demo(tmp_path: Path) -> list[str]:
    return ["--demo", "--windowed", "--data-dir", str(tmp_path / "demo")]


def test_ready_after_the_first_frame_watchdog_pings_and_sigterm_exits_0(
    tmp_path: Path, notify: NotifySocket, kiosks: list[subprocess.Popen[bytes]]
) -> None:
    env = {"NOTIFY_SOCKET": notify.name, "WATCHDOG_USEC": "1000000"}
    proc = start(tmp_path, kiosks, *demo(tmp_path), env=env)
    ready = notify.wait_for("READY=1")
    assert ready.pid == proc.pid  # the kiosk itself, not Mosquitto (which speaks sd_notify)
    status = next(line for line in ready.lines if line.startswith("STATUS="))
    assert status.split(": ")[-1] in ("selling", "cards_offline")  # what the shopper can do
    statuses = [n for n in notify.notes if n.at <= ready.at and n.lines[0].startswith("STATUS=")]
    assert [n for n in statuses if "recovering open transactions" in n.lines[0]]
    first, report = (json.loads(x) for x in (tmp_path / "stdout.txt").read_text().splitlines())
    assert first["kiosk"] == "first-frame" and first["firstFrameS"] > 0  # the attract loop
    assert report["kiosk"] == "ready"  # printed just before READY=1, the machine running
    assert report["firstFrameS"] == first["firstFrameS"] <= report["readyS"]
    assert report["window"] == first["window"] == [1080, 1920]  # portrait, the screens' pixels
    assert 0 < report["scale"] < 1  # the offscreen desktop is smaller: scaled down to fit
    pings = 0
    while pings < 3:  # every 0.5 s (half of WATCHDOG_USEC), from the running event loop
        note = notify.wait_for("WATCHDOG=1", timeout=10)
        assert note.pid == proc.pid
        pings += 1
    asked = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, (tmp_path / "stderr.txt").read_text()[-3000:]
    assert time.monotonic() - asked < 15
    assert notify.wait_for("STOPPING=1", timeout=1).pid == proc.pid
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()
    ledger_dir = tmp_path / "demo" / "device"
    with contextlib.closing(sqlite3.connect(ledger_dir / LEDGER_FILE)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ledger = Ledger.open(ledger_dir, DEMO_DEVICE)
    try:
        after = ledger.status()
        assert after.in_flight == 0 and after.last_seq > 0  # demo stock was recorded
        assert after.on_hand  # and is there after the orderly close
    finally:
        ledger.close()


def stdout_report(tmp_path: Path, proc: subprocess.Popen[bytes], kind: str) -> dict[str, Any]:
    """Wait for the ``{"kiosk": kind}`` line on the kiosk's stdout (it is still running)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in (tmp_path / "stdout.txt").read_text().splitlines():
            report: dict[str, Any] = json.loads(line)
            if report.get("kiosk") == kind:
                return report
        assert proc.poll() is None, (tmp_path / "stderr.txt").read_text()[-3000:]
        time.sleep(0.05)
    raise AssertionError(f"no {kind} line within 60 s")


def stop(tmp_path: Path, proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, (tmp_path / "stderr.txt").read_text()[-3000:]
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()


def last_seq(tmp_path: Path) -> int:
    ledger = Ledger.open(tmp_path / "demo" / "device", DEMO_DEVICE)
    try:
        return ledger.status().last_seq
    finally:
        ledger.close()


def test_duration_stops_by_itself_and_a_restart_reuses_the_data_dir(
    tmp_path: Path, kiosks: list[subprocess.Popen[bytes]]
) -> None:
    # --duration stops it wherever it is: painting, starting the machine, or running.
    first = start(tmp_path, kiosks, *demo(tmp_path), "--duration", "2")
    assert first.wait(timeout=60) == 0, (tmp_path / "stderr.txt").read_text()[-3000:]
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()
    second = start(tmp_path, kiosks, *demo(tmp_path))
    stdout_report(tmp_path, second, "ready")  # the stock is seeded before READY
    stop(tmp_path, second)
    seq = last_seq(tmp_path)
    assert seq > 0
    again = start(tmp_path, kiosks, *demo(tmp_path), "--landscape")
    assert stdout_report(tmp_path, again, "first-frame")["window"] == [1920, 1080]
    stdout_report(tmp_path, again, "ready")
    stop(tmp_path, again)
    assert last_seq(tmp_path) == seq  # stock is seeded once, not at every start


def test_sigterm_while_the_machine_starts_behind_the_first_frame_exits_0(
    tmp_path: Path, kiosks: list[subprocess.Popen[bytes]]
) -> None:
    """The benchmark's moment: stopped right after the attract loop is painted, while the
    machine's modules load and it starts, the kiosk still stops in order."""
    proc = start(tmp_path, kiosks, *demo(tmp_path))
    stdout_report(tmp_path, proc, "first-frame")
    stop(tmp_path, proc)
    lines = (tmp_path / "stdout.txt").read_text().splitlines()
    assert json.loads(lines[0])["kiosk"] == "first-frame"
    errors = [x for x in (tmp_path / "stderr.txt").read_text().splitlines() if " ERROR " in x]
    assert errors == []  # an orderly stop, even half-way through starting


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (None, "no such configuration file"),
        ("[kiosk\n", "not valid TOML"),
        ('[kiosk]\ndevice_id = "pk 1"\n[hardware]\n', "kiosk.device_id"),
    ],
)
def test_a_broken_configuration_is_one_line_and_status_2(
    tmp_path: Path,
    kiosks: list[subprocess.Popen[bytes]],
    content: str | None,
    phrase: str,
) -> None:
    path = tmp_path / "kiosk.toml"
    if content is not None:
        path.write_text(content)
    proc = start(tmp_path, kiosks, "--config", str(path))
    assert proc.wait(timeout=60) == 2
    err = (tmp_path / "stderr.txt").read_text().strip().splitlines()
    assert len(err) == 1 and err[0].startswith("perfume-kiosk: error: ") and phrase in err[0]


def test_under_systemd_a_broken_configuration_pauses_before_exiting(
    tmp_path: Path, notify: NotifySocket, kiosks: list[subprocess.Popen[bytes]]
) -> None:
    began = time.monotonic()
    proc = start(
        tmp_path,
        kiosks,
        "--config",
        str(tmp_path / "absent.toml"),
        env={"NOTIFY_SOCKET": notify.name},
    )
    note = notify.wait_for(
        f"STATUS=configuration error: {tmp_path / 'absent.toml'}: no such configuration file"
    )
    assert note.pid == proc.pid
    assert proc.wait(timeout=60) == 2
    assert time.monotonic() - began >= 3.0  # Restart=always does not spin on a broken file


def test_headless_demo_is_still_there(
    tmp_path: Path, kiosks: list[subprocess.Popen[bytes]]
) -> None:
    proc = start(
        tmp_path,
        kiosks,
        "--demo",
        "--headless",
        "--data-dir",
        str(tmp_path / "demo"),
        "--duration",
        "2",
        "--status-every",
        "0.5",
    )
    assert proc.wait(timeout=60) == 0
    lines = [json.loads(x) for x in (tmp_path / "stdout.txt").read_text().splitlines()]
    assert lines[0]["demo"] == "running" and "lastSeq" in lines[-1]
    no_demo = start(tmp_path, kiosks, "--headless")
    assert no_demo.wait(timeout=60) == 2
