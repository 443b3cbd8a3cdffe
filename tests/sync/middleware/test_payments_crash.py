"""The middleware killed (SIGKILL) after committing a payment's result but before answering:
the device's answer is lost; once a middleware runs again, ``status`` with the same key returns
the stored result, and the sandbox saw exactly one authorization."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.middleware import schema as t
from sync.middleware.db import open_database
from sync.middleware.payments.sandbox import SandboxGateway
from sync.middleware.payments.sandbox_state import SandboxState
from sync.payments import PaymentsClient, PaymentStatus, PaymentsUnavailableError
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.middleware.test_payments_rpc import DEVICE, kiosk

ROOT = Path(__file__).resolve().parents[3]
HARNESS = """
import argparse, logging, sys
from sync.middleware import cli
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
parser = argparse.ArgumentParser(prog="perfume-kiosk")
cli.register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
sys.exit(args.handler(args))
"""


@contextmanager
def serve(
    db: str, broker: Broker, gateway_url: str, *, crash: bool
) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ)
    env.pop("PK_CRASH_POINTS", None)
    if crash:
        env["PK_CRASH_POINTS"] = "payments_before_answer=1"
    args = ["middleware", "serve", "--broker", broker.url, "--db", db, "--instance", "pay-crash"]
    args += ["--gateway", gateway_url, "--gateway-timeout-s", "10"]
    proc = subprocess.Popen(
        [sys.executable, "-c", HARNESS, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=60)


async def test_killed_after_commit_before_answer_then_status_resolves(
    tmp_path: Path, broker: Broker
) -> None:
    db = f"sqlite:///{tmp_path / 'mw.db'}"
    key = f"{DEVICE}:t-k9:authorize"
    with SandboxGateway(SandboxState()) as sandbox:
        async with kiosk(tmp_path, broker, call_timeout=2.0, status_attempts=1) as k:
            patient = PaymentsClient(
                k.rpc, device_id=DEVICE, call_timeout=5.0, status_attempts=20, backoff_s=0.2
            )
            with serve(db, broker, sandbox.url, crash=True) as proc:
                # NOT_FOUND answers pass the crash point: a round trip shows it is serving
                assert (await patient.status(key=key)).status is PaymentStatus.NOT_FOUND
                with pytest.raises(PaymentsUnavailableError):
                    await k.payments.authorize(
                        txn_id="t-k9", token="tok_visa", amount_minor=1250, currency="EUR"
                    )
                await until(lambda: proc.poll() is not None, timeout=60, what="middleware died")
                assert proc.returncode == -9
            assert sandbox.state.stats()["authorize_executed"] == 1
            with serve(db, broker, sandbox.url, crash=False):
                answer = await patient.status(key=key)
                assert answer.status is PaymentStatus.APPROVED
                again = await patient.authorize(
                    txn_id="t-k9", token="tok_visa", amount_minor=1250, currency="EUR"
                )
                assert again == answer
        assert sandbox.state.stats()["authorize_executed"] == 1
    engine = open_database(db, create=False)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(t.transactions)).one()
        assert (row.settlement_status, row.payment_auth_id) == ("authorized", answer.auth_id)
    finally:
        engine.dispose()
