"""Fixtures shared by the whole suite: a real Mosquitto broker, a throwaway PostgreSQL
database, and an event-loop guard that fails any async test whose background tasks raised."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.middleware.payments.sandbox import SandboxGateway
from tests.support.broker import Broker
from tests.support.postgres import temporary_database

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        func = getattr(item, "function", None)
        if func is not None and inspect.iscoroutinefunction(func):
            item.fixturenames.insert(0, "loop_errors")  # type: ignore[attr-defined]


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Collects exceptions the event loop saw outside awaited code; fails the test on any."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    yield errors
    await asyncio.sleep(0)
    loop.set_exception_handler(previous)
    if errors:
        msgs = "; ".join(f"{c.get('message')}: {c.get('exception')!r}" for c in errors)
        pytest.fail(f"background task errors on the event loop: {msgs}")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A fresh Mosquitto broker on a free port for one test."""
    b = Broker(tmp_path / "broker")
    b.start()
    yield b
    b.kill()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url


@pytest.fixture
def child_processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Subprocesses a test starts; any still running at teardown is killed (a failed or
    timed-out assertion must not leave a simulated kiosk retrying forever)."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture
def sandbox() -> Iterator[SandboxGateway]:
    """The sandbox payment gateway on a free port (a test file may define its own, e.g. with a
    declining state). Started and closed outside the event loop: closing joins its thread."""
    gateway = SandboxGateway().start()
    yield gateway
    gateway.close()
