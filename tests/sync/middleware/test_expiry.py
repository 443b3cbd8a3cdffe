"""The 24-hour rule enforced (sync.middleware.payments.expiry): real Mosquitto, the real
middleware service, the sandbox gateway over HTTP, SQLite and PostgreSQL. Ages are made by
moving a record's authorization time back, never by waiting."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from kiosk.purchase.middleware import MiddlewarePayments
from sync.middleware import schema as t
from sync.middleware.db import migrate, open_database
from sync.middleware.ingest import utc_now
from sync.middleware.payments.requests import PaymentOp
from sync.middleware.payments.sandbox import SandboxGateway
from sync.middleware.service import MiddlewareService, ServiceConfig
from sync.payments import PaymentRefusedError, PaymentStatus, idempotency_key
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.middleware.test_payments_rpc import DEVICE, META, history, kiosk, ready, record


@asynccontextmanager
async def middleware(
    engine: Engine, broker: Broker, sandbox: SandboxGateway, instance: str, interval_s: float
) -> AsyncIterator[MiddlewareService]:
    config = ServiceConfig(
        broker_url=broker.url,
        instance=instance,
        gateway_url=sandbox.url,
        expiry_interval_s=interval_s,
    )
    service = MiddlewareService(engine, config)
    await service.start()
    try:
        await until(lambda: service.connected, what="middleware connected")
        yield service
    finally:
        await service.close()


def age(engine: Engine, txn: str, hours: float) -> None:
    """Make the authorization of ``txn`` ``hours`` old."""
    x = t.transactions.c
    with engine.begin() as conn:
        conn.execute(
            update(t.transactions)
            .where(x.global_txn_id == f"{DEVICE}:{txn}")
            .values(authorized_at=utc_now() - timedelta(hours=hours))
        )


def expiry_rows(engine: Engine, txn: str) -> list[dict[str, Any]]:
    h = t.transaction_history.c
    with engine.connect() as conn:
        details = conn.execute(
            select(h.details).where(
                h.global_txn_id == f"{DEVICE}:{txn}", h.source == "expiry:payment.void"
            )
        ).scalars()
        return [json.loads(d) for d in details]


async def test_old_authorization_is_voided_and_the_late_capture_refused(
    engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with (
        middleware(engine, broker, sandbox, "exp", interval_s=0.1),
        kiosk(tmp_path, broker) as k,
    ):
        await ready(k)
        auths = {}
        for txn in ("t-old", "t-fresh", "t-cap", "t-young"):
            answer = await k.payments.authorize(
                txn_id=txn, token="tok_visa", amount_minor=900, currency="EUR", metadata=META
            )
            assert answer.auth_id is not None
            auths[txn] = answer.auth_id
        await k.payments.capture(txn_id="t-cap", auth_id=auths["t-cap"], amount_minor=900)
        age(engine, "t-old", 23.5)
        age(engine, "t-cap", 30)
        age(engine, "t-young", 22.5)  # past the device's 20 h alert, not the 23 h threshold
        await until(lambda: record(engine, "t-old").settlement_status == "voided", what="voided")
        gateway_side = sandbox.state.authorization(auths["t-old"])
        assert gateway_side is not None and gateway_side["state"] == "voided"
        row = record(engine, "t-old")
        assert row.expired_at is not None and row.captured_minor == 0
        assert history(engine, "t-old") == [
            (None, "authorized", "rpc:payment.authorize"),
            ("authorized", "voided", "expiry:payment.void"),
        ]
        (note,) = expiry_rows(engine, "t-old")
        assert note["reason"] == "expired_24h"
        assert note["key"] == idempotency_key(DEVICE, "t-old", "void")
        # the device, late: its capture is refused, its own void is the same void
        with pytest.raises(PaymentRefusedError) as refused:
            await k.payments.capture(txn_id="t-old", auth_id=auths["t-old"], amount_minor=900)
        assert refused.value.code == "expired"
        kiosk_side = MiddlewarePayments(k.payments, DEVICE)
        late = await kiosk_side.capture(txn_id="t-old", auth_id=auths["t-old"], amount_minor=900)
        assert (late.settled, late.reason) == (False, "expired")  # -> manual review
        replays = sandbox.state.stats().get("replays", 0)
        again = await k.payments.void(txn_id="t-old", auth_id=auths["t-old"])
        assert again.status is PaymentStatus.VOIDED
        assert sandbox.state.stats().get("replays", 0) == replays  # answered by the middleware
        assert len(history(engine, "t-old")) == 2
        for txn, status in (("t-fresh", "authorized"), ("t-cap", "captured")):
            assert record(engine, txn).settlement_status == status
            assert record(engine, txn).expired_at is None
        assert record(engine, "t-young").settlement_status == "authorized"


async def test_capture_asked_for_first_is_never_raced_by_the_sweeper(
    engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with (
        middleware(engine, broker, sandbox, "exp", interval_s=3600) as service,
        kiosk(tmp_path, broker) as k,
    ):
        await ready(k)
        answer = await k.payments.authorize(
            txn_id="t-late", token="tok_visa", amount_minor=500, currency="EUR", metadata=META
        )
        assert answer.auth_id is not None
        assert service.payments is not None and service.expiry is not None
        capture = PaymentOp(
            "capture",
            DEVICE,
            "t-late",
            idempotency_key(DEVICE, "t-late", "capture"),
            amount_minor=500,
            auth_id=answer.auth_id,
        )
        begun = await service.payments.run_db(service.payments.records.begin, capture)
        assert begun.kind == "new"  # stored pending: the gateway is being asked right now
        age(engine, "t-late", 24)
        swept = await service.expiry.sweep_once()
        assert swept.voided == () and swept.unsettled == ()
        assert record(engine, "t-late").expired_at is None
        done = await service.payments.perform(capture)  # the capture goes on, same key
        assert done.result is not None and done.result["status"] == "CAPTURED"
        assert record(engine, "t-late").settlement_status == "captured"
        assert (await service.expiry.sweep_once()).voided == ()


@pytest.mark.postgres
async def test_two_instances_sweeping_at_once_void_each_authorization_once(
    pg_url: str, broker: Broker, sandbox: SandboxGateway
) -> None:
    engine = open_database(pg_url)
    migrate(engine)
    try:
        async with (
            middleware(engine, broker, sandbox, "exp-a", interval_s=3600) as a,
            middleware(engine, broker, sandbox, "exp-b", interval_s=3600) as b,
        ):
            assert a.payments is not None and a.expiry is not None and b.expiry is not None
            txns = [f"t-{n}" for n in range(6)]
            for txn in txns:
                op = PaymentOp(
                    "authorize",
                    DEVICE,
                    txn,
                    idempotency_key(DEVICE, txn, "authorize"),
                    amount_minor=700,
                    token="tok_visa",
                    currency="EUR",
                )
                reply = await a.payments.perform(op)
                assert reply.result is not None and reply.result["status"] == "APPROVED"
                age(engine, txn, 24)
            first, second = await asyncio.gather(a.expiry.sweep_once(), b.expiry.sweep_once())
            assert set(first.voided + second.voided) == {f"{DEVICE}:{x}" for x in txns}
            again = await asyncio.gather(a.expiry.sweep_once(), b.expiry.sweep_once())
            assert [r.voided for r in again] == [(), ()]
            for txn in txns:
                assert record(engine, txn).settlement_status == "voided"
                assert len(expiry_rows(engine, txn)) == 1
            assert sandbox.state.stats().get("replays", 0) == 0  # one void per key, ever
    finally:
        engine.dispose()


async def test_the_sweep_releases_loyalty_holds_left_too_long(
    engine: Engine, broker: Broker, sandbox: SandboxGateway
) -> None:
    async with middleware(engine, broker, sandbox, "sweep-holds", 3600) as service:
        assert service.expiry is not None and service.expiry.holds is not None
        book = service.expiry.holds
        book.adjust("m-7", 100, reason="test", operator_id="op-1")
        assert book.redeem(DEVICE, "t-held", "m-7", 60).error is None
        assert book.redeem(DEVICE, "t-fresh", "m-7", 10).error is None
        assert (await service.expiry.sweep_once()).holds_released == ()
        h = t.loyalty_holds.c
        with engine.begin() as conn:  # 73 hours old: one past the default 72
            conn.execute(
                update(t.loyalty_holds)
                .where(h.txn_id == "t-held")
                .values(updated_at=utc_now() - timedelta(hours=73))
            )
        swept = await service.expiry.sweep_once()
        assert swept.holds_released == (f"{DEVICE}:t-held:redeem",)
        balance = book.balance("m-7")
        assert (balance.balance, balance.held, balance.available) == (100, 10, 90)
