"""Payments end to end: device SyncEngine + RpcClient + PaymentsClient -> real Mosquitto -> the
real middleware service -> the sandbox gateway over HTTP -> SQLite / PostgreSQL.

Journeys (authorize/capture/refund, void, declines), refusals (over-refund, refund of an
uncaptured payment), lost gateway answers and lost RPC answers resolved by status with the
same key (the sandbox sees exactly one authorization), the canonical record and its history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sync.engine import EngineConfig, SyncEngine
from sync.ledger import Ledger
from sync.middleware import schema as t
from sync.middleware.db import migrate, open_database
from sync.middleware.ingest import utc_now
from sync.middleware.payments.http_gateway import HttpGateway
from sync.middleware.payments.report import read_payments_status
from sync.middleware.payments.sandbox import SandboxGateway
from sync.middleware.payments.sandbox_state import SandboxState
from sync.middleware.service import MiddlewareService, ServiceConfig
from sync.mqtt import BrokerConfig
from sync.payments import (
    InvalidStateError,
    NotCapturedError,
    PaymentRefusedError,
    PaymentsClient,
    PaymentStatus,
    PaymentsUnavailableError,
    RefundExceedsCapturedError,
)
from sync.rpc import RpcClient, RpcError, RpcTimeoutError
from tests.support.broker import Broker, free_port
from tests.support.waiting import until

DEVICE = "pk-pay1"
META = {"sku": "NOIR-50ML", "unitPriceMinor": 4500, "taxMinor": 750, "operatorId": "op-7"}


@dataclass
class Kiosk:
    engine: SyncEngine
    rpc: RpcClient
    payments: PaymentsClient


@pytest.fixture
def sandbox() -> Iterator[SandboxGateway]:
    with SandboxGateway(SandboxState(decline_above=100_000)) as gateway:
        yield gateway


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = open_database(f"sqlite:///{tmp_path / 'mw.db'}")
    migrate(eng)
    yield eng
    eng.dispose()


class LosingRpc(RpcClient):
    """A real RpcClient whose first answer to ``lose`` is lost on the way back."""

    lose: str | None = None

    async def call(
        self, method: str, params: Mapping[str, Any], *, timeout: float
    ) -> dict[str, Any]:
        body = await super().call(method, params, timeout=timeout)
        if method == self.lose:
            self.lose = None
            raise RpcTimeoutError(f"{method}: answer lost (test)")
        return body


@asynccontextmanager
async def kiosk(tmp_path: Path, broker: Broker, **client: Any) -> AsyncIterator[Kiosk]:
    ledger = Ledger.open(tmp_path / DEVICE, DEVICE)
    broker_cfg = BrokerConfig(
        url=broker.url, client_id=DEVICE, backoff_min_s=0.05, backoff_max_s=0.5
    )
    engine = SyncEngine(ledger, EngineConfig(broker=broker_cfg, tick_s=0.1))
    rpc = LosingRpc(engine)
    settings: dict[str, Any] = {"call_timeout": 15.0, "status_attempts": 5, "backoff_s": 0.2}
    settings.update(client)
    payments = PaymentsClient(rpc, device_id=DEVICE, **settings)
    await engine.start()
    try:
        await until(lambda: engine.connected, what="device connected")
        yield Kiosk(engine, rpc, payments)
    finally:
        await engine.close()
        ledger.close()


@asynccontextmanager
async def middleware(
    engine: Engine,
    broker: Broker,
    sandbox: SandboxGateway,
    *,
    gateway_timeout: float = 15.0,
    gateway_url: str | None = None,
) -> AsyncIterator[MiddlewareService]:
    gateway = HttpGateway(gateway_url or sandbox.url, timeout=gateway_timeout)
    config = ServiceConfig(broker_url=broker.url, instance="pay")
    service = MiddlewareService(engine, config, gateway=gateway)
    await service.start()
    try:
        await until(lambda: service.connected, what="middleware connected")
        yield service
    finally:
        await service.close()
        await gateway.close()


async def ready(k: Kiosk) -> None:
    """One round trip, so the middleware's subscription is surely in place."""
    answer = await k.payments.status(key=f"{DEVICE}:warm-up:authorize")
    assert answer.status is PaymentStatus.NOT_FOUND


def record(engine: Engine, txn: str) -> Any:
    with engine.connect() as conn:
        c = t.transactions.c
        return conn.execute(
            select(t.transactions).where(c.global_txn_id == f"{DEVICE}:{txn}")
        ).one()


def history(engine: Engine, txn: str) -> list[tuple[str | None, str, str]]:
    h = t.transaction_history.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(h.from_status, h.to_status, h.source)
            .where(h.global_txn_id == f"{DEVICE}:{txn}")
            .order_by(h.id)
        ).all()
    return [(r.from_status, r.to_status, r.source) for r in rows]


