"""kill -9 harness: a real ``perfume-kiosk device simulate`` process sells and publishes while
it is killed at random instants and at the dangerous crash points (after a commit before its
publish, after a publish before its ack, after an ack before its commit), then restarted on
the same data dir. Afterwards the middleware holds every event exactly once, the ledger passes
``PRAGMA integrity_check`` and on-hand equals the fold of the events (on both ends)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sync.ledger import Ledger
from sync.protocol import EventType, stock_delta
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.e2e import conflicts, projection, running_middleware, stored

DEVICE = "pk-k9"
SALES = 3000
MIN_KILLS = 50
MAX_RUNS = 120
POINTS = ("after_commit", "after_publish", "before_ack_commit")
CLI = [sys.executable, "-m", "kiosk.cli"]


def _spawn(
    procs: list[subprocess.Popen[bytes]], data: Path, broker: Broker, crash: str
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("PK_CRASH_POINTS", None)
    if crash:
        env["PK_CRASH_POINTS"] = crash
    proc = subprocess.Popen(
        [
            *CLI,
            "--log-level",
            "WARNING",
            "device",
            "simulate",
            "--device-id",
            DEVICE,
            "--data-dir",
            str(data),
            "--broker",
            broker.url,
            "--sales",
            str(SALES),
            "--rate",
            "100",
            "--ack-timeout",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    procs.append(proc)
    return proc


@pytest.mark.slow
async def test_kill9_at_random_points_loses_and_doubles_nothing(
    broker: Broker, tmp_path: Path, child_processes: list[subprocess.Popen[bytes]]
) -> None:
    rng = random.Random(int(os.environ.get("PK_KILL_SEED", "9")))
    data = tmp_path / "device"
    kills: Counter[str] = Counter()
    async with running_middleware(f"sqlite:///{tmp_path / 'mw.db'}", broker.url) as (_s, mw):
        # Every third run dies only at a random external instant; the others aim at one of the
        # dangerous points, so each is hit for sure, not by luck.
        aimed = itertools.cycle(POINTS)
        for run in range(MAX_RUNS):
            if sum(kills.values()) >= MIN_KILLS and all(kills[p] for p in POINTS):
                break
            target = "" if run % 3 == 2 else next(aimed)
            proc = _spawn(child_processes, data, broker, f"{target}=0.2" if target else "")
            try:
                await asyncio.to_thread(proc.wait, rng.uniform(0.5, 3.0))
            except subprocess.TimeoutExpired:
                proc.kill()
                kills["external"] += 1
            _out, err = await asyncio.to_thread(proc.communicate)
            for line in err.decode(errors="replace").splitlines():
                if line.startswith("crash point "):
                    kills[line.split()[2].rstrip(":")] += 1
            assert b"Traceback" not in err, err.decode(errors="replace")[-3000:]
            if proc.returncode == 0:
                break  # nothing left to interrupt; too few kills then fails the test below
        final = _spawn(child_processes, data, broker, "")
        # never block the loop: the middleware under test runs on it
        out, err = await asyncio.to_thread(final.communicate, None, 240)
        assert final.returncode == 0, err.decode(errors="replace")[-3000:]
        summary = json.loads(out.decode().strip().splitlines()[-1])
        assert summary["sold"] == SALES
        assert summary["pendingCount"] == 0

        ledger = Ledger.open(data, None)
        try:
            assert ledger.integrity_check() == "ok"
            last = ledger.last_seq
            assert ledger.count_events(EventType.SALE) == SALES
            folded: dict[str, int] = {}
            for _seq, wire in ledger.events_between(1, last):
                body = json.loads(wire)
                if body["sku"]:
                    folded[body["sku"]] = folded.get(body["sku"], 0) + stock_delta(
                        EventType(body["type"]), body["qty"]
                    )
            on_hand = ledger.status().on_hand
            assert folded == on_hand
        finally:
            ledger.close()
        await until(lambda: stored(mw, DEVICE)[0] == last, what="middleware caught up")
        hwm, count, seqs = stored(mw, DEVICE)
        assert hwm == count == last
        assert seqs == list(range(1, last + 1))
        assert conflicts(mw) == 0
        assert projection(mw, DEVICE) == on_hand
    print(f"kills: {dict(kills)}")
    assert sum(kills.values()) >= MIN_KILLS
    for point in POINTS:
        assert kills[point] >= 1, f"no kill at {point}: {dict(kills)}"
