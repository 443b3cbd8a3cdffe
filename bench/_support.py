"""Helpers shared by the sync benchmarks: a throwaway Mosquitto, medians, machine facts, output.

The broker is the product's launcher, ``sync.localbroker`` (a real Mosquitto on a free port,
never 1883), the same one ``tests/support/broker.py`` re-exports; the benchmarks run it with
persistence off. Every process and directory a benchmark makes is owned by a context manager or
``finally`` block, and SIGTERM/SIGINT are turned into ``SystemExit`` so those cleanups run when
a benchmark is interrupted.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import sqlite3
import statistics
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from sync.localbroker import Broker, free_port, mosquitto_binary

__all__ = [
    "Broker",
    "broker_in",
    "emit",
    "free_port",
    "install_signal_cleanup",
    "machine",
    "median",
    "mosquitto_binary",
    "new_broker",
    "spread",
]


def new_broker(workdir: Path) -> Broker:
    """A (not yet started) Mosquitto on a free port, never 1883, with persistence off."""
    port = free_port()
    while port == 1883:  # pragma: no cover - the kernel's ephemeral range never includes it
        port = free_port()
    return Broker(workdir, port=port, persistence=False)


@contextmanager
def broker_in(workdir: Path) -> Iterator[Broker]:
    """A (not yet started) broker that is stopped, whatever happens, on the way out."""
    broker = new_broker(workdir)
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
