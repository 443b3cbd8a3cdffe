"""The sandbox payment gateway over real HTTP on 127.0.0.1, through the HttpGateway adapter:
idempotency, declines, authorization windows, refund caps, reader refunds, restarts, faults,
the card-number canary, and the ``sandbox-gateway`` command as its own process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sync.middleware.payments.cards import looks_like_pan, luhn_valid
from sync.middleware.payments.gateway import (
    GatewayRejectedError,
    GatewayTimeoutError,
    GatewayUnavailableError,
    IdempotencyConflictError,
)
from sync.middleware.payments.http_gateway import HttpGateway
from sync.middleware.payments.sandbox import SandboxGateway
from sync.middleware.payments.sandbox_state import SandboxState
from sync.payments import PaymentStatus
from tests.support.broker import free_port

ROOT = Path(__file__).resolve().parents[3]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> Iterator[SandboxGateway]:
    state = SandboxState(auth_window_s=3600.0, decline_above=50_000, clock=clock)
    with SandboxGateway(state) as gateway:
        yield gateway


@pytest.fixture
async def gw(sandbox: SandboxGateway) -> AsyncIterator[HttpGateway]:
    adapter = HttpGateway(sandbox.url, timeout=20.0)
    yield adapter
    await adapter.close()


async def test_same_key_twice_is_one_authorization_other_params_conflict(
    gw: HttpGateway, sandbox: SandboxGateway
) -> None:
    first = await gw.authorize("tok_visa", 1250, "EUR", "pk-1:t-1:authorize", {"sku": "NOIR"})
    again = await gw.authorize("tok_visa", 1250, "EUR", "pk-1:t-1:authorize", {"sku": "NOIR"})
    assert first.status is PaymentStatus.APPROVED
    assert again == first
    with pytest.raises(IdempotencyConflictError):
        await gw.authorize("tok_visa", 1300, "EUR", "pk-1:t-1:authorize", {"sku": "NOIR"})
    stats = sandbox.state.stats()
    assert stats["authorize_executed"] == 1
    assert stats["authorizations"] == 1
    assert stats["replays"] == 1
    assert stats["conflicts"] == 1
    assert await gw.status("pk-1:t-1:authorize") == first


async def test_declines_are_results_not_errors(gw: HttpGateway) -> None:
    declined = await gw.authorize("tok_decline_insufficient_funds", 100, "EUR", "k-1", {})
    assert declined.status is PaymentStatus.DECLINED
    assert declined.reason == "insufficient_funds"
    assert declined.auth_id is None
    limit = await gw.authorize("tok_visa", 50_001, "EUR", "k-2", {})
    assert (limit.status, limit.reason) == (PaymentStatus.DECLINED, "amount_limit")
    ok = await gw.authorize("tok_visa", 50_000, "EUR", "k-3", {})
    assert ok.status is PaymentStatus.APPROVED


async def test_capture_after_the_window_fails_and_void_releases(
    gw: HttpGateway, clock: Clock
) -> None:
    late = await gw.authorize("tok_visa", 900, "EUR", "a-late", {})
    fresh = await gw.authorize("tok_visa", 900, "EUR", "a-fresh", {})
    assert late.auth_id is not None and fresh.auth_id is not None
    clock.now += 3599
    captured = await gw.capture(fresh.auth_id, 900, "c-fresh")
    assert captured.status is PaymentStatus.CAPTURED
    clock.now += 2
    expired = await gw.capture(late.auth_id, 900, "c-late")
    assert (expired.status, expired.reason) == (PaymentStatus.FAILED, "authorization_expired")
    voided = await gw.void(late.auth_id, "v-late")
    assert voided.status is PaymentStatus.VOIDED
    # a captured payment is not voided: it is refunded
    assert (await gw.void(fresh.auth_id, "v-fresh")).status is PaymentStatus.FAILED


async def test_refunds_never_exceed_the_captured_amount(gw: HttpGateway) -> None:
    auth = await gw.authorize("tok_visa", 1250, "EUR", "a", {})
    assert auth.auth_id is not None
    with pytest.raises(GatewayRejectedError) as uncaptured:
        await gw.refund(auth.auth_id, 100, "r-0")
    assert uncaptured.value.code == "not_captured"
    assert (await gw.capture(auth.auth_id, 1000, "c")).amount_minor == 1000
    assert (await gw.refund(auth.auth_id, 600, "r-1")).status is PaymentStatus.REFUNDED
    with pytest.raises(GatewayRejectedError) as over:
        await gw.refund(auth.auth_id, 401, "r-2")
    assert over.value.code == "refund_exceeds_captured"
    last = await gw.refund(auth.auth_id, 400, "r-3")
    assert (last.status, last.amount_minor) == (PaymentStatus.REFUNDED, 400)
    with pytest.raises(GatewayRejectedError):
        await gw.refund(auth.auth_id, 1, "r-4")
    # the stored rejection is what a retry (or a status query) of that key gets
    with pytest.raises(GatewayRejectedError):
        await gw.status("r-2")


async def test_reader_refund_is_idempotent(gw: HttpGateway, sandbox: SandboxGateway) -> None:
    first = await gw.reader_refund("nayax-7781", 450, "pk-1:t-9:reader_refund")
    again = await gw.reader_refund("nayax-7781", 450, "pk-1:t-9:reader_refund")
    assert first.status is PaymentStatus.REFUNDED
    assert first.reference is not None and first.reference == again.reference
    with pytest.raises(IdempotencyConflictError):
        await gw.reader_refund("nayax-7781", 451, "pk-1:t-9:reader_refund")


async def test_restart_keeps_authorizations_and_keys(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.db")
    with SandboxGateway(SandboxState(db)) as first:
        gw = HttpGateway(first.url, timeout=20.0)
        try:
            auth = await gw.authorize("tok_visa", 700, "EUR", "k-auth", {})
        finally:
            await gw.close()
    with SandboxGateway(SandboxState(db)) as second:
        gw = HttpGateway(second.url, timeout=20.0)
        try:
            assert await gw.status("k-auth") == auth
            assert await gw.authorize("tok_visa", 700, "EUR", "k-auth", {}) == auth
            assert auth.auth_id is not None
            assert (await gw.capture(auth.auth_id, 700, "k-cap")).status is PaymentStatus.CAPTURED
            assert second.state.stats()["authorize_executed"] == 1
        finally:
            await gw.close()


async def test_card_numbers_are_refused_and_never_executed(
    gw: HttpGateway, sandbox: SandboxGateway
) -> None:
    for token in ("4111111111111111", "4111 1111 1111 1111", "tok_4111-1111-1111-1111"):
        with pytest.raises(GatewayRejectedError) as refused:
            await gw.authorize(token, 100, "EUR", f"k-{len(token)}", {})
        assert refused.value.code == "card_number_refused"
    assert sandbox.state.stats().get("authorize_executed", 0) == 0
    assert looks_like_pan("5500 0000 0000 0004")
    assert not looks_like_pan("4111111111111112")  # fails Luhn
    assert not looks_like_pan("tok_123456789012")  # 12 digits
    assert luhn_valid("79927398713")


async def test_timeouts_unavailability_and_status_resolution(
    sandbox: SandboxGateway, gw: HttpGateway
) -> None:
    impatient = HttpGateway(sandbox.url, timeout=0.5)
    try:
        sandbox.faults.hang_after_next = 1  # executed and stored, the answer never comes
        with pytest.raises(GatewayTimeoutError):
            await impatient.authorize("tok_visa", 100, "EUR", "k-hang-after", {})
        resolved = await gw.status("k-hang-after")
        assert resolved.status is PaymentStatus.APPROVED
        sandbox.faults.hang_before_next = 1  # never executed
        with pytest.raises(GatewayTimeoutError):
            await impatient.authorize("tok_visa", 100, "EUR", "k-hang-before", {})
        assert (await gw.status("k-hang-before")).status is PaymentStatus.NOT_FOUND
        sandbox.faults.fail_next = 1
        with pytest.raises(GatewayUnavailableError) as failed:
            await gw.authorize("tok_visa", 100, "EUR", "k-503", {})
        assert not isinstance(failed.value, GatewayTimeoutError)
        assert (await gw.status("k-503")).status is PaymentStatus.NOT_FOUND
        assert sandbox.state.stats()["authorize_executed"] == 1
        assert sandbox.hung == 2
    finally:
        await impatient.close()


async def test_unreachable_gateway_is_unavailable() -> None:
    gw = HttpGateway(f"http://127.0.0.1:{free_port()}", timeout=5.0)
    try:
        with pytest.raises(GatewayUnavailableError):
            await gw.status("anything")
    finally:
        await gw.close()


def test_requests_without_a_key_or_with_bad_bodies_are_400(sandbox: SandboxGateway) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
        req = urllib.request.Request(
            sandbox.url + "/v1/authorizations", data=body, method="POST", headers=headers
        )
        try:
            with opener.open(req, timeout=20) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read())

    good = json.dumps({"token": "tok_visa", "amountMinor": 1, "currency": "EUR"}).encode()
    assert post(good, {})[0] == 400
    assert post(good, {"Idempotency-Key": "x" * 256})[0] == 400
    assert post(b"not json", {"Idempotency-Key": "k"})[0] == 400
    bad_amount = json.dumps({"token": "tok_visa", "amountMinor": -5, "currency": "EUR"})
    code, body = post(bad_amount.encode(), {"Idempotency-Key": "k"})
    assert code == 400
    assert body["error"]["code"] == "bad_request"  # type: ignore[index]
    # a refused request is not stored: the key can still be used correctly
    assert post(good, {"Idempotency-Key": "k"})[0] == 200
    assert post(good, {"Idempotency-Key": "x" * 255})[0] == 200


def test_sandbox_gateway_command_runs_as_its_own_process(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "sandbox.db"
    cmd = [sys.executable, "-m", "kiosk.cli", "middleware", "sandbox-gateway"]
    cmd += ["--port", str(port), "--db", str(db), "--decline-above", "10"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                    assert json.loads(resp.read()) == {"ok": True}
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.1)
        body = json.dumps({"token": "tok_visa", "amountMinor": 11, "currency": "EUR"}).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/authorizations",
            data=body,
            method="POST",
            headers={"Idempotency-Key": "cli-1"},
        )
        with opener.open(req, timeout=20) as resp:
            assert json.loads(resp.read())["status"] == "DECLINED"
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert db.exists()
