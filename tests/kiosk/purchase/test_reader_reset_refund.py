"""The MDB rule, end to end: a cashless reader that resets between its approval and the vend
result counts the vend as a success (it keeps the money). When nothing was dispensed, the kiosk
asks the middleware to refund it; the middleware refunds through the processor (the sandbox
gateway) and the canonical record shows the refund. An MDB level-1 reader reports no reference
of its own, so the refund names the sale by machine and transaction id."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select

from hardware.mdb.simulator import Fault
from kiosk.purchase.middleware import MiddlewarePayments
from kiosk.purchase.model import FlowConfig
from kiosk.purchase.states import PurchaseState
from sync.middleware import schema as t
from sync.middleware.payments.sandbox import SandboxGateway
from sync.payments import PaymentsClient
from sync.protocol import EventType
from sync.rpc import RpcClient
from tests.kiosk.purchase.rig import SPRAY, reader_rig
from tests.support.broker import Broker
from tests.sync.e2e import running_middleware

FAST = FlowConfig(payment_timeout_s=10, dispense_query_attempts=2, dispense_query_interval_s=0.1)


async def test_reset_reader_with_nothing_dispensed_is_refunded_through_the_middleware(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway
) -> None:
    async with (
        running_middleware(
            f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=sandbox.url
        ) as (_service, mw_db),
        reader_rig(tmp_path, broker_url=broker.url, config=FAST) as rig,
    ):
        rig.settlement.payments = MiddlewarePayments(
            PaymentsClient(RpcClient(rig.engine), device_id="pk-rig", call_timeout=5.0),
            "pk-rig",
        )
        rig.reader_sim.model.reader().arm(Fault.DIE_MID_VEND)
        rig.dispenser_sim.inject_fault("jam")
        result = await rig.buy(SPRAY)
        assert result.state is PurchaseState.FAILED_VOIDED
        assert result.txn_id is not None
        deadline = time.monotonic() + 30
        while await rig.final_step(result.txn_id) != "reader_refunded":
            assert time.monotonic() < deadline, await rig.final_step(result.txn_id)
            rig.settlement.kick()
            await asyncio.sleep(0.05)
        assert sandbox.state.stats()["reader_refunds"] == 1
        assert await rig.engine.call_ledger(rig.ledger.count_events, EventType.SALE) == 0
        await rig.engine.wait_until_synced()
        with mw_db.connect() as conn:
            row = conn.execute(
                select(t.transactions).where(
                    t.transactions.c.global_txn_id.like(f"%{result.txn_id}")
                )
            ).one()
        assert row.settlement_status == "refunded"
