"""Loyalty RPC end to end: device SyncEngine + RpcClient + LoyaltyClient -> real Mosquitto ->
the real middleware service -> SQLite / PostgreSQL. Balance, holds, refusals as typed errors,
malformed requests answered ``bad_request``, a request delivered twice holding once, and the
accruals a device records reaching the member's balance."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sync.engine import EngineConfig, SyncEngine
from sync.ledger import EventDraft, Ledger
from sync.loyalty import (
    InsufficientPointsError,
    LoyaltyClient,
    LoyaltyRefusedError,
    LoyaltyUnavailableError,
)
from sync.middleware.loyalty_rpc import LoyaltyBook
from sync.middleware.payments.sandbox import SandboxGateway
from sync.middleware.service import MiddlewareService, ServiceConfig
from sync.mqtt import BrokerConfig
from sync.protocol import EventType
from sync.rpc import RpcClient, RpcError, encode_request
from tests.support.broker import Broker
from tests.support.waiting import until

DEVICE = "pk-loy1"


@asynccontextmanager
async def stack(
    engine: Engine, broker: Broker, tmp_path: Path
) -> AsyncIterator[tuple[SyncEngine, RpcClient, LoyaltyClient, MiddlewareService]]:
    with SandboxGateway() as sandbox:
        config = ServiceConfig(broker_url=broker.url, instance="loy", gateway_url=sandbox.url)
        service = MiddlewareService(engine, config)
        await service.start()
        ledger = Ledger.open(tmp_path / DEVICE, DEVICE)
        device = SyncEngine(
            ledger,
            EngineConfig(
                broker=BrokerConfig(
                    url=broker.url, client_id=DEVICE, backoff_min_s=0.05, backoff_max_s=0.5
                ),
                tick_s=0.1,
            ),
        )
        await device.start()
        try:
            await until(lambda: device.connected and service.connected, what="both connected")
            rpc = RpcClient(device)
            yield device, rpc, LoyaltyClient(rpc, device_id=DEVICE, call_timeout=15.0), service
        finally:
            await device.close()
            ledger.close()
            await service.close()


async def test_balance_holds_and_refusals(engine: Engine, broker: Broker, tmp_path: Path) -> None:
    book = LoyaltyBook(engine)
    async with stack(engine, broker, tmp_path) as (device, rpc, client, _service):
        fresh = await client.balance("m-new")
        assert (fresh.balance, fresh.held, fresh.available) == (0, 0, 0)
        # accruals recorded on the device reach the account through the ledger
        for points in (40, 35):
            await device.record(
                EventDraft(
                    EventType.LOYALTY,
                    txn_id="t-earn",
                    data={"member_id": "m-1", "points": points, "kind": "accrual"},
                )
            )
        await until(lambda: book.balance("m-1").balance == 75, what="accruals projected")
        held = await client.redeem(txn_id="t-1", member_id="m-1", points=50)
        assert (held.status, held.points, held.available) == ("HELD", 50, 25)
        with pytest.raises(InsufficientPointsError):
            await client.redeem(txn_id="t-2", member_id="m-1", points=26)
        now = await client.balance("m-1")
        assert (now.balance, now.held, now.available) == (75, 50, 25)
        released = await client.release(txn_id="t-1", member_id="m-1")
        assert (released.status, released.points, released.available) == ("RELEASED", 50, 75)
        with pytest.raises(LoyaltyRefusedError) as late:
            await client.redeem(txn_id="t-1", member_id="m-1", points=50)
        assert late.value.code == "invalid_state"  # a released key never holds again
        with pytest.raises(RpcError) as bad:
            await rpc.call("loyalty.redeem", {"txnId": "t-3", "memberId": "m-1"}, timeout=15)
        assert bad.value.code == "bad_request"
        with pytest.raises(RpcError) as unknown:
            await rpc.call("loyalty.transfer", {"memberId": "m-1"}, timeout=15)
        assert unknown.value.code == "unknown_method"


async def test_a_request_delivered_twice_holds_once(
    engine: Engine, broker: Broker, tmp_path: Path
) -> None:
    book = LoyaltyBook(engine)
    book.adjust("m-2", 100, reason="test", operator_id="op")
    async with stack(engine, broker, tmp_path) as (device, _rpc, client, service):
        assert service.payments is not None
        counts = service.payments.counts
        params = {"txnId": "t-d", "memberId": "m-2", "points": 60}
        request = encode_request("dup-1", "loyalty.redeem", params)
        before = counts["answered"]
        for _ in range(3):
            assert device.publish("rpc", request)
        await until(lambda: counts["answered"] >= before + 3, what="three answers")
        after = await client.balance("m-2")
        assert (after.balance, after.held) == (100, 60)
        assert [h["state"] for h in book.holds("m-2")] == ["held"]


async def test_not_connected_is_unavailable(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / DEVICE, DEVICE)
    device = SyncEngine(
        ledger, EngineConfig(broker=BrokerConfig(url="mqtt://127.0.0.1:1", client_id=DEVICE))
    )
    try:
        client = LoyaltyClient(RpcClient(device), device_id=DEVICE)
        with pytest.raises(LoyaltyUnavailableError):
            await client.redeem(txn_id="t-1", member_id="m-1", points=5)
        with pytest.raises(ValueError):
            await client.redeem(txn_id="t-1", member_id="m 1", points=5)
        with pytest.raises(ValueError):
            await client.redeem(txn_id="t-1", member_id="m-1", points=0)
    finally:
        ledger.close()