async def test_authorize_capture_refund_journey_and_canonical_record(
    engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with middleware(engine, broker, sandbox), kiosk(tmp_path, broker) as k:
        await ready(k)
        pay = k.payments
        meta = {**META, "storeId": "store-1"}
        auth = await pay.authorize(
            txn_id="t-1", token="tok_visa", amount_minor=5250, currency="EUR", metadata=meta
        )
        assert auth.status is PaymentStatus.APPROVED and auth.auth_id is not None
        again = await pay.authorize(
            txn_id="t-1", token="tok_visa", amount_minor=5250, currency="EUR", metadata=meta
        )
        assert again == auth  # the stored answer; the gateway was not asked twice
        assert sandbox.state.stats()["authorize_executed"] == 1
        captured = await pay.capture(txn_id="t-1", auth_id=auth.auth_id, amount_minor=5250)
        assert captured.status is PaymentStatus.CAPTURED
        part = await pay.refund(txn_id="t-1", refund_id="r1", amount_minor=2000)
        assert (part.status, part.amount_minor) == (PaymentStatus.REFUNDED, 2000)
        assert record(engine, "t-1").settlement_status == "partially_refunded"
        with pytest.raises(RefundExceedsCapturedError):
            await pay.refund(txn_id="t-1", refund_id="r2", amount_minor=3251)
        await pay.refund(txn_id="t-1", refund_id="r3", amount_minor=3250)
        with pytest.raises(RefundExceedsCapturedError):
            await pay.refund(txn_id="t-1", refund_id="r4", amount_minor=1)
        row = record(engine, "t-1")
        assert row.pos_txn_id == "store-1-00000001"
        assert (row.sku_id, row.unit_price_minor, row.tax_minor) == ("NOIR-50ML", 4500, 750)
        assert (row.operator_id, row.payment_auth_id) == ("op-7", auth.auth_id)
        assert (row.captured_minor, row.refunded_minor) == (5250, 5250)
        assert row.settlement_status == "refunded"
        assert history(engine, "t-1") == [
            (None, "authorized", "rpc:payment.authorize"),
            ("authorized", "captured", "rpc:payment.capture"),
            ("captured", "partially_refunded", "rpc:payment.refund"),
            ("partially_refunded", "refunded", "rpc:payment.refund"),
        ]
        second = await pay.authorize(
            txn_id="t-2", token="tok_visa", amount_minor=100, currency="EUR", metadata=meta
        )
        assert second.status is PaymentStatus.APPROVED
        assert record(engine, "t-2").pos_txn_id == "store-1-00000002"


async def test_void_declines_and_refusals(
    engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with middleware(engine, broker, sandbox), kiosk(tmp_path, broker) as k:
        await ready(k)
        pay = k.payments
        auth = await pay.authorize(
            txn_id="t-v", token="tok_visa", amount_minor=900, currency="EUR", metadata=META
        )
        assert auth.auth_id is not None
        with pytest.raises(NotCapturedError):
            await pay.refund(txn_id="t-v", refund_id="r1", amount_minor=900)
        voided = await pay.void(txn_id="t-v", auth_id=auth.auth_id)
        assert voided.status is PaymentStatus.VOIDED
        with pytest.raises(InvalidStateError):
            await pay.capture(txn_id="t-v", auth_id=auth.auth_id, amount_minor=900)
        assert record(engine, "t-v").settlement_status == "voided"
        assert record(engine, "t-v").pos_txn_id == f"{DEVICE}-00000001"  # store = device
        declined = await pay.authorize(
            txn_id="t-d", token="tok_decline_do_not_honor", amount_minor=900, currency="EUR"
        )
        assert (declined.status, declined.reason) == (PaymentStatus.DECLINED, "do_not_honor")
        assert record(engine, "t-d").settlement_status == "failed"
        too_big = await pay.authorize(
            txn_id="t-big", token="tok_visa", amount_minor=100_001, currency="EUR"
        )
        assert too_big.status is PaymentStatus.DECLINED
        reader = await pay.reader_refund(
            txn_id="t-mdb", reader_reference="nayax-42", amount_minor=450
        )
        assert reader.status is PaymentStatus.REFUNDED
        row = record(engine, "t-mdb")
        assert (row.settlement_status, row.reader_reference, row.refunded_minor) == (
            "refunded",
            "nayax-42",
            450,
        )
        quote = {  # the shape kiosk.pricing.Quote.to_json() sends
            "currency": "EUR",
            "pricedAt": "2026-11-30T10:15:02.123Z",
            "lines": [{"sku": "ROSE-10ML", "unitPriceMinor": 1500, "discounts": []}],
            "totals": {"taxMinor": 250, "totalMinor": 1500},
        }
        quoted = await pay.authorize(
            txn_id="t-q",
            token="tok_visa",
            amount_minor=1500,
            currency="EUR",
            metadata={"sku": "ROSE-10ML", "quote": quote},
        )
        assert quoted.status is PaymentStatus.APPROVED
        row = record(engine, "t-q")
        assert (row.sku_id, row.unit_price_minor, row.tax_minor) == ("ROSE-10ML", 1500, 250)
        assert history(engine, "t-v") == [
            (None, "authorized", "rpc:payment.authorize"),
            ("authorized", "voided", "rpc:payment.void"),
        ]


async def test_gateway_timeout_on_authorize_is_resolved_by_status(
    sqlite_engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with (
        middleware(sqlite_engine, broker, sandbox, gateway_timeout=1.0),
        kiosk(tmp_path, broker) as k,
    ):
        await ready(k)
        sandbox.faults.hang_after_next = 1  # the sandbox authorizes, the answer never comes
        auth = await k.payments.authorize(
            txn_id="t-hang", token="tok_visa", amount_minor=700, currency="EUR", metadata=META
        )
        assert auth.status is PaymentStatus.APPROVED
        assert sandbox.hung == 1
        assert sandbox.state.stats()["authorize_executed"] == 1
        assert record(sqlite_engine, "t-hang").payment_auth_id == auth.auth_id
        # never executed: the gateway's status says it never saw the key -> "unavailable";
        # the flow's retry (same transaction, same key) is then sent to the gateway again
        sandbox.faults.hang_before_next = 1
        with pytest.raises(PaymentsUnavailableError):
            await k.payments.authorize(
                txn_id="t-lost", token="tok_visa", amount_minor=700, currency="EUR"
            )
        assert sandbox.state.stats()["authorize_executed"] == 1
        auth2 = await k.payments.authorize(
            txn_id="t-lost", token="tok_visa", amount_minor=700, currency="EUR"
        )
        assert auth2.status is PaymentStatus.APPROVED
        assert sandbox.state.stats()["authorize_executed"] == 2
        assert record(sqlite_engine, "t-lost").settlement_status == "authorized"


async def test_lost_rpc_answer_is_resolved_by_status_with_the_same_key(
    engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with middleware(engine, broker, sandbox), kiosk(tmp_path, broker) as k:
        await ready(k)
        assert isinstance(k.rpc, LosingRpc)
        k.rpc.lose = "payment.authorize"
        auth = await k.payments.authorize(
            txn_id="t-lost", token="tok_visa", amount_minor=1250, currency="EUR"
        )
        assert auth.status is PaymentStatus.APPROVED
        assert sandbox.state.stats()["authorize_executed"] == 1
        assert auth.auth_id is not None
        k.rpc.lose = "payment.capture"
        cap = await k.payments.capture(txn_id="t-lost", auth_id=auth.auth_id, amount_minor=1250)
        assert cap.status is PaymentStatus.CAPTURED
        assert record(engine, "t-lost").settlement_status == "captured"
        with engine.connect() as conn:
            keys = sorted(conn.execute(select(t.payment_requests.c.idempotency_key)).scalars())
        assert keys == [f"{DEVICE}:t-lost:authorize", f"{DEVICE}:t-lost:capture"]


async def test_malformed_requests_get_bad_request_and_harm_nothing(
    sqlite_engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with middleware(sqlite_engine, broker, sandbox) as service, kiosk(tmp_path, broker) as k:
        await ready(k)
        for raw in (b"garbage", b"[]", b'{"v":1}', b'{"v":1,"id":"x y z"}', b"\xff" * 10):
            assert k.engine.publish("rpc", raw)
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("payment.nope", {}, "unknown_method"),
            ("payment.authorize", {"txnId": "t-1"}, "bad_request"),
            ("payment.authorize", {"txnId": "bad id", "token": "tok"}, "bad_request"),
            (
                "payment.authorize",
                {"txnId": "t-pan", "token": "4111111111111111", "amountMinor": 1},
                "bad_request",
            ),
            ("payment.capture", {"txnId": "t-1", "authId": "a", "amountMinor": -1}, "bad_request"),
            ("payment.status", {"key": "other-device:t-1:authorize"}, "bad_request"),
            ("payment.capture", {"txnId": "t-none", "authId": "a", "amountMinor": 1}, "not_found"),
        ]
        for method, params, code in cases:
            with pytest.raises(RpcError) as refused:
                await k.rpc.call(method, params, timeout=15)
            assert refused.value.code == code, (method, params)
        assert service.payments is not None
        await until(lambda: service.payments.counts["malformed"] >= 11, what="all counted")  # type: ignore[union-attr]
        ok = await k.payments.authorize(
            txn_id="t-ok", token="tok_visa", amount_minor=10, currency="EUR"
        )
        assert ok.status is PaymentStatus.APPROVED
        assert sandbox.state.stats()["authorize_executed"] == 1


async def test_old_unsettled_authorizations_are_reported(
    sqlite_engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    async with middleware(sqlite_engine, broker, sandbox), kiosk(tmp_path, broker) as k:
        await ready(k)
        a = await k.payments.authorize(txn_id="t-a", token="tok_v", amount_minor=5, currency="EUR")
        b = await k.payments.authorize(txn_id="t-b", token="tok_v", amount_minor=6, currency="EUR")
        assert a.auth_id is not None and b.auth_id is not None
        await k.payments.capture(txn_id="t-b", auth_id=b.auth_id, amount_minor=6)
    now = utc_now()
    fresh = read_payments_status(sqlite_engine, now=now)
    assert fresh is not None and fresh["staleAuthorizations"] == []
    later = read_payments_status(sqlite_engine, now=now + timedelta(hours=21))
    assert later is not None
    assert [s["globalTxnId"] for s in later["staleAuthorizations"]] == [f"{DEVICE}:t-a"]
    assert later["settlement"] == {"authorized": 1, "captured": 1}


async def test_unreachable_gateway_sends_the_sale_to_manual_review_until_resolved(
    sqlite_engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with kiosk(tmp_path, broker) as k:
        async with middleware(sqlite_engine, broker, sandbox, gateway_url=dead):
            await ready(k)
            with pytest.raises(PaymentsUnavailableError):
                await k.payments.authorize(
                    txn_id="t-x", token="tok_visa", amount_minor=300, currency="EUR"
                )
        assert record(sqlite_engine, "t-x").settlement_status == "manual_review"
        later = read_payments_status(sqlite_engine, now=utc_now() + timedelta(hours=21))
        assert later is not None
        assert [s["globalTxnId"] for s in later["staleAuthorizations"]] == [f"{DEVICE}:t-x"]
        async with middleware(sqlite_engine, broker, sandbox):
            await ready(k)
            # the retry asks the gateway's status first (never seen), then sends it, same key
            auth = await k.payments.authorize(
                txn_id="t-x", token="tok_visa", amount_minor=300, currency="EUR"
            )
            assert auth.status is PaymentStatus.APPROVED
    assert sandbox.state.stats()["authorize_executed"] == 1
    assert record(sqlite_engine, "t-x").settlement_status == "authorized"
    assert history(sqlite_engine, "t-x") == [
        (None, "manual_review", "rpc:payment.authorize"),
        ("manual_review", "authorized", "rpc:payment.authorize"),
    ]


async def test_a_fenced_authorization_never_reaches_the_gateway(
    engine: Engine, broker: Broker, sandbox: SandboxGateway, tmp_path: Path
) -> None:
    """The settlement worker gives up an authorization whose request was lost: its status
    query fences the key, so a copy still on its way is refused and the shopper's card is
    never held for a sale the kiosk cancelled. Without the fence a late copy goes through."""
    async with middleware(engine, broker, sandbox), kiosk(tmp_path, broker) as k:
        await ready(k)
        fenced = await k.payments.status(key=f"{DEVICE}:t-late:authorize", fence=True)
        assert fenced.status is PaymentStatus.NOT_FOUND
        again = await k.payments.status(key=f"{DEVICE}:t-late:authorize", fence=True)
        assert again.status is PaymentStatus.NOT_FOUND  # final: the same answer every time
        with pytest.raises(PaymentRefusedError) as refused:
            await k.payments.authorize(
                txn_id="t-late", token="tok_visa", amount_minor=900, currency="EUR"
            )
        assert refused.value.code == "abandoned"
        assert sandbox.state.stats().get("authorize_executed", 0) == 0
        assert (await k.payments.status(key=f"{DEVICE}:t-late:authorize")).status is (
            PaymentStatus.NOT_FOUND
        )

        # a plain status query fences nothing: the request, arriving after it, is authorized
        plain = await k.payments.status(key=f"{DEVICE}:t-slow:authorize")
        assert plain.status is PaymentStatus.NOT_FOUND
        auth = await k.payments.authorize(
            txn_id="t-slow", token="tok_visa", amount_minor=900, currency="EUR"
        )
        assert auth.status is PaymentStatus.APPROVED
        # fencing a key that did arrive returns its answer and changes nothing
        known = await k.payments.status(key=f"{DEVICE}:t-slow:authorize", fence=True)
        assert (known.status, known.auth_id) == (PaymentStatus.APPROVED, auth.auth_id)
        assert sandbox.state.stats()["authorize_executed"] == 1

        with pytest.raises(RpcError) as bad:  # only an authorization can be given up
            await k.rpc.call(
                "payment.status", {"key": f"{DEVICE}:t-slow:capture", "fence": True}, timeout=15
            )
        assert bad.value.code == "bad_request"
