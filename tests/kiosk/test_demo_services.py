"""The demo's outside world as child processes (``kiosk.demo.DemoServices``, ``kiosk.childproc``):
the sandbox gateway and the reference middleware start as their own processes, say when they
are ready, run nicer than the kiosk, log to the data dir, stop on ``close()`` leaving no process
behind, die with a kiosk killed -9, and a child that dies unasked is reported and takes the
rest down with it (the kiosk then runs offline: see ``tests/kiosk/ui/test_demo_services_journey``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kiosk.childproc import ChildDidFail, ChildProcess
from kiosk.demo import OFFLINE_BROKER, SERVICES_NICE, DemoServices
from sync.errors import ConfigError
from sync.localbroker import mosquitto_binary
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]


def _has_mosquitto() -> bool:
    try:
        mosquitto_binary()
    except ConfigError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _has_mosquitto(), reason="mosquitto is not installed")


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return f.read().rsplit(")", 1)[1].split()  # [0] state, [1] ppid, [16] nice


def _healthz(url: str) -> int:
    with urllib.request.urlopen(f"{url}/healthz", timeout=10) as reply:
        return int(reply.status)


async def test_the_gateway_and_middleware_run_as_children_and_close_leaves_none(
    tmp_path: Path,
) -> None:
    services = DemoServices(tmp_path / "demo")
    url = services.reserve()
    try:
        await services.start()
        assert services.online and services.broker_url == url != OFFLINE_BROKER
        gateway, middleware = services.gateway, services.middleware
        assert gateway is not None and middleware is not None
        assert middleware.connected and middleware.report["broker"] == url
        assert services.gateway_url is not None
        assert await asyncio.to_thread(_healthz, services.gateway_url) == 200
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        for child in (gateway, middleware):
            assert child.pid is not None and _alive(child.pid)
            fields = _stat(child.pid)
            assert int(fields[1]) == os.getpid()  # our children, not a shell's
            assert int(fields[16]) == min(19, ours + SERVICES_NICE)  # the kiosk's screen first
            assert child.log_path.parent == services.data_dir
        assert "sandbox gateway on" in gateway.log_path.read_text()
        assert "connected to" in middleware.log_path.read_text()
        assert services.db is not None  # the middleware's database, migrated by it
        pids = [gateway.pid, middleware.pid, services.broker.proc.pid]  # type: ignore[union-attr]
    finally:
        await services.close()
    assert not [pid for pid in pids if pid is not None and _alive(pid)]
    assert gateway.returncode == 0 and middleware.returncode == 0  # SIGTERM: a clean stop
    assert services.lost is None and not services.online


async def test_a_child_killed_9_is_reported_and_the_others_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    services = DemoServices(tmp_path / "demo")
    services.reserve()
    try:
        await services.start()
        assert services.middleware is not None and services.gateway is not None
        gateway_pid = services.gateway.pid
        assert services.middleware.pid is not None and gateway_pid is not None
        with caplog.at_level(logging.ERROR, logger="kiosk"):
            os.kill(services.middleware.pid, signal.SIGKILL)
            await until(lambda: services.lost is not None and not services.online, 30, "lost")
            await until(lambda: not _alive(gateway_pid), 30, "the gateway to stop")
        assert services.lost == f"the middleware exited with {-signal.SIGKILL}"
        assert services.middleware.returncode == -signal.SIGKILL
        reported = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("carries on offline" in m and "middleware" in m for m in reported)
    finally:
        await services.close()
    assert services.broker is None


async def test_stopped_while_starting_leaves_no_process(
    tmp_path: Path,
) -> None:
    """The kiosk stopped while its services start (SIGTERM right after the first frame): the
    child being waited for is stopped at once (the kiosk's own process test checks that its
    log then holds no error)."""
    services = DemoServices(tmp_path / "demo")
    services.reserve()
    starting = asyncio.ensure_future(services.start())
    await until(lambda: services.gateway is not None and services.gateway.pid, 30, "a child")
    assert services.gateway is not None and services.gateway.pid is not None
    pid = services.gateway.pid
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    await services.close()
    assert not _alive(pid) and not services.online
    assert services.gateway is not None and services.gateway.returncode in (0, -signal.SIGTERM)


async def test_a_child_that_fails_before_it_is_ready_is_an_error_with_its_log(
    tmp_path: Path,
) -> None:
    child = ChildProcess(
        "middleware",
        ["middleware", "serve", "--broker", "not-a-url", "--status-lines"],
        log_path=tmp_path / "middleware.log",
    )
    with pytest.raises(ChildDidFail, match="exited with 1") as failed:
        await child.start()
    assert str(child.log_path) in str(failed.value)
    assert "bad broker URL" in child.log_path.read_text()
    assert not child.running and child.returncode == 1


CHILD_OF_A_KIOSK = """
import asyncio, json, sys
from pathlib import Path
from kiosk.demo import DemoServices

async def main():
    services = DemoServices(Path(sys.argv[1]))
    services.reserve()
    await services.start()
    print(json.dumps({
        "gateway": services.gateway.pid,
        "middleware": services.middleware.pid,
        "mosquitto": services.broker.proc.pid,
    }), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def test_the_children_die_with_a_kiosk_killed_9(
    tmp_path: Path, child_processes: list[subprocess.Popen[bytes]]
) -> None:
    kiosk = subprocess.Popen(
        [sys.executable, "-c", CHILD_OF_A_KIOSK, str(tmp_path / "demo")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    child_processes.append(kiosk)
    assert kiosk.stdout is not None
    line = kiosk.stdout.readline()  # bounded by the children's own ready timeouts
    assert line, "the kiosk stand-in did not start its services"
    pids = json.loads(line)
    kiosk.stdout.close()
    try:
        kiosk.kill()
        kiosk.wait()
        deadline = time.monotonic() + 30  # a bound, not a speed: they get SIGTERM at once
        while any(_alive(pid) for pid in pids.values()):
            alive = [name for name, pid in pids.items() if _alive(pid)]
            assert time.monotonic() < deadline, f"{alive} outlived their parent"
            time.sleep(0.05)
    finally:
        for pid in pids.values():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
