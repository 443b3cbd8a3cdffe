"""Device engine → hostile link → real Mosquitto → real middleware → SQLite / PostgreSQL.

Exactly once at the middleware despite lost PUBACKs, duplicated and reordered deliveries,
duplicated acks, link cuts and a broker restart; the middleware's projection equals the
device's on-hand; several middleware processes share the subscription on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from sync.engine import EngineConfig, SyncEngine
from sync.ledger import EventDraft, Ledger
from sync.mqtt import BrokerConfig
from sync.protocol import EventType, Unit
from tests.support.broker import Broker
from tests.support.mqtt_proxy import LinkFaults, MqttLinkProxy
from tests.support.waiting import until
from tests.sync.e2e import conflicts, open_discrepancies, projection, running_middleware, stored


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mw.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def devices(tmp_path: Path) -> AsyncIterator[Callable[..., SyncEngine]]:
    made: list[tuple[SyncEngine, Ledger]] = []

    def make(device_id: str, broker_url: str, **cfg: object) -> SyncEngine:
        ledger = Ledger.open(tmp_path / device_id, device_id)
        settings: dict[str, object] = {"ack_timeout_s": 1.0, "tick_s": 0.1, "batch_max_events": 20}
        settings.update(cfg)
        engine = SyncEngine(
            ledger,
            EngineConfig(
                broker=BrokerConfig(
                    url=broker_url,
                    client_id=device_id,
                    backoff_min_s=0.05,
                    backoff_max_s=0.5,
                    max_inflight=10,
                ),
                **settings,
            ),
        )  # type: ignore[arg-type]
        made.append((engine, ledger))
        return engine

    yield make
    for engine, ledger in made:
        await engine.close()
        ledger.close()


async def sell(engine: SyncEngine, n: int, sku: str = "NOIR-30ML") -> None:
    await engine.record(EventDraft(EventType.RESTOCK, sku=sku, qty=n + 5, unit=Unit.UNIT))
    for i in range(n):
        await engine.record(
            EventDraft(
                EventType.SALE,
                sku=sku,
                qty=1,
                unit=Unit.UNIT,
                amount_minor=4900,
                currency="EUR",
                txn_id=f"t{i}",
            )
        )


async def test_exactly_once_through_a_hostile_link_and_a_broker_restart(
    broker: Broker, db_url: str, devices: Callable[..., SyncEngine]
) -> None:
    faults = LinkFaults(drop_puback=0.1, dup_publish=0.2, reorder_publish=0.2, dup_inbound=0.2)
    proxy = MqttLinkProxy(broker.port, faults, seed=7)
    await proxy.start()
    async with running_middleware(db_url, broker.url) as (_service, mw):
        engine = devices("pk-e2e", proxy.url)
        await engine.start()
        await sell(engine, 150)
        proxy.cut()
        await sell(engine, 100, sku="AZUR-50ML")
        broker.kill()
        await asyncio.sleep(0.3)
        await sell(engine, 50, sku="ROSE-10ML")
        broker.start()
        await until(lambda: engine.acked_seq == engine.last_seq, timeout=90, what="all acked")
        hwm, count, seqs = stored(mw, "pk-e2e")
        assert hwm == count == engine.last_seq == 303
        assert seqs == list(range(1, 304))
        assert conflicts(mw) == 0
        assert projection(mw, "pk-e2e") == (await engine.ledger_status()).on_hand
        await engine.publish_snapshot()
        await asyncio.sleep(0.5)
        assert open_discrepancies(mw) == []
    await proxy.close()
    assert faults.counts.get("dup_publish", 0) > 0
    assert faults.counts.get("reorder_publish", 0) > 0
    assert faults.counts.get("drop_puback", 0) > 0


@pytest.mark.postgres
async def test_two_middleware_processes_share_the_fleet_on_postgresql(
    broker: Broker, pg_url: str, devices: Callable[..., SyncEngine]
) -> None:
    async with (
        running_middleware(pg_url, broker.url, instance="a") as (svc_a, mw),
        running_middleware(pg_url, broker.url, instance="b") as (svc_b, _mw_b),
    ):
        engines = [devices(f"pk-{i}", broker.url) for i in range(3)]
        for engine in engines:
            await engine.start()
        await asyncio.gather(*(sell(e, 200, sku=f"S{i}") for i, e in enumerate(engines)))
        for engine in engines:
            await until(lambda e=engine: e.acked_seq == e.last_seq, timeout=90, what="acked")
        for engine in engines:
            hwm, count, seqs = stored(mw, engine.device_id)
            assert hwm == count == engine.last_seq
            assert seqs == list(range(1, engine.last_seq + 1))
            assert projection(mw, engine.device_id) == (await engine.ledger_status()).on_hand
        assert conflicts(mw) == 0
        # both processes took part: the broker split the shared subscription
        assert svc_a.stats().received > 0
        assert svc_b.stats().received > 0


async def test_snapshot_mismatch_becomes_a_discrepancy(
    broker: Broker, tmp_path: Path, devices: Callable[..., SyncEngine]
) -> None:
    async with running_middleware(f"sqlite:///{tmp_path / 'mw.db'}", broker.url) as (_s, mw):
        engine = devices("pk-snap", broker.url)
        await engine.start()
        await sell(engine, 3)
        await until(lambda: engine.acked_seq == engine.last_seq, what="acked")
        # the device's counter drifts (say a technician edited the database by hand)
        engine.ledger._conn.exec_driver_sql("UPDATE on_hand SET qty = qty - 1")
        engine.ledger._conn.commit()
        await engine.publish_snapshot()
        await until(lambda: open_discrepancies(mw), what="a discrepancy")
        (found,) = open_discrepancies(mw)
        assert (found["sku"], found["device_qty"], found["middleware_qty"], found["seq"]) == (
            "NOIR-30ML",
            4,
            5,
            engine.last_seq,
        )
