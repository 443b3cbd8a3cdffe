"""Benchmark: draining an offline backlog through the real middleware vs raw paho QoS 1.

**ours**: a device (``Ledger`` + ``SyncEngine``, default batching and in-flight window) commits
N sales while its broker is down (10,000; 2,000 with ``--quick``). Then Mosquitto starts, the
real ``MiddlewareService`` (SQLite, WAL, ``synchronous=FULL``) connects and subscribes, and the
device reconnects by its own backoff. Timed from the device's CONNACK to ``wait_until_synced``
returning: every event published, stored and projected by the middleware, acked
(application-level, cumulative) and deleted from the device's outbox.

**raw** (the target's baseline): one paho 2.x client, MQTT 5, ``loop_start``, QoS 1, the same
in-flight window as the engine, publishes N messages to the same broker, each exactly one of
the backlog's event wire texts; timed from the first ``publish`` to the last PUBACK.

**raw-batched** (reference, not in the target): the same client publishing the engine's own
messages (the same events joined into messages of ``batch_max_events``): the transport cost of
the very bytes our engine sends, with nothing stored or acked end to end.

Each round uses a fresh broker, ledger and middleware database; raw and raw-batched run right
after our drain on the same broker, in alternating order. Figures are medians over rounds; the
headline ratio (ours / raw, events per second) is the median of the per-round ratios.
Target: >= 0.5. Prints human-readable lines, then one JSON line; exit code 0 either way.

Run: ``.venv/bin/python bench/backlog_drain.py [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from _support import Broker, broker_in, emit, install_signal_cleanup, machine, median, spread
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import func, select

from sync.engine import ConnectionDidChange, EngineConfig, SyncEngine, SyncEvent
from sync.ledger import EventDraft, Ledger
from sync.middleware import schema
from sync.middleware.db import migrate, open_database
from sync.middleware.service import MiddlewareService, ServiceConfig
from sync.mqtt import BrokerConfig
from sync.protocol import EventType, Unit, encode_event_batch

TARGET = 0.5
DEVICE_ID = "pk-bench-0001"
SKU = "NOIR-SPRAY"
RAW_TOPIC = "bench/raw/events"  # matched by no subscription: the middleware never sees it
DRAIN_TIMEOUT_S = 300.0
ATTEMPTS = 3  # a round is redone if the device beat the middleware's subscription


@dataclass
class Drain:
    events: int
    seconds: float  # device CONNACK -> everything acked
    from_broker_up_s: float  # broker start -> everything acked (includes reconnect backoff)
    commit_per_s: float  # offline commits through SyncEngine.record
    telemetry: dict[str, Any]
    mw_stats: dict[str, int]
    stored: int
    high_water: int
    wires: list[str]
    batch_max: int
    inflight: int
    clean: bool

    @property
    def rate(self) -> float:
        return self.events / self.seconds


class _Watch:
    """Listens to the engine: when the device connected, and each failed connect attempt."""

    def __init__(self) -> None:
        self.connected_at: float | None = None
        self.failed_attempt = asyncio.Event()

    def __call__(self, event: SyncEvent) -> None:
        if not isinstance(event, ConnectionDidChange):
            return
        if event.connected and self.connected_at is None:
            self.connected_at = time.monotonic()
        elif not event.connected and event.reason.startswith("connect failed"):
            self.failed_attempt.set()


async def _until(predicate: Any, timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not predicate():  # noqa: ASYNC110 - the service offers no connect event
                await asyncio.sleep(0.002)
    except TimeoutError:
        raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}") from None


async def drain_once(root: Path, broker: Broker, n: int) -> Drain:
    """Commit ``n`` events with ``broker`` down, start it and the middleware, time the drain.
    The broker is left running (the raw runs use it); the caller stops it."""
    ledger = Ledger.open(root / "device", DEVICE_ID)
    config = EngineConfig(
        broker=BrokerConfig(
            url=broker.url, client_id=DEVICE_ID, backoff_min_s=0.5, backoff_max_s=1.0
        )
    )
    engine = SyncEngine(ledger, config)
    watch = _Watch()
    engine.add_listener(watch)
    service: MiddlewareService | None = None
    db = None
    try:
        await engine.start()
        await engine.record(
            EventDraft(EventType.RESTOCK, sku=SKU, qty=10**12, unit=Unit.MICROLITRE)
        )
        start = time.perf_counter()
        for i in range(n - 1):  # n events in all, the restock included
            await engine.record(
                EventDraft(
                    EventType.SALE,
                    sku=SKU,
                    qty=210,
                    unit=Unit.MICROLITRE,
                    amount_minor=1250,
                    currency="EUR",
                    txn_id=f"t-{i}",
                    data={"doses": 3},
                ),
                new_sale=True,
            )
        commit_rate = (n - 1) / (time.perf_counter() - start)
        assert not engine.connected and engine.last_seq == n
        # Start the broker right after a failed attempt: the device's next one is >= 0.5 s
        # away, time enough for the middleware to connect and subscribe first.
        watch.failed_attempt.clear()
        async with asyncio.timeout(10):
            await watch.failed_attempt.wait()
        broker_up = time.monotonic()
        await asyncio.to_thread(broker.start)
        db = open_database(f"sqlite:///{root / 'middleware.db'}")
        migrate(db)
        service = MiddlewareService(db, ServiceConfig(broker_url=broker.url, instance="bench"))
        await service.start()
        mw = service
        await _until(lambda: mw.connected, 10, "the middleware to connect")
        await asyncio.sleep(0.02)  # its SUBSCRIBE is sent in on_connect; SUBACK is local
        mw_ready = time.monotonic()
        await _until(lambda: watch.connected_at is not None, 30, "the device to reconnect")
        async with asyncio.timeout(DRAIN_TIMEOUT_S):
            await engine.wait_until_synced()
        done = time.monotonic()
        assert watch.connected_at is not None
        report = (await engine.telemetry()).to_json()
        stats = service.stats()
        with db.connect() as conn:
            stored = int(
                conn.execute(select(func.count()).select_from(schema.events)).scalar() or 0
            )
            high = int(conn.execute(select(func.max(schema.streams.c.high_water))).scalar() or 0)
        wires = [w for _, w in await engine.call_ledger(ledger.events_between, 1, n)]
        return Drain(
            events=n,
            seconds=done - watch.connected_at,
            from_broker_up_s=done - broker_up,
            commit_per_s=commit_rate,
            telemetry=report,
            mw_stats={
                "received": stats.received,
                "batches": stats.batches,
                "acks_sent": stats.acks_sent,
                "gaps_sent": stats.gaps_sent,
                "dropped_queue_full": stats.dropped_queue_full,
            },
            stored=stored,
            high_water=high,
            wires=wires,
            batch_max=config.batch_max_events,
            inflight=config.broker.max_inflight,
            clean=watch.connected_at > mw_ready and report["retransmits"] == 0,
        )
    finally:
        await engine.close()
        ledger.close()
        if service is not None:
            await service.close()
        if db is not None:
            db.dispose()


def raw_publish(port: int, payloads: list[bytes], inflight: int, timeout: float) -> float:
    """Publish every payload at QoS 1, pipelined; return seconds from first publish to last
    PUBACK (raises if a PUBACK is missing or failed)."""
    n = len(payloads)
    connected = threading.Event()
    finished = threading.Event()
    acked = [0, 0]  # PUBACKs, failure PUBACKs (only the network thread writes)

    def on_connect(_c: paho.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        if not reason.is_failure:
            connected.set()

    def on_publish(_c: paho.Client, _u: Any, _mid: int, reason: ReasonCode, _p: Any) -> None:
        acked[0] += 1
        acked[1] += int(reason.is_failure)
        if acked[0] == n:
            finished.set()

    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"bench-raw-{time.monotonic_ns()}",
        protocol=paho.MQTTv5,
    )
    client.max_inflight_messages_set(inflight)
    client.max_queued_messages_set(0)  # unlimited: everything is queued up front
    client.on_connect = on_connect
    client.on_publish = on_publish
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    try:
        if not connected.wait(10):
            raise RuntimeError("raw client did not connect")
        start = time.perf_counter()
        for payload in payloads:
            client.publish(RAW_TOPIC, payload, qos=1)
        if not finished.wait(timeout):
            raise RuntimeError(f"raw: {acked[0]} of {n} PUBACKs within {timeout:g} s")
        seconds = time.perf_counter() - start
        if acked[1]:
            raise RuntimeError(f"raw: {acked[1]} failure PUBACKs")
        return seconds
    finally:
        client.disconnect()
        client.loop_stop()


@dataclass
class Round:
    drain: Drain
    raw_s: float
    raw_batched_s: float
    raw_batched_messages: int

    @property
    def raw_rate(self) -> float:
        return self.drain.events / self.raw_s

    @property
    def raw_batched_rate(self) -> float:
        return self.drain.events / self.raw_batched_s


async def one_round(index: int, n: int) -> Round:
    for attempt in range(1, ATTEMPTS + 1):
        with (
            tempfile.TemporaryDirectory(prefix="pk-bench-drain-") as tmp,
            broker_in(Path(tmp) / "broker") as broker,
        ):
            drain = await drain_once(Path(tmp), broker, n)
            if not drain.clean and attempt < ATTEMPTS:
                print(f"  round {index}: device connected before the middleware; redoing")
                continue
            single = [w.encode() for w in drain.wires]
            batched = [
                encode_event_batch(DEVICE_ID, 1, drain.wires[i : i + drain.batch_max])
                for i in range(0, n, drain.batch_max)
            ]
            jobs = {"raw": single, "raw-batched": batched}
            order = list(jobs) if index % 2 else list(jobs)[::-1]
            took: dict[str, float] = {}
            for name in order:
                took[name] = await asyncio.to_thread(
                    raw_publish, broker.port, jobs[name], drain.inflight, DRAIN_TIMEOUT_S
                )
            return Round(drain, took["raw"], took["raw-batched"], len(batched))
    raise AssertionError("unreachable")


def _fmt_ms(summary: dict[str, Any]) -> str:
    return f"p50 {summary.get('p50')} ms, p99 {summary.get('p99')} ms"


async def run(n: int, rounds: int) -> dict[str, Any]:
    results: list[Round] = []
    for r in range(1, rounds + 1):
        rd = await one_round(r, n)
        results.append(rd)
        d = rd.drain
        print(
            f"round {r}/{rounds}: ours {d.rate:8,.0f} ev/s ({d.seconds:.2f} s;"
            f" {d.from_broker_up_s:.2f} s from broker start)"
            f"  raw {rd.raw_rate:8,.0f} ev/s ({rd.raw_s:.2f} s)"
            f"  raw-batched {rd.raw_batched_rate:9,.0f} ev/s ({rd.raw_batched_s:.3f} s)"
            f"  ratio {d.rate / rd.raw_rate:.3f}{'' if d.clean else '  [NOT CLEAN]'}",
            flush=True,
        )
    ours = [x.drain.rate for x in results]
    raw = [x.raw_rate for x in results]
    raw_b = [x.raw_batched_rate for x in results]
    ratios = [x.drain.rate / x.raw_rate for x in results]
    ratios_b = [x.drain.rate / x.raw_batched_rate for x in results]
    ratio = median(ratios)
    mid = sorted(results, key=lambda x: x.drain.rate)[len(results) // 2].drain
    tel, inflight = mid.telemetry, mid.inflight
    all_ok = all(x.drain.stored == n and x.drain.high_water == n for x in results)
    print()
    print(f"events per round: {n}, paho in-flight window {inflight}, engine batch {mid.batch_max}")
    for label, values in (
        ("ours (engine -> broker -> middleware -> ack)", ours),
        ("raw paho QoS 1, one event per message", raw),
        ("raw paho QoS 1, the engine's batched messages", raw_b),
    ):
        print(f"{label:46s} median {median(values):9,.0f} ev/s  ({spread(values)})")
    print(f"ratio ours/raw: {ratio:.3f} (target >= {TARGET})")
    print(f"ratio ours/raw-batched: {median(ratios_b):.3f} (reference only)")
    print(
        f"offline commits through SyncEngine.record: median"
        f" {median([x.drain.commit_per_s for x in results]):,.0f}/s"
    )
    print(
        f"engine telemetry (median round): broker ack {_fmt_ms(tel['brokerAckMs'])};"
        f" middleware ack {_fmt_ms(tel['middlewareAckMs'])}; retransmits {tel['retransmits']};"
        f" reconnects {tel['reconnects']}; queue left {tel['queue']['count']}"
    )
    print(
        f"middleware: {mid.mw_stats}; stored {mid.stored}, high-water {mid.high_water};"
        f" every round complete: {all_ok}"
    )
    return {
        "benchmark": "backlog_drain",
        "events": n,
        "rounds": rounds,
        "inflight": inflight,
        "batch_max_events": mid.batch_max,
        "ours_events_per_s": round(median(ours), 1),
        "raw_events_per_s": round(median(raw), 1),
        "raw_batched_events_per_s": round(median(raw_b), 1),
        "ours_seconds": round(median([x.drain.seconds for x in results]), 3),
        "ours_from_broker_up_seconds": round(
            median([x.drain.from_broker_up_s for x in results]), 3
        ),
        "raw_seconds": round(median([x.raw_s for x in results]), 3),
        "ratio": round(ratio, 3),
        "ratio_rounds_min": round(min(ratios), 3),
        "ratio_rounds_max": round(max(ratios), 3),
        "ratio_vs_raw_batched": round(median(ratios_b), 3),
        "offline_commits_per_s": round(median([x.drain.commit_per_s for x in results]), 1),
        "telemetry": {
            "broker_ack_ms": tel["brokerAckMs"],
            "middleware_ack_ms": tel["middlewareAckMs"],
            "retransmits": tel["retransmits"],
            "reconnects": tel["reconnects"],
            "gap_requests_served": tel["gapRequestsServed"],
        },
        "middleware": mid.mw_stats,
        "complete": all_ok,
        "clean": all(x.drain.clean for x in results),
        "target": TARGET,
        "pass": ratio >= TARGET and all_ok,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="2,000 events, 3 rounds")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="default 5 (3 with --quick)")
    parser.add_argument("--verbose", action="store_true", help="show the sync/ warnings")
    args = parser.parse_args()
    install_signal_cleanup()
    logging.basicConfig(
        level=logging.WARNING if args.verbose else logging.CRITICAL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    n = args.events or (2000 if args.quick else 10_000)
    rounds = args.rounds or (3 if args.quick else 5)
    print(
        f"backlog_drain: {rounds} rounds of {n} events committed offline, then drained",
        flush=True,
    )
    emit(asyncio.run(run(n, rounds)))


if __name__ == "__main__":
    main()
