"""Benchmark: durable sale commits per second through ``Ledger.record`` vs raw ``sqlite3``.

Both sides commit one SALE of a stocked SKU per transaction: the event row (with its canonical
wire JSON and SHA-256 hash), the on-hand counter update guarded against going negative, and the
outbox row; WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``, on a real file in a temp dir.

- **ledger**: ``Ledger.record(EventDraft(SALE, ...), new_sale=True)``, exactly what the kiosk
  calls (the SQLAlchemy transaction with fixed SQL on its DBAPI connection, ``Event``
  dataclass, validation, cap bookkeeping).
- **raw**: the least a correct hand-written program must do for the same bytes on disk: build
  the body dict, canonical JSON, SHA-256, the wire JSON with the hash, then the three
  statements with the stdlib ``sqlite3`` module, on a database whose schema was made by
  ``Ledger.open`` (same tables, indexes and pragmas).
- **floor** (reference, not in the ratio): the raw statements with a pre-built wire text, no
  JSON or hashing: what the disk and SQLite alone allow.

Rounds are interleaved (ledger/raw/floor, order rotated every round) to cancel machine noise;
the figures are medians over rounds and the headline ratio is the median of the per-round
ledger/raw ratios. Target: ledger >= 0.7 x raw. Prints human-readable lines, then one JSON line.
Exit code 0 whether or not the target is met.

Run: ``.venv/bin/python bench/ledger_commit.py [--quick]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _support import emit, install_signal_cleanup, machine, median, spread

from sync.ledger import LEDGER_FILE, EventDraft, Ledger, OutboxLimits
from sync.protocol import EventType, Unit, parse_event

TARGET = 0.7
DEVICE_ID = "pk-bench-0001"
SKU = "NOIR-SPRAY"
QTY = 210  # microlitres per sale (3 doses of 70 ul)
AMOUNT = 1250
CURRENCY = "EUR"
STOCK = 10**15
NO_CAP = OutboxLimits(max_count=10**12, max_bytes=10**15)

_UPDATE = "UPDATE on_hand SET qty = qty - ?, last_seq = ? WHERE sku = ? AND qty - ? >= 0"
_INSERT_EVENT = (
    "INSERT INTO events (seq, type, ts, sku, qty, unit, amount_minor, currency, txn_id, hash,"
    " wire) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_OUTBOX = "INSERT INTO outbox (seq, bytes, enqueued_at) VALUES (?, ?, ?)"


def _canonical(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


class RawLedger:
    """The same three writes with the stdlib driver and no layer in between."""

    def __init__(self, path: Path, *, build_json: bool) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.device_id, self.epoch = self.conn.execute(
            "SELECT device_id, epoch FROM ledger_meta"
        ).fetchone()
        self.last_seq = int(
            self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        )
        self.build_json = build_json
        self._fixed_wire, self._fixed_hash = "", ""

    def close(self) -> None:
        self.conn.close()

    def sale(self, txn_id: str) -> str:
        seq = self.last_seq + 1
        ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        if self.build_json or not self._fixed_wire:
            body: dict[str, Any] = {
                "deviceId": self.device_id,
                "epoch": self.epoch,
                "seq": seq,
                "type": "SALE",
                "ts": ts,
                "sku": SKU,
                "qty": QTY,
                "unit": "ul",
                "amountMinor": AMOUNT,
                "currency": CURRENCY,
                "txnId": txn_id,
                "data": {"doses": 3},
            }
            digest = hashlib.sha256(_canonical(body).encode()).hexdigest()
            body["hash"] = digest
            wire = _canonical(body)
            if not self.build_json:
                self._fixed_wire, self._fixed_hash = wire, digest
        else:
            wire, digest = self._fixed_wire, self._fixed_hash
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute(_UPDATE, (QTY, seq, SKU, QTY)).rowcount != 1:
                raise RuntimeError("insufficient stock")
            conn.execute(
                _INSERT_EVENT,
                (seq, "SALE", ts, SKU, QTY, "ul", AMOUNT, CURRENCY, txn_id, digest, wire),
            )
            conn.execute(_INSERT_OUTBOX, (seq, len(wire.encode()), time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.last_seq = seq
        return wire


def _sale_draft(txn_id: str) -> EventDraft:
    return EventDraft(
        EventType.SALE,
        sku=SKU,
        qty=QTY,
        unit=Unit.MICROLITRE,
        amount_minor=AMOUNT,
        currency=CURRENCY,
        txn_id=txn_id,
        data={"doses": 3},
    )


def _stocked_ledger(data_dir: Path) -> Ledger:
    ledger = Ledger.open(data_dir, DEVICE_ID, NO_CAP)
    ledger.record(EventDraft(EventType.RESTOCK, sku=SKU, qty=STOCK, unit=Unit.MICROLITRE))
    return ledger


def _timed(commit: Callable[[str], object], n: int, tag: str) -> float:
    """Commit ``n`` sales; return commits per second."""
    start = time.perf_counter()
    for i in range(n):
        commit(f"t-{tag}-{i}")
    return n / (time.perf_counter() - start)


def run(rounds: int, per_round: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pk-bench-ledger-") as tmp:
        root = Path(tmp)
        ledger = _stocked_ledger(root / "ledger")
        # The raw sides get a schema made by Ledger.open itself, then talk plain sqlite3.
        for name in ("raw", "floor"):
            _stocked_ledger(root / name).close()
        raw = RawLedger(root / "raw" / LEDGER_FILE, build_json=True)
        floor = RawLedger(root / "floor" / LEDGER_FILE, build_json=False)
        try:
            # Same bytes: the raw wire text is a valid event with a correct hash, with the same
            # fields and length as ours (the timestamps differ, their format does not).
            raw_wire = raw.sale("t-check")
            event, claimed = parse_event(json.loads(raw_wire))
            ours = ledger.record(_sale_draft("t-check")).to_wire()
            assert claimed == event.hash and json.loads(ours).keys() == json.loads(raw_wire).keys()
            assert len(ours) == len(raw_wire), (ours, raw_wire)

            def ledger_sale(txn: str) -> object:
                return ledger.record(_sale_draft(txn), new_sale=True)

            sides: dict[str, Callable[[str], object]] = {
                "ledger": ledger_sale,
                "raw": raw.sale,
                "floor": floor.sale,
            }
            for name, commit in sides.items():  # warm-up: caches, page allocation, JIT-free
                _timed(commit, max(50, per_round // 5), f"warm-{name}")
            rates: dict[str, list[float]] = {name: [] for name in sides}
            ratios: list[float] = []
            order = list(sides)
            for r in range(rounds):
                rotated = order[r % 3 :] + order[: r % 3]
                if r % 2:
                    rotated.reverse()
                for name in rotated:
                    rates[name].append(_timed(sides[name], per_round, f"{r}-{name}"))
                ratios.append(rates["ledger"][-1] / rates["raw"][-1])
                print(
                    f"round {r + 1:2d}/{rounds}: ledger {rates['ledger'][-1]:7,.0f}/s"
                    f"  raw {rates['raw'][-1]:7,.0f}/s  floor {rates['floor'][-1]:7,.0f}/s"
                    f"  ratio {ratios[-1]:.3f}",
                    flush=True,
                )
            integrity = ledger.integrity_check()
        finally:
            ledger.close()
            raw.close()
            floor.close()
    ratio = median(ratios)
    ledger_med, raw_med, floor_med = (median(rates[k]) for k in ("ledger", "raw", "floor"))
    print()
    print(
        f"ledger.record   median {ledger_med:8,.0f} commits/s  (rounds {spread(rates['ledger'])})"
    )
    print(f"raw sqlite3     median {raw_med:8,.0f} commits/s  (rounds {spread(rates['raw'])})")
    print(f"floor (no JSON) median {floor_med:8,.0f} commits/s  (rounds {spread(rates['floor'])})")
    print(
        f"ratio ledger/raw: median of per-round ratios {ratio:.3f}"
        f" (ratio of medians {ledger_med / raw_med:.3f}); target >= {TARGET}"
    )
    print(
        f"per commit: ledger {1e6 / ledger_med:.0f} us, raw {1e6 / raw_med:.0f} us,"
        f" floor {1e6 / floor_med:.0f} us; integrity_check={integrity}"
    )
    return {
        "benchmark": "ledger_commit",
        "rounds": rounds,
        "commits_per_round": per_round,
        "ledger_commits_per_s": round(ledger_med, 1),
        "raw_commits_per_s": round(raw_med, 1),
        "floor_commits_per_s": round(floor_med, 1),
        "ratio": round(ratio, 3),
        "ratio_of_medians": round(ledger_med / raw_med, 3),
        "ratio_rounds_min": round(min(ratios), 3),
        "ratio_rounds_max": round(max(ratios), 3),
        "target": TARGET,
        "pass": ratio >= TARGET,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds of 300 commits")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--per-round", type=int, default=None)
    args = parser.parse_args()
    install_signal_cleanup()
    rounds = args.rounds or (5 if args.quick else 15)
    per_round = args.per_round or (300 if args.quick else 1000)
    print(
        f"ledger_commit: {rounds} interleaved rounds of {per_round} durable SALE commits per side"
        " (WAL, synchronous=FULL, BEGIN IMMEDIATE)",
        flush=True,
    )
    emit(run(rounds, per_round))


if __name__ == "__main__":
    main()
