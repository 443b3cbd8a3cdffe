"""kill -9 at every journal step: a real ``device simulate --shoppers`` process (the real
purchase flow, the real drivers over TCP to simulators that outlive it, the real ledger, sync
engine and settlement) is killed at the crash points after each journal step and after the
board acted, and at random instants, then restarted on the same data dir.

Afterwards: no dispenser command ran twice, no transaction dispensed twice, no capture without
a recorded successful dispense, every sale the board delivered is one SALE, every transaction
is closed (captured, voided, refunded, declined, cancelled, manual review, points released or
redemption refused), and the reader's own money matches. A share of the shoppers are loyalty
members paying part or all of the price with points: every points hold ends final exactly when
its purchase was dispensed (released or refused otherwise), none stays held, and each member's
balance at the middleware is what the ledger's accruals and SALEs say."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from hardware.dispenser import simulator as dispenser_sim
from hardware.dispenser.messages import CommandKind
from hardware.dispenser.sim_state import Record
from hardware.mdb import simulator as mdb_sim
from hardware.mdb.simulator import SaleOutcome
from hardware.terminal import simulator as terminal_sim
from kiosk.purchase.journal import Mode, Step, fold
from kiosk.shoppers import SIM_MEMBERS
from sync.ledger import Ledger
from sync.middleware.loyalty_rpc import LoyaltyBook
from sync.middleware.payments.sandbox import SandboxGateway
from sync.protocol import EventType
from tests.support.broker import Broker
from tests.sync.e2e import running_middleware

SHOPPERS = 150
MIN_KILLS = 25
MAX_RUNS = 60
# Two runs in three aim at one crash point (the process dies the first time it passes it);
# the third dies at a random external instant. So every journal step is hit for sure.
POINTS = {
    "mdb": [
        "after_step:redeeming",
        "after_step:payment_started",
        "after_step:authorized",
        "after_step:dispense_started",
        "after_dispense",
        "after_step:dispense_succeeded",
        "after_step:dispense_failed",
        "after_step:captured",
        "after_step:voided",
        "after_commit",
    ],
    "terminal": [
        "after_step:redeeming",
        "after_step:redeemed",
        "after_step:payment_started",
        "after_step:authorizing",
        "after_step:authorized",
        "after_step:dispense_started",
        "after_dispense",
        "after_step:dispense_succeeded",
        "after_step:capture_requested",
        "after_step:captured",
        "after_step:dispense_failed",
        "after_step:void_requested",
        "after_commit",
    ],
}
FINAL = {"captured", "voided", "reader_refunded", "declined", "cancelled", "manual_review"}
FINAL |= {"points_released", "redeem_refused"}
SEED = {"sim-ada": 1_000_000, "sim-bo": 300}  # sim-cy starts with nothing: refusals


def _spawn(
    procs: list[subprocess.Popen[bytes]],
    data: Path,
    broker: Broker,
    hw: Path,
    crash: str,
    catalog: Path,
    seed: int,
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("PK_CRASH_POINTS", None)
    if crash:
        env["PK_CRASH_POINTS"] = crash
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "--log-level",
            "WARNING",
            "device",
            "simulate",
            "--device-id",
            "pk-kj",
            "--data-dir",
            str(data),
            "--broker",
            broker.url,
            "--sales",
            "0",
            "--shoppers",
            str(SHOPPERS),
            "--rate",
            "0",
            "--ack-timeout",
            "1",
            "--hardware-config",
            str(hw),
            "--catalog",
            str(catalog),
            "--members",
            "0.3",
            "--seed",  # each run its own shoppers (a restart would replay the same ones)
            str(seed),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    procs.append(proc)
    return proc


# Points only a failed dispense reaches: while a run aims at one, every channel and slot jams,
# so the first card sale fails (a few random jams can leave a whole run without one).
FAILURE_POINTS = {
    "after_step:dispense_failed",
    "after_step:voided",
    "after_step:void_requested",
}


async def _disturb(
    board: dispenser_sim.DispenserSimulator, rng: random.Random, aim: dict[str, str]
) -> None:
    """Every second or so, a few channels and slots jam and answers get lost (query path)."""
    while True:
        board.model.clear_faults()
        if aim["target"] in FAILURE_POINTS:
            for channel in range(16):
                board.inject_fault(f"jam:{channel}")
            for slot in range(30):
                board.inject_fault(f"jam_slot:{slot}")
        for _ in range(4):
            board.inject_fault(
                rng.choice(
                    [
                        f"jam:{rng.randrange(16)}",
                        f"jam_slot:{rng.randrange(30)}",
                        "drop_result:1",
                        "drop:1",
                    ]
                )
            )
        await asyncio.sleep(rng.uniform(0.5, 1.5))


def _delivered(record: Record) -> bool:
    wanted = record.params[1] if record.kind == CommandKind.SPRAY else 1
    return record.doses_done >= wanted


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("reader", ["mdb", "terminal"])
async def test_kill9_at_every_journal_step(
    broker: Broker, tmp_path: Path, reader: str, child_processes: list[subprocess.Popen[bytes]]
) -> None:
    rng = random.Random(11)
    board = dispenser_sim.create_simulator(
        channels=16, slots=30, ml=5000, bottles=1000, dose_seconds=0.01, drop_seconds=0.02
    )
    reader_server = (
        mdb_sim.create_simulator() if reader == "mdb" else terminal_sim.create_simulator()
    )
    board_url, reader_url = await board.start_tcp(), await reader_server.start_tcp()
    hw = tmp_path / "hardware.toml"
    hw.write_text(
        f'[hardware]\n[[hardware.card_readers]]\nkind = "{reader}"\nurl = "{reader_url}"\n'
        f'[hardware.dispenser]\nurl = "{board_url}"\n'
    )
    catalog = tmp_path / "catalog.json"
    doc = json.loads((Path(__file__).parents[3] / "assets/catalog/demo.json").read_text())
    doc["loyalty"]["pointValueMinor"] = 1  # points can pay (part of) a purchase
    doc["loyalty"]["maxRedeemShareBp"] = 10_000  # ... or all of it (the demo allows half)
    catalog.write_text(json.dumps(doc))
    gateway = SandboxGateway().start()
    data = tmp_path / "device"
    kills: Counter[str] = Counter()
    aim = {"target": ""}
    disturber = asyncio.create_task(_disturb(board, rng, aim))
    try:
        async with running_middleware(
            f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=gateway.url
        ) as (_service, mw_engine):
            book = LoyaltyBook(mw_engine)
            for member, seed in SEED.items():
                book.adjust(member, seed, reason="kill9 seed", operator_id="test")
            points = POINTS[reader]
            for run in range(MAX_RUNS):
                missing = [p for p in points if not kills[p]]
                if not missing and sum(kills.values()) >= MIN_KILLS:
                    break
                target = "" if run % 3 == 2 else (missing or points)[run % len(missing or points)]
                aim["target"] = target
                proc = _spawn(
                    child_processes,
                    data,
                    broker,
                    hw,
                    crash=f"{target}=1" if target else "",
                    catalog=catalog,
                    seed=run,
                )
                try:
                    # an aimed run dies at its point within a few purchases; the others die
                    # at a random instant (start-up and recovery included)
                    deadline = 15.0 if target else rng.uniform(1.5, 4.0)
                    await asyncio.to_thread(proc.wait, deadline)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    kills["external"] += 1
                _out, err = await asyncio.to_thread(proc.communicate)
                text = err.decode(errors="replace")
                assert "Traceback" not in text, text[-3000:]
                kills.update(
                    line.split()[2].rstrip(":")
                    for line in text.splitlines()
                    if line.startswith("crash point ")
                )
                # exit 0: the run served all its shoppers without dying; the next one brings
                # new shoppers (its own seed), until every point is hit and enough kills counted
            disturber.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await disturber
            board.model.clear_faults()  # the last run finishes on a working machine
            final = _spawn(
                child_processes, data, broker, hw, crash="", catalog=catalog, seed=MAX_RUNS
            )
            out, err = await asyncio.to_thread(final.communicate, None, 240)
            assert final.returncode == 0, err.decode(errors="replace")[-3000:]
            holds = {h["txn_id"]: h["state"] for h in book.holds()}
            balances = {m: book.balance(m).balance for m in SIM_MEMBERS}
    finally:
        disturber.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await disturber
        gateway.close()
        await board.close()
        await reader_server.close()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    print(f"kills: {dict(kills)}; outcomes: {summary['outcomes']}")
    assert summary["in_flight"] == 0
    assert summary["pendingCount"] == 0

    executions = board.model.memory.executions
    assert executions, "nothing was dispensed"
    assert max(executions.values()) == 1, "a dispenser command ran twice"

    ledger = Ledger.open(data, None)
    try:
        assert ledger.integrity_check() == "ok"
        wire = [json.loads(w) for _s, w in ledger.events_between(1, ledger.last_seq)]
        txns = {e["txnId"] for e in wire}
        txns.discard(None)
        held_for = 0
        sales = ledger.count_events(EventType.SALE)
        captured = by_card = 0
        for txn in sorted(t for t in txns if ".r" not in t):
            view = fold(txn, ledger.transaction_events(txn))
            assert view.last is not None and view.last.value in FINAL, (txn, view.steps)
            assert view.steps.count(Step.DISPENSE_STARTED) <= 1, f"{txn} dispensed twice"
            if view.last is Step.CAPTURED:
                captured += 1
                by_card += view.mode is not Mode.POINTS  # points only: no card was charged
                assert view.dispense_ok is True, f"{txn} captured without a dispense"
            if view.dispense_ok is True:
                assert view.last in (Step.CAPTURED, Step.MANUAL_REVIEW), (txn, view.steps)
            if view.has(Step.REDEEMING):  # points were (maybe) held: final iff dispensed
                held_for += 1
                wanted = {"final"} if view.dispense_ok else {"released", "refused"}
                assert holds.get(txn) in wanted, (txn, holds.get(txn), view.steps)
    finally:
        ledger.close()
    delivered = sum(1 for r in board.model.memory.history.values() if _delivered(r))
    assert sales == delivered, f"{sales} SALE events for {delivered} deliveries"
    assert captured >= 1
    assert held_for >= 1 and "held" not in holds.values(), holds
    earned, spent = Counter[str](), Counter[str]()
    for event in wire:
        body = event["data"]
        if event["type"] == "LOYALTY" and body.get("kind") == "accrual":
            earned[body["member_id"]] += body["points"]
        if event["type"] == "SALE" and body.get("points_redeemed"):
            spent[body["member_id"]] += body["points_redeemed"]
    assert sum(spent.values()) > 0, "no purchase spent points"
    for member in SIM_MEMBERS:
        expected = SEED.get(member, 0) + earned[member] - spent[member]
        assert balances[member] == expected, (member, balances, dict(earned), dict(spent))
    if reader == "mdb":
        charged = [
            s
            for s in reader_server.model.reader().sales
            if s.outcome in (SaleOutcome.SUCCESS, SaleOutcome.RESET_AS_SUCCESS)
        ]
        assert len(charged) >= by_card
    assert sum(kills.values()) >= MIN_KILLS, dict(kills)
    for point in POINTS[reader]:
        assert kills[point] >= 1, f"never killed at {point}: {dict(kills)}"
