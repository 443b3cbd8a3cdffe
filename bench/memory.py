"""Benchmark: resident memory over 1,000 purchases through the kiosk's screens.

One process, one qasync loop, as ``perfume-kiosk run --demo`` runs it: Mosquitto, the sandbox
gateway and the reference middleware, ``KioskRuntime`` on fast simulators (tokenizing
terminal, dispenser board) and the real ``KioskWindow`` shown at 1080 x 1920 on the offscreen
platform. A shopper buys through the real ``ShopperJourney`` (touch, product, offer, skip the
loyalty scan, pay with the simulated card, dispense, done, home), the window repainting after
every step; sprays in catalog order, every fourth purchase a bottle.

RSS (``/proc/self/statm``) is sampled after a ``gc.collect()`` at the start and every
``--sample-every`` purchases (100). Target (issue #5): growth over the last half of the run
(RSS after 1,000 minus RSS after 500) under 5 MB. The slope of a least-squares line through
the samples of that half is reported too (KB per purchase), as is everything the process
holds at the end (ledger events, the middleware's rows). Memory is not timing: the target is
an absolute figure, not a ratio. ``--tracemalloc`` (diagnosis) compares Python allocations at
the start and the end of the last half and prints the lines that grew most.

Prints human-readable lines, then one JSON line; exit code 0 whether or not the target is met.

Run: ``.venv/bin/python bench/memory.py [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import qasync
from _kiosk import (
    Services,
    buy,
    offers,
    outcome,
    running_kiosk,
)
from _measure import (
    peak_rss_mb,
    route_qt_messages,
    rss_mb,
)
from _support import emit, install_signal_cleanup, machine, mosquitto_binary

from kiosk.app import make_application
from sync.protocol import EventType

TARGET_MB = 5.0


def slope_kb(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of (purchases, MB) in KB per purchase."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return 1000.0 * sum((x - mx) * (y - my) for x, y in points) / den if den else float("nan")


def sample() -> float:
    gc.collect()
    return rss_mb()


async def run(app: Any, args: argparse.Namespace) -> dict[str, Any]:
    purchases, every = args.purchases, args.sample_every
    half = purchases // 2
    samples: list[tuple[int, float]] = []
    states: dict[str, int] = {}
    snapshot: tracemalloc.Snapshot | None = None
    growth: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pk-bench-memory-") as tmp:
        root = Path(tmp)
        services = Services(root)
        try:
            await services.start()
            async with running_kiosk(app, root, services.broker_url, record_frames=False) as kiosk:
                engine = kiosk.runtime.machine.engine if kiosk.runtime.machine else None
                assert engine is not None
                await asyncio.sleep(0.5)  # the device connects (backoff 0.2..0.5 s)
                pick = offers(kiosk.catalog)
                began = time.monotonic()
                samples.append((0, sample()))
                print(f"purchases    0: RSS {samples[-1][1]:7.1f} MB", flush=True)
                for i in range(purchases):
                    if args.tracemalloc and i == half:
                        tracemalloc.start(10)
                        gc.collect()
                        snapshot = tracemalloc.take_snapshot()
                    product_id, sku = pick(i)
                    result = await buy(kiosk, product_id, sku)
                    key = outcome(result)
                    states[key] = states.get(key, 0) + 1
                    if (i + 1) % every == 0 or i + 1 == purchases:
                        samples.append((i + 1, sample()))
                        print(
                            f"purchases {i + 1:4d}: RSS {samples[-1][1]:7.1f} MB"
                            f"  ({(time.monotonic() - began) / (i + 1):.2f} s per purchase)",
                            flush=True,
                        )
                seconds = time.monotonic() - began
                if snapshot is not None:
                    gc.collect()
                    stats = tracemalloc.take_snapshot().compare_to(snapshot, "lineno")
                    growth = [str(s) for s in stats[:15]]
                    tracemalloc.stop()
                await engine.wait_until_synced()
                sales = await engine.call_ledger(engine.ledger.count_events, EventType.SALE)
                last_seq = engine.last_seq
                errors = kiosk.ui.guard.errors
                frame_timeouts = kiosk.frames.timeouts
        finally:
            await services.close()
    at_half = min(samples, key=lambda p: abs(p[0] - half))
    end = samples[-1]
    grown = end[1] - at_half[1]
    last_half = [p for p in samples if p[0] >= at_half[0]]
    first_half = [p for p in samples if p[0] <= at_half[0]]
    completed = states.get("completed", 0)
    print()
    for line in growth:
        print(f"  tracemalloc: {line}")
    print(
        f"RSS: start {samples[0][1]:.1f} MB, after {at_half[0]} purchases {at_half[1]:.1f} MB,"
        f" after {end[0]} {end[1]:.1f} MB; growth over the last {end[0] - at_half[0]}:"
        f" {grown:+.2f} MB (target < {TARGET_MB:g} MB); slope {slope_kb(last_half):+.2f} KB"
        f" per purchase (first half {slope_kb(first_half):+.2f}); peak {peak_rss_mb():.1f} MB"
    )
    print(
        f"{purchases} purchases in {seconds:.0f} s ({seconds / purchases:.2f} s each):"
        f" {states}; ledger SALE events {sales}, last seq {last_seq}; errors {errors}"
    )
    return {
        "benchmark": "memory",
        "purchases": purchases,
        "sample_every": every,
        "rss_mb": [[n, round(mb, 2)] for n, mb in samples],
        "rss_start_mb": round(samples[0][1], 2),
        "rss_half_mb": round(at_half[1], 2),
        "rss_end_mb": round(end[1], 2),
        "growth_last_half_mb": round(grown, 2),
        "growth_first_half_mb": round(at_half[1] - samples[0][1], 2),
        "slope_last_half_kb_per_purchase": round(slope_kb(last_half), 3),
        "slope_first_half_kb_per_purchase": round(slope_kb(first_half), 3),
        "peak_rss_mb": round(peak_rss_mb(), 2),
        "seconds_per_purchase": round(seconds / purchases, 3),
        "purchase_states": states,
        "completed": completed,
        "ledger_sales": sales,
        "last_seq": last_seq,
        "errors": errors,
        "frame_timeouts": frame_timeouts,
        "tracemalloc_top": growth,
        "target_mb": TARGET_MB,
        # The verdict is memory's; it counts only if the run did what it says (nearly every
        # purchase completed: a few may end otherwise, e.g. a declined card; see the states).
        "pass": grown < TARGET_MB and completed >= 0.95 * purchases and errors == 0,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="100 purchases, sampled every 25")
    parser.add_argument("--purchases", type=int, default=None, help="default 1,000")
    parser.add_argument("--sample-every", type=int, default=None, help="default 100")
    parser.add_argument("--tracemalloc", action="store_true", help="diagnosis (slower)")
    parser.add_argument("--verbose", action="store_true", help="show warnings from the kiosk")
    args = parser.parse_args()
    install_signal_cleanup()
    logging.basicConfig(
        level=logging.WARNING if args.verbose else logging.CRITICAL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    mosquitto_binary()
    args.purchases = args.purchases or (100 if args.quick else 1000)
    args.sample_every = args.sample_every or (25 if args.quick else 100)
    print(
        f"memory: {args.purchases} purchases through the kiosk's screens, RSS every"
        f" {args.sample_every}",
        flush=True,
    )
    route_qt_messages()
    app = make_application(windowed=True)
    loop = qasync.QEventLoop(app)
    try:
        result = loop.run_until_complete(run(app, args))
    finally:
        loop.close()
    emit(result)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
