"""Helpers shared by the sync benchmarks: a throwaway Mosquitto, medians, machine facts, output.

The broker is a trimmed copy of ``tests/support/broker.py`` (a real Mosquitto on a free port,
never 1883) so the benchmarks do not import the test package. Every process and directory a
benchmark makes is owned by a context manager here, and SIGTERM/SIGINT are turned into
``SystemExit`` so those cleanups run when a benchmark is interrupted.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    if port == 1883:  # pragma: no cover - the kernel never hands out a privileged-range port
        return free_port()
    return port


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None
    )
    if found is None:
        raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
    return found


class Broker:
    """One Mosquitto process on a fixed free port; ``start()`` again after ``stop()``."""

    def __init__(self, workdir: Path, *, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "mosquitto.conf"
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "max_queued_messages 100000",
            "max_inflight_messages 0",
            f"log_dest file {workdir}/mosquitto.log",
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        self.proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.workdir / "mosquitto.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}: {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@contextmanager
def broker_in(workdir: Path) -> Iterator[Broker]:
    """A (not yet started) broker that is stopped, whatever happens, on the way out."""
    broker = Broker(workdir)
    try:
        yield broker
    finally:
        broker.stop()


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def install_signal_cleanup() -> None:
    """Make SIGTERM and SIGINT unwind the stack so ``finally`` blocks clean up."""
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGINT, _raise_exit)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def spread(values: Sequence[float]) -> str:
    """``min..max`` of a sample, for the human-readable lines."""
    if not values:
        return "n/a"
    return f"{min(values):,.0f}..{max(values):,.0f}"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "loadavg": load,
    }


def emit(result: dict[str, Any]) -> None:
    """The last line of every benchmark: one JSON object with the figures and the verdict."""
    sys.stdout.flush()
    print(json.dumps(result, sort_keys=True), flush=True)
