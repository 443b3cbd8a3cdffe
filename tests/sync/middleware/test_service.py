"""The middleware service end to end: real Mosquitto, real databases, a scripted paho device."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine, select

from sync.middleware import schema as t
from sync.middleware.report import read_status
from sync.middleware.service import MiddlewareService, ServiceConfig
from tests.support.broker import Broker
from tests.sync.middleware.support import (
    TestDevice,
    count,
    eventually,
    fold,
    projection,
    snapshot_inbound,
    stored_seqs,
    stream_row,
)


@asynccontextmanager
async def running(
    engine: Engine, broker: Broker, instance: str = "a", **kw: object
) -> AsyncIterator[MiddlewareService]:
    config = ServiceConfig(broker_url=broker.url, instance=instance, **kw)  # type: ignore[arg-type]
    service = MiddlewareService(engine, config)
    await service.start()
    try:
        await eventually(lambda: service.connected, what="middleware connected")
        yield service
    finally:
        await service.close()


async def test_acks_follow_commits_gaps_are_repeated_and_filled(
    engine: Engine, broker: Broker
) -> None:
    async with running(engine, broker, gap_retry_s=0.5):
        dev = TestDevice(broker.port)
        try:
            dev.send(1, 2)
            await eventually(lambda: dev.acked == 2, what="ack 2")
            assert stream_row(engine).high_water >= 2  # the ack came after the commit
            dev.send(5)
            await eventually(lambda: (3, 4) in dev.gap_list(), what="gap request 3..4")
            await eventually(lambda: dev.gap_list().count((3, 4)) >= 3, what="repeated gap")
            assert dev.acks[-1] == 2
            dev.send(3, 4)
            await eventually(lambda: dev.acked == 5, what="ack 5 after the gap is filled")
            assert stored_seqs(engine) == [1, 2, 3, 4, 5]
            assert projection(engine) == fold(dev.ledger[s] for s in range(1, 6))
            # Only duplicates: the current ack is sent again (repairs a lost ack).
            acks_before = len(dev.acks)
            dev.send(4, 5)
            await eventually(lambda: len(dev.acks) > acks_before, what="ack re-sent")
            assert dev.acks[-1] == 5
            assert stream_row(engine).duplicates_dropped == 2
        finally:
            dev.close()


async def test_malformed_messages_are_never_acked_and_harm_nothing(
    engine: Engine, broker: Broker
) -> None:
    async with running(engine, broker) as service:
        dev = TestDevice(broker.port)
        try:
            for payload in (b"garbage", b"{}", b"[]", b'{"v":1,"deviceId":"pk-0001"}' * 3):
                dev.publish_raw("events", payload)
            dev.publish_raw("snapshot", b'{"v":1,"deviceId":"other"}')
            dev.publish_raw("nonsense-leaf", b"{}")
            dev.send(1)
            await eventually(lambda: dev.acked == 1, what="ack after the garbage")
            assert dev.acks == [1]
            assert service.stats().failed_batches == 0
            report = read_status(engine, "pk-0001")
            assert report.devices[0].malformed == 5
        finally:
            dev.close()


async def test_snapshot_over_mqtt_records_a_discrepancy(engine: Engine, broker: Broker) -> None:
    async with running(engine, broker):
        dev = TestDevice(broker.port)
        try:
            # The snapshot (lastSeq 3) arrives before events 2 and 3.
            snap = snapshot_inbound("pk-0001", 3, {"NOIR-SPRAY": 10_000_000 - 2 * 210 + 7})
            dev.send(1)
            dev.publish_raw("snapshot", snap.payload)
            dev.send(2, 3)
            await eventually(lambda: dev.acked == 3, what="ack 3")
            await eventually(lambda: count(engine, t.discrepancies) == 1, what="discrepancy")
            with engine.connect() as conn:
                (d,) = conn.execute(select(t.discrepancies)).all()
            assert (d.device_qty - d.middleware_qty, d.seq, d.status) == (7, 3, "open")
            assert read_status(engine).streams[0].open_discrepancies == 1
        finally:
            dev.close()


async def test_status_and_telemetry_show_in_the_report(engine: Engine, broker: Broker) -> None:
    async with running(engine, broker):
        dev = TestDevice(broker.port)
        try:
            dev.publish_raw("status", b'{"v":1,"state":"online","ts":"2026-11-30T10:00:00Z"}')
            telemetry = {"v": 1, "queue": {"count": 12, "bytes": 5120}, "lastSeq": 43}
            dev.publish_raw("telemetry", json.dumps(telemetry).encode(), qos=0)
            dev.send(1)

            def seen() -> bool:
                devices = read_status(engine).devices
                return bool(devices) and devices[0].queue_depth == 12 and devices[0].online

            await eventually(seen, what="status and telemetry stored")
            dev.publish_raw("status", b'{"v":1,"state":"offline","ts":null}')
            await eventually(lambda: read_status(engine).devices[0].online is False)
            (stream,) = read_status(engine).to_json()["streams"]
            assert (stream["online"], stream["queueDepth"], stream["highWaterMark"]) == (
                False,
                12,
                1,
            )
        finally:
            dev.close()


async def test_broker_restart_mid_stream_loses_nothing(engine: Engine, broker: Broker) -> None:
    total = 300
    async with running(engine, broker):
        dev = TestDevice(broker.port)
        try:
            dev.replay(120, batch=20)
            await eventually(lambda: dev.acked >= 60, what="first acks")
            broker.kill()
            broker.start()
            await eventually(lambda: dev.client.is_connected(), what="device reconnected")
            # A real device replays everything unacked after a reconnect, until all is acked.
            for _ in range(30):
                dev.replay(total, batch=25)
                try:
                    await eventually(lambda: dev.acked == total, timeout=10, what="all acked")
                    break
                except AssertionError:
                    continue
            assert dev.acked == total
            row = stream_row(engine)
            assert (row.high_water, row.events_stored) == (total, total)
            assert stored_seqs(engine) == list(range(1, total + 1))
        finally:
            dev.close()


async def test_two_instances_share_the_fleet_on_postgres(pg_url: str, broker: Broker) -> None:
    from sync.middleware.db import migrate, open_database

    engines = [open_database(pg_url), open_database(pg_url)]
    for eng in engines:
        migrate(eng)
    per_device = {"pk-a": 700, "pk-b": 650, "pk-c": 650}  # 2,000 events
    devices = [TestDevice(broker.port, name) for name in per_device]
    try:
        async with (
            running(engines[0], broker, "one") as one,
            running(engines[1], broker, "two") as two,
        ):
            for dev in devices:
                dev.replay(per_device[dev.device_id], batch=37)  # deliberate duplicates
            for _ in range(40):
                for dev in devices:
                    # Replays overlap what is in flight, so both instances see duplicates.
                    dev.replay(per_device[dev.device_id], batch=37)
                try:
                    await eventually(
                        lambda: all(d.acked == per_device[d.device_id] for d in devices),
                        timeout=10,
                        what="every device fully acked",
                    )
                    break
                except AssertionError:
                    continue
            # Both instances got a share of the fleet's messages (round-robin shared subscription)
            # and finished their work: nothing of either is left half-done.
            await eventually(
                lambda: one.stats().batches > 0 and two.stats().batches > 0,
                what="both instances committed batches",
            )
            await eventually(lambda: one.stats().queued == two.stats().queued == 0)
        assert sum(stream_row(engines[0], d.device_id).duplicates_dropped for d in devices) > 0
        for dev in devices:
            last = per_device[dev.device_id]
            assert dev.acked == last
            assert stored_seqs(engines[0], dev.device_id) == list(range(1, last + 1))
            row = stream_row(engines[0], dev.device_id)
            assert (row.high_water, row.events_stored) == (last, last)
            assert projection(engines[0], dev.device_id) == fold(dev.ledger.values())
    finally:
        for dev in devices:
            dev.close()
        for eng in engines:
            eng.dispose()
