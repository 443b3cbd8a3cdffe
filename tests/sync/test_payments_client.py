"""The device's PaymentsClient over a real broker against a scripted middleware (plain paho):
key derivation, lost answers resolved by status with the same key (never a second operation),
NOT_FOUND believed only twice, retryable answers, refusals mapped to the error tree, and
PaymentsUnavailableError when offline or still unknown."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from sync.engine import EngineConfig, SyncEngine
from sync.errors import SyncError
from sync.ledger import Ledger
from sync.mqtt import BrokerConfig
from sync.payments import (
    GatewayAnswer,
    IdempotencyConflictError,
    NotCapturedError,
    PaymentRefusedError,
    PaymentsClient,
    PaymentsError,
    PaymentStatus,
    PaymentsUnavailableError,
    RefundExceedsCapturedError,
    idempotency_key,
)
from sync.rpc import RpcClient, encode_response
from tests.support.broker import Broker, free_port
from tests.support.waiting import until

DEVICE = "pk-cli1"
Answer = tuple[dict[str, Any] | None, tuple[str, str] | None] | None  # None: no answer
Script = Callable[[str, dict[str, Any]], Answer]


class ScriptedPayments:
    """Answers ``P/dev/+/rpc`` requests as ``script(method, params)`` says; records them."""

    def __init__(self, port: int, script: Script) -> None:
        self.script = script
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="scripted-pay")
        self.client.on_connect = lambda c, *_: c.subscribe("pk/v1/dev/+/rpc", qos=1)
        self.client.on_subscribe = lambda *_: self.ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.ready.wait(15), "scripted middleware did not subscribe"

    def _on_message(self, _c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        request = json.loads(msg.payload)
        with self.lock:
            self.calls.append((request["method"], request["params"]))
        answer = self.script(request["method"], request["params"])
        if answer is None:
            return
        result, error = answer
        device = msg.topic.split("/")[3]
        body = encode_response(request["id"], result=result, error=error)
        self.client.publish(f"pk/v1/mw/{device}/rpc", body, qos=1)

    def methods(self) -> list[str]:
        with self.lock:
            return [m for m, _ in self.calls]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


APPROVED = {"status": "APPROVED", "authId": "auth_1", "amountMinor": 1250, "reason": None}


@asynccontextmanager
async def device(
    tmp_path: Path, url: str, *, connect: bool = True, **client: Any
) -> AsyncIterator[PaymentsClient]:
    ledger = Ledger.open(tmp_path / DEVICE, DEVICE)
    cfg = BrokerConfig(url=url, client_id=DEVICE, backoff_min_s=0.05, backoff_max_s=0.5)
    engine = SyncEngine(ledger, EngineConfig(broker=cfg, tick_s=0.1))
    settings: dict[str, Any] = {"call_timeout": 10.0, "status_attempts": 4, "backoff_s": 0.05}
    settings.update(client)
    payments = PaymentsClient(RpcClient(engine), device_id=DEVICE, **settings)
    await engine.start()
    try:
        if connect:
            await until(lambda: engine.connected, what="device connected")
        yield payments
    finally:
        await engine.close()
        ledger.close()


def test_keys_and_error_tree() -> None:
    assert idempotency_key("pk-1", "t-9", "authorize") == "pk-1:t-9:authorize"
    assert idempotency_key("pk-1", "t-9", "refund", "r2") == "pk-1:t-9:refund:r2"
    assert len(idempotency_key("d" * 64, "t" * 96, "refund", "r" * 64)) <= 255
    with pytest.raises(ValueError, match="transaction id"):
        idempotency_key("pk-1", "t:9", "capture")
    with pytest.raises(ValueError, match="refund id"):
        idempotency_key("pk-1", "t-9", "refund")
    for error in (PaymentsUnavailableError, NotCapturedError, RefundExceedsCapturedError):
        assert issubclass(error, PaymentsError) and issubclass(error, SyncError)
    assert issubclass(IdempotencyConflictError, PaymentRefusedError)
    answer = GatewayAnswer.from_json({"status": "DECLINED", "reason": "do_not_honor"})
    assert (answer.status, answer.auth_id) == (PaymentStatus.DECLINED, None)


async def test_answers_and_refusals(tmp_path: Path, broker: Broker) -> None:
    def script(method: str, params: dict[str, Any]) -> Answer:
        if method == "payment.authorize":
            return APPROVED, None
        if method == "payment.refund":
            return None, ("not_captured", "void it")
        if method == "payment.capture":
            return None, ("refund_exceeds_captured", "no")
        return None, ("idempotency_conflict", "key reused")

    mw = ScriptedPayments(broker.port, script)
    try:
        async with device(tmp_path, broker.url) as pay:
            auth = await pay.authorize(
                txn_id="t-1", token="tok", amount_minor=1250, currency="EUR", metadata={"a": 1}
            )
            assert (auth.status, auth.auth_id, auth.amount_minor) == (
                PaymentStatus.APPROVED,
                "auth_1",
                1250,
            )
            with pytest.raises(NotCapturedError):
                await pay.refund(txn_id="t-1", refund_id="r1", amount_minor=5)
            with pytest.raises(RefundExceedsCapturedError):
                await pay.capture(txn_id="t-1", auth_id="auth_1", amount_minor=5)
            with pytest.raises(IdempotencyConflictError):
                await pay.void(txn_id="t-1", auth_id="auth_1")
        params = dict(mw.calls)["payment.authorize"]
        assert params == {
            "txnId": "t-1",
            "token": "tok",
            "amountMinor": 1250,
            "currency": "EUR",
            "metadata": {"a": 1},
        }
    finally:
        mw.close()


async def test_lost_answer_is_resolved_by_status_never_a_second_authorize(
    tmp_path: Path, broker: Broker
) -> None:
    statuses: list[str] = []

    def script(method: str, params: dict[str, Any]) -> Answer:
        if method == "payment.authorize":
            return None  # executed, the answer is lost
        statuses.append(params["key"])
        if len(statuses) == 1:
            return None, ("pending", "in flight elsewhere")
        return APPROVED, None

    mw = ScriptedPayments(broker.port, script)
    try:
        async with device(tmp_path, broker.url, call_timeout=2.0) as pay:
            auth = await pay.authorize(txn_id="t-2", token="tok", amount_minor=1, currency="EUR")
        assert auth.auth_id == "auth_1"
        assert mw.methods().count("payment.authorize") == 1
        assert statuses[:2] == [f"{DEVICE}:t-2:authorize"] * 2
    finally:
        mw.close()


async def test_not_found_after_a_lost_answer_is_believed_only_twice(
    tmp_path: Path, broker: Broker
) -> None:
    def script(method: str, params: dict[str, Any]) -> Answer:
        if method == "payment.capture":
            return None
        return {"status": "NOT_FOUND", "reason": "unknown_key"}, None

    mw = ScriptedPayments(broker.port, script)
    try:
        async with device(tmp_path, broker.url, call_timeout=2.0) as pay:
            answer = await pay.capture(txn_id="t-3", auth_id="a", amount_minor=1)
            assert answer.status is PaymentStatus.NOT_FOUND
            assert mw.methods() == ["payment.capture", "payment.status", "payment.status"]
            # a plain status query believes the first NOT_FOUND
            assert (await pay.status(key=f"{DEVICE}:t-3:void")).status is PaymentStatus.NOT_FOUND
            assert mw.methods().count("payment.status") == 3
    finally:
        mw.close()


async def test_unknown_after_the_attempts_is_unavailable(tmp_path: Path, broker: Broker) -> None:
    def script(method: str, params: dict[str, Any]) -> Answer:
        if method == "payment.void":
            return None
        return None, ("gateway_unavailable", "down")

    mw = ScriptedPayments(broker.port, script)
    try:
        async with device(tmp_path, broker.url, call_timeout=2.0, status_attempts=3) as pay:
            with pytest.raises(PaymentsUnavailableError, match="unknown after 3"):
                await pay.void(txn_id="t-4", auth_id="a")
            assert mw.methods() == ["payment.void"] + ["payment.status"] * 3
            with pytest.raises(PaymentsUnavailableError):
                await pay.reader_refund(txn_id="t-4", reader_reference="r", amount_minor=1)
    finally:
        mw.close()


async def test_offline_is_unavailable_and_sends_nothing(tmp_path: Path) -> None:
    async with device(tmp_path, f"mqtt://127.0.0.1:{free_port()}", connect=False) as pay:
        with pytest.raises(PaymentsUnavailableError, match="not connected"):
            await pay.authorize(txn_id="t-5", token="tok", amount_minor=1, currency="EUR")
