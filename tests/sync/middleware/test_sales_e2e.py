"""The canonical record end to end: the real purchase flow (drivers on simulators over ptys,
ledger, sync engine, settlement worker) -> real Mosquitto -> the real middleware service ->
SQLite / PostgreSQL, with the sandbox gateway over HTTP for card payments."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from kiosk.purchase.policy import CardPolicy, OfflineCaps
from kiosk.purchase.refunds import request_refund
from kiosk.purchase.states import PurchaseState
from sync.middleware import schema as t
from sync.middleware.payments.sandbox import SandboxGateway
from tests.kiosk.purchase.rig import SPRAY, FixedQuote, Rig, gateway_rig, reader_rig
from tests.kiosk.purchase.test_gateway_journeys import FAST, settled
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.e2e import running_middleware


@dataclass(frozen=True)
class TaxedQuote(FixedQuote):
    """A one-line quote with tax, shaped like kiosk.pricing.Quote.to_json()."""

    tax_minor: int = 0

    def to_json(self) -> Mapping[str, Any]:
        line = {"sku": SPRAY.sku, "unitPriceMinor": self.total_minor, "discounts": []}
        totals = {"taxMinor": self.tax_minor, "totalMinor": self.total_minor}
        return {"currency": self.currency, "lines": [line], "totals": totals}


async def buy(rig: Rig, price: int, tax: int) -> Any:
    rig.flow.reset()
    rig.flow.select(SPRAY)
    rig.flow.set_quote(TaxedQuote(price, tax_minor=tax))
    return await rig.flow.pay()


async def drained(rig: Rig, timeout: float = 60.0) -> None:
    """Every event the device journaled is stored (and acked) by the middleware."""
    deadline = time.monotonic() + timeout
    while (await rig.engine.ledger_status()).pending_count:
        assert time.monotonic() < deadline, "the device's outbox never drained"
        await asyncio.sleep(0.05)


def record(engine: Engine, device: str, txn: str | None) -> Any:
    c = t.transactions.c
    with engine.connect() as conn:
        return conn.execute(
            select(t.transactions).where(c.global_txn_id == f"{device}:{txn}")
        ).one()


def moves(engine: Engine, device: str, txn: str | None) -> list[tuple[str | None, str, str]]:
    h = t.transaction_history.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(h.from_status, h.to_status, h.source)
            .where(h.global_txn_id == f"{device}:{txn}")
            .order_by(h.id)
        ).all()
    return [(r.from_status, r.to_status, r.source) for r in rows]


async def test_mdb_reader_sales_become_records(db_url: str, broker: Broker, tmp_path: Path) -> None:
    async with (
        running_middleware(db_url, broker.url) as (_service, engine),
        reader_rig(tmp_path, broker_url=broker.url) as rig,
    ):
        await until(lambda: rig.engine.connected, what="online")
        sold = await buy(rig, 1500, 250)
        assert sold.state is PurchaseState.COMPLETED
        rig.dispenser_sim.inject_fault("jam")
        jammed = await buy(rig, 900, 150)
        assert jammed.state is PurchaseState.FAILED_VOIDED
        await drained(rig)
        row = record(engine, "pk-rig", sold.txn_id)
        assert (row.payment_mode, row.settlement_status, row.dispense_status) == (
            "reader",
            "captured",
            "succeeded",
        )
        assert (row.sku_id, row.unit_price_minor, row.tax_minor) == (SPRAY.sku, 1500, 250)
        assert (row.amount_minor, row.captured_minor, row.currency) == (1500, 1500, "EUR")
        assert row.pos_txn_id == "pk-rig-00000001"
        assert row.payment_auth_id is None  # an MDB reader reports no reference of its own
        assert moves(engine, "pk-rig", sold.txn_id) == [
            (None, "authorized", "ledger:PAYMENT:authorized"),
            ("authorized", "captured", "ledger:DISPENSE:dispense_succeeded"),
        ]
        row = record(engine, "pk-rig", jammed.txn_id)
        assert (row.settlement_status, row.dispense_status, row.captured_minor) == (
            "voided",
            "failed",
            0,
        )
        assert row.pos_txn_id == "pk-rig-00000002"
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t.transactions)).scalar()
        assert total == 2


async def test_gateway_sale_record_is_settled_by_rpc_and_confirmed_by_the_ledger(
    db_url: str, broker: Broker, tmp_path: Path, sandbox: SandboxGateway
) -> None:
    async with (
        running_middleware(db_url, broker.url, gateway_url=sandbox.url) as (_service, engine),
        gateway_rig(tmp_path, broker.url, config=FAST) as rig,
    ):
        await until(lambda: rig.engine.connected, what="online")
        sale = await buy(rig, 1200, 200)
        assert sale.state is PurchaseState.COMPLETED
        await settled(rig, sale.txn_id, "captured")
        ticket = await request_refund(
            rig.engine,
            rig.settlement,
            original_txn=sale.txn_id or "",
            amount_minor=500,
            operator_id="tech-1",
            reason="leak",
        )
        await settled(rig, ticket.refund_txn_id, "refunded")
        await drained(rig)
        row = record(engine, "pk-gw", sale.txn_id)
        assert (row.payment_mode, row.settlement_status) == ("gateway", "partially_refunded")
        assert (row.captured_minor, row.refunded_minor) == (1200, 500)
        assert (row.dispense_status, row.sku_id, row.tax_minor) == ("succeeded", SPRAY.sku, 200)
        assert row.operator_id == "tech-1"  # from the REFUND event
        history = moves(engine, "pk-gw", sale.txn_id)
        rpc = [m for m in history if m[2].startswith("rpc:")]
        assert rpc == [
            (None, "authorized", "rpc:payment.authorize"),
            ("authorized", "captured", "rpc:payment.capture"),
            ("captured", "partially_refunded", "rpc:payment.refund"),
        ]
        ledger = [m for m in history if m[2].startswith("ledger:")]
        assert sorted(m[2] for m in ledger) == [
            "ledger:DISPENSE:dispense_succeeded",
            "ledger:REFUND",
        ]
        assert all(before == after for before, after, _ in ledger)  # never the settlement


async def test_offline_sale_forwarded_later_has_one_complete_record(
    db_url: str, tmp_path: Path, sandbox: SandboxGateway
) -> None:
    broker = Broker(tmp_path / "late-broker")
    caps = OfflineCaps(per_sale_minor=1000, daily_total_minor=5000, max_pending=5)
    config = replace(FAST, card_policy=CardPolicy.CAPPED_OFFLINE, offline_caps=caps)
    async with gateway_rig(tmp_path, broker.url, config=config) as rig:
        offline = await buy(rig, 800, 100)
        assert offline.state is PurchaseState.COMPLETED
        broker.start()
        try:
            async with running_middleware(db_url, broker.url, gateway_url=sandbox.url) as (
                _service,
                engine,
            ):
                await until(lambda: rig.engine.connected, what="back online")
                await settled(rig, offline.txn_id, "captured")
                await drained(rig)
                row = record(engine, "pk-gw", offline.txn_id)
                assert (row.settlement_status, row.captured_minor) == ("captured", 800)
                assert (row.sku_id, row.unit_price_minor, row.tax_minor) == (SPRAY.sku, 800, 100)
                assert (row.dispense_status, row.payment_mode) == ("succeeded", "gateway")
                assert row.payment_auth_id is not None
                history = moves(engine, "pk-gw", offline.txn_id)
                assert history[-1][1] == "captured"
                sale_rows = [m for m in history if m[2].endswith(":dispense_succeeded")]
                # the ledger made the record (offline_pending) or found the RPC's: either way once
                assert len(sale_rows) == 1
                assert sale_rows[0][1] in ("offline_pending", sale_rows[0][0])
        finally:
            broker.kill()
