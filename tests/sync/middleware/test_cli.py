"""``perfume-kiosk middleware ...`` run as a subprocess through a tiny argparse harness that
handles errors the way the console script does (one line, non-zero exit, no traceback)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sync.middleware.db import migrate, open_database
from sync.middleware.ingest import Ingestor
from sync.middleware.messages import Inbound
from sync.protocol import EventType, Topics
from tests.support.broker import Broker, free_port
from tests.sync.middleware.support import TestDevice, inbound, make_event

ROOT = Path(__file__).resolve().parents[3]
HARNESS = """
import argparse, logging, sys
from sync.errors import SyncError
from sync.middleware import cli
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
parser = argparse.ArgumentParser(prog="perfume-kiosk")
cli.register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
try:
    sys.exit(args.handler(args))
except SyncError as exc:
    print(f"perfume-kiosk: error: {exc}", file=sys.stderr)
    sys.exit(1)
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="error")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HARNESS, "middleware", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=120,
    )


def spawn(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HARNESS, "middleware", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=_env(),
    )


def wait_until(cond: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(cond) and cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s")


def test_status_prints_json_per_stream_and_device(engine: Engine, db_url: str) -> None:
    ing = Ingestor(engine)
    evs = [make_event(s, kind=EventType.RESTOCK, qty=10) for s in range(1, 6)]
    ing.ingest([inbound(*evs[:3]), inbound(evs[2]), inbound(evs[4])])
    status = Inbound(Topics().status("pk-0001"), b'{"v":1,"state":"online","ts":"x"}')
    telemetry = Inbound(Topics().telemetry("pk-0001"), b'{"v":1,"queue":{"count":3}}')
    ing.ingest([status, telemetry, Inbound(Topics().events("pk-0001"), b"junk")])
    ing.ingest([inbound(make_event(1, device="pk-0002"))])

    result = cli("status", "--db", db_url)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    first = doc["streams"][0]
    assert first == {
        "deviceId": "pk-0001",
        "epoch": 1,
        "highWaterMark": 3,
        "eventsStored": 4,
        "duplicatesDropped": 1,
        "conflicts": 0,
        "gapsRequested": 1,
        "openGap": [4, 4],
        "beyondWindowDropped": 0,
        "malformed": 0,  # "junk" names no epoch, so only the device counts it
        "openDiscrepancies": 0,
        "lastEventAt": first["lastEventAt"],
        "online": True,
        "lastSeen": first["lastSeen"],
        "queueDepth": 3,
    }
    assert first["lastSeen"].endswith("Z")
    assert [d["malformed"] for d in doc["devices"]] == [1, 0]

    only = json.loads(cli("status", "--db", db_url, "--device", "pk-0002").stdout)
    assert [s["deviceId"] for s in only["streams"]] == ["pk-0002"]
    assert only["streams"][0]["online"] is None


@pytest.fixture
def not_migrated(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_database(url).dispose()  # creates the file, no tables
    return url


def _errors(tmp_path: Path, empty_url: str) -> dict[str, tuple[list[str], str]]:
    a_file = tmp_path / "file"
    a_file.write_text("")
    good_db = f"sqlite:///{tmp_path / 'mw.db'}"
    return {
        "bad db url": (["status", "--db", "nonsense://x"], "bad database URL"),
        "unsupported db": (["status", "--db", "mysql://u@h/db"], "bad database URL"),
        "missing sqlite file": (
            ["status", "--db", f"sqlite:///{tmp_path / 'none.db'}"],
            "no middleware database",
        ),
        "not migrated": (["status", "--db", empty_url], "not a middleware database"),
        "unreachable postgres": (
            ["status", "--db", f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"],
            "cannot open database",
        ),
        "bad device id": (["status", "--db", good_db, "--device", "no spaces"], "bad device id"),
        "malformed broker url": (
            ["serve", "--broker", "http://[::1", "--db", good_db],
            "bad broker URL",
        ),
        "unwritable db path": (
            ["serve", "--broker", "mqtt://127.0.0.1:1", "--db", f"sqlite:///{a_file}/x.db"],
            "does not exist",
        ),
        "bad instance": (
            ["serve", "--broker", "mqtt://127.0.0.1:1", "--db", good_db, "--instance", "a b"],
            "bad instance id",
        ),
        "bad prefix": (
            ["serve", "--broker", "mqtt://127.0.0.1:1", "--db", good_db, "--prefix", "pk/#"],
            "bad topic prefix",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "bad db url",
        "unsupported db",
        "missing sqlite file",
        "not migrated",
        "unreachable postgres",
        "bad device id",
        "malformed broker url",
        "unwritable db path",
        "bad instance",
        "bad prefix",
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, not_migrated: str, case: str) -> None:
    args, expected = _errors(tmp_path, not_migrated)[case]
    result = cli(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("perfume-kiosk: error: ")
    assert expected in lines[0]


def test_serve_ingests_and_stops_cleanly_on_sigterm(tmp_path: Path, broker: Broker) -> None:
    proc = spawn("serve", "--broker", broker.url, "--instance", "t1", cwd=tmp_path)
    dev = TestDevice(broker.port)
    try:
        # Default --db: ./middleware.db in the working directory. Publish until acked (the
        # service may still be starting: a real device would replay just the same).
        def acked() -> bool:
            if dev.acked < 3:
                dev.send(1, 2, 3)
                time.sleep(0.3)
            return dev.acked == 3

        wait_until(acked)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        dev.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    doc = json.loads(cli("status", cwd=tmp_path).stdout)
    assert doc["streams"][0]["highWaterMark"] == 3


def test_serve_keeps_retrying_an_unreachable_broker(tmp_path: Path) -> None:
    db = tmp_path / "mw.db"
    url = f"mqtt://127.0.0.1:{free_port()}"
    proc = spawn("serve", "--broker", url, "--db", f"sqlite:///{db}", cwd=tmp_path)
    try:
        wait_until(lambda: cli("status", "--db", f"sqlite:///{db}").returncode == 0)
        time.sleep(1.0)  # several connection attempts later it is still running
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert err.count("broker unavailable") == 1  # logged going down once, not per retry
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_status_lines_say_ready_then_each_connection_change(tmp_path: Path, broker: Broker) -> None:
    """``--status-lines``, for a supervising process: the gateway's URL once it listens (on
    the free port it took), the middleware's "ready" at its first connect, then one line per
    change as its broker goes and comes back."""
    gateway = spawn("sandbox-gateway", "--port", "0", "--status-lines", cwd=tmp_path)
    db = f"sqlite:///{tmp_path / 'mw.db'}"
    serve = spawn("serve", "--broker", broker.url, "--db", db, "--status-lines", cwd=tmp_path)
    try:
        assert gateway.stdout is not None and serve.stdout is not None
        ready = json.loads(gateway.stdout.readline())
        assert ready["gateway"] == "ready" and ready["url"].startswith("http://127.0.0.1:")
        assert not ready["url"].endswith(":0")
        assert json.loads(serve.stdout.readline()) == {"middleware": "ready", "broker": broker.url}
        broker.stop()
        assert json.loads(serve.stdout.readline()) == {"middleware": "disconnected"}
        broker.start()
        assert json.loads(serve.stdout.readline()) == {"middleware": "connected"}
        for proc in (serve, gateway):
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
    finally:
        for proc in (serve, gateway):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def test_migrations_run_on_an_existing_database_are_a_no_op(db_url: str) -> None:
    for _ in range(2):
        eng = open_database(db_url)
        migrate(eng)
        eng.dispose()
    assert cli("status", "--db", db_url).returncode == 0
