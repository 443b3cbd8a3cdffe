"""The sync engine against a real Mosquitto broker and a scripted middleware peer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from sync.engine import (
    ConnectionDidChange,
    EngineConfig,
    HighWatermarkDidChange,
    SalesDidPause,
    SalesDidResume,
    SyncEngine,
    SyncEvent,
)
from sync.errors import SalesPausedError
from sync.ledger import EventDraft, Ledger, OutboxLimits
from sync.mqtt import BrokerConfig
from sync.protocol import EventType, Unit, parse_snapshot
from tests.support.broker import Broker
from tests.support.peer import ScriptedMiddleware
from tests.support.waiting import until

AUDIT = EventDraft(EventType.AUDIT, data={"action": "test"})

EngineFactory = Callable[..., "SyncEngine"]


@pytest.fixture
async def make_engine(tmp_path: Path) -> AsyncIterator[Callable[..., SyncEngine]]:
    made: list[tuple[SyncEngine, Ledger]] = []

    def make(broker: Broker, *, limits: OutboxLimits | None = None, **cfg: object) -> SyncEngine:
        ledger = Ledger.open(tmp_path / f"dev{len(made)}", f"pk-{len(made) + 1}", limits)
        settings: dict[str, object] = {"ack_timeout_s": 2.0, "tick_s": 0.1}
        settings.update(cfg)
        config = EngineConfig(
            broker=BrokerConfig(
                url=broker.url, client_id="x", backoff_min_s=0.05, backoff_max_s=0.5
            ),
            **settings,  # type: ignore[arg-type]
        )
        engine = SyncEngine(ledger, config)
        made.append((engine, ledger))
        return engine

    yield make
    for engine, ledger in made:
        await engine.close()
        ledger.close()


@pytest.fixture
def peer(broker: Broker) -> AsyncIterator[ScriptedMiddleware]:
    p = ScriptedMiddleware(broker.port)
    yield p
    p.close()


async def test_events_published_in_order_and_dropped_on_app_ack(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    engine = make_engine(broker)
    await engine.start()
    for _ in range(120):
        await engine.record(AUDIT)
    await until(lambda: engine.acked_seq == 120, what="all acked")
    assert peer.seqs() == sorted(peer.seqs())
    assert peer.unique_seqs() == set(range(1, 121))
    status = await engine.ledger_status()
    assert status.pending_count == 0 and status.acked_seq == 120


async def test_puback_alone_is_not_delivery_and_silence_means_replay(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    peer.auto_ack = False
    engine = make_engine(broker, ack_timeout_s=0.5)
    await engine.start()
    for _ in range(3):
        await engine.record(AUDIT)
    await until(lambda: len(peer.seqs()) >= 6, what="a replay of the unacked events")
    assert engine.metrics.retransmits >= 1
    assert (await engine.ledger_status()).pending_count == 3  # PUBACKs came, rows stay
    peer.ack(engine.device_id, 3)
    await until(lambda: engine.acked_seq == 3, what="ack")
    assert (await engine.ledger_status()).pending_count == 0


async def test_sells_offline_then_drains_when_the_broker_appears(
    tmp_path: Path, make_engine: EngineFactory
) -> None:
    broker = Broker(tmp_path / "late")
    engine = make_engine(broker)
    await engine.start()
    for _ in range(300):
        await engine.record(AUDIT)
    assert not engine.connected and engine.acked_seq == 0
    broker.start()
    peer = ScriptedMiddleware(broker.port)
    try:
        await until(lambda: engine.acked_seq == 300, what="backlog drained")
        assert peer.unique_seqs() == set(range(1, 301))
        assert engine.metrics.seconds_disconnected > 0
    finally:
        peer.close()
        broker.kill()


async def test_broker_restart_mid_stream_loses_and_doubles_nothing(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    engine = make_engine(broker)
    await engine.start()
    await until(lambda: engine.connected, what="connect")
    for i in range(400):
        await engine.record(AUDIT)
        if i == 150:
            await until(lambda: engine.acked_seq > 100, what="some acks before the outage")
            broker.kill()
        if i == 250:
            broker.start()  # the peer's paho client reconnects by itself, keeping its state
    await until(lambda: engine.acked_seq == 400, what="all acked after restart")
    assert peer.unique_seqs() == set(range(1, 401))
    assert engine.metrics.reconnects >= 1


async def test_gap_request_is_served_from_the_immutable_log(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    engine = make_engine(broker)
    await engine.start()
    for _ in range(10):
        await engine.record(AUDIT)
    await until(lambda: engine.acked_seq == 10, what="acked")
    before = len(peer.seqs())
    peer.send(
        engine.device_id,
        "gap",
        json.dumps({"v": 1, "epoch": engine.epoch, "from": 3, "to": 7}).encode(),
    )
    await until(lambda: len(peer.seqs()) == before + 5, what="gap served")
    assert peer.seqs()[before:] == [3, 4, 5, 6, 7]
    assert engine.metrics.gap_requests_served == 1


@pytest.mark.parametrize(
    ("leaf", "payload"),
    [
        ("ack", b"garbage"),
        ("ack", b'{"v":1,"epoch":1}'),
        ("gap", b'{"v":1,"epoch":1,"from":9,"to":2}'),
        ("gap", b"\xff" * 10),
        ("ack", b"[]"),
    ],
)
async def test_malformed_control_messages_are_counted_and_change_nothing(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory, leaf: str, payload: bytes
) -> None:
    peer.auto_ack = False
    engine = make_engine(broker)
    await engine.start()
    await engine.record(AUDIT)
    await until(lambda: peer.seqs(), what="publish")
    peer.send(engine.device_id, leaf, payload)
    await until(lambda: engine.metrics.malformed == 1, what="malformed counted")
    peer.ack(engine.device_id, 1)
    await until(lambda: engine.acked_seq == 1, what="still acks after bad input")


async def test_acks_for_another_epoch_or_beyond_the_ledger_are_ignored(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    peer.auto_ack = False
    engine = make_engine(broker)
    await engine.start()
    for _ in range(2):
        await engine.record(AUDIT)
    await until(lambda: len(peer.seqs()) >= 2, what="publish")
    peer.ack(engine.device_id, 2, epoch=engine.epoch + 1)
    peer.ack(engine.device_id, 99)
    peer.ack(engine.device_id, 1)
    await until(lambda: engine.acked_seq == 1, what="the valid ack")
    assert (await engine.ledger_status()).pending_count == 1


async def test_full_outbox_pauses_sales_and_drains_without_loss(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    peer.auto_ack = False
    engine = make_engine(broker, limits=OutboxLimits(max_count=20, high_watermark=0.8))
    seen: list[SyncEvent] = []
    engine.add_listener(lambda e: None if isinstance(e, ConnectionDidChange) else seen.append(e))
    await engine.start()
    await engine.record(EventDraft(EventType.RESTOCK, sku="A", qty=100, unit=Unit.UNIT))
    sold = 0
    with pytest.raises(SalesPausedError):
        for _ in range(100):
            await engine.record(
                EventDraft(
                    EventType.SALE, sku="A", qty=1, unit=Unit.UNIT, amount_minor=300, currency="EUR"
                ),
                new_sale=True,
            )
            sold += 1
    assert sold == 19 and engine.sales_paused
    assert [type(e) for e in seen] == [HighWatermarkDidChange, SalesDidPause]
    await until(lambda: peer.unique_seqs() == set(range(1, 21)), what="all published")
    peer.ack(engine.device_id, 20)
    await engine.wait_until_sales_resume()
    assert [type(e) for e in seen][2:] == [HighWatermarkDidChange, SalesDidResume]
    assert (await engine.ledger_status()).on_hand == {"A": 81}


async def test_snapshot_at_connect_and_on_request(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    engine = make_engine(broker)
    await engine.record(EventDraft(EventType.RESTOCK, sku="A", qty=7, unit=Unit.UNIT))
    await engine.start()
    await until(lambda: peer.leaf("snapshot"), what="snapshot at connect")
    snap = parse_snapshot(peer.leaf("snapshot")[0], engine.device_id)
    assert snap.last_seq == 1 and snap.on_hand == {"A": (7, "unit")}
    peer.send(engine.device_id, "snapshot-request", b'{"v":1}')
    await until(lambda: len(peer.leaf("snapshot")) == 2, what="snapshot on request")


async def test_telemetry_and_retained_status(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    engine = make_engine(broker, telemetry_interval_s=0.2)
    await engine.start()
    await engine.record(AUDIT)
    await until(lambda: engine.acked_seq == 1, what="ack")
    await until(lambda: peer.leaf("telemetry"), what="telemetry")
    report = json.loads(peer.leaf("telemetry")[-1])
    for key in (
        "queue",
        "inFlight",
        "retransmits",
        "brokerAckMs",
        "middlewareAckMs",
        "gapRequestsServed",
        "reconnects",
        "secondsDisconnected",
        "salesPaused",
    ):
        assert key in report
    assert set(report["queue"]) == {"count", "bytes", "oldestAgeS"}
    assert json.loads(peer.leaf("status")[0])["state"] == "online"
    tele = await engine.telemetry()
    assert tele.middleware_ack_ms["p50"] is not None and tele.broker_ack_ms["p99"] is not None
    await engine.close()
    await until(
        lambda: any(json.loads(p)["state"] == "offline" for p in peer.leaf("status")),
        what="offline status",
    )


async def test_publishing_stops_at_the_event_window(
    broker: Broker, peer: ScriptedMiddleware, make_engine: EngineFactory
) -> None:
    peer.auto_ack = False
    engine = make_engine(broker, window_events=10, batch_max_events=3, ack_timeout_s=60)
    await engine.start()
    for _ in range(25):
        await engine.record(AUDIT)
    await until(lambda: len(peer.seqs()) >= 10, what="window filled")
    assert max(peer.seqs()) <= 12  # at most one batch past the window boundary
    peer.ack(engine.device_id, 10)
    await until(lambda: 25 in peer.unique_seqs() or len(peer.seqs()) >= 20, what="more sent")
