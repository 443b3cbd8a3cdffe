"""Journeys with the tokenizing terminal: the middleware authorizes the token with the
sandbox gateway over MQTT RPC; capture after a successful dispense, void after a failure,
status queries for lost answers, the offline card policies, refunds, promotions and loyalty."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.catalog import Catalog
from kiosk.loyalty import Member, points_for
from kiosk.pricing import Cart, quote
from kiosk.purchase.items import dispensables
from kiosk.purchase.journal import fold
from kiosk.purchase.model import (
    DispenseKind,
    FlowConfig,
    PurchaseRefusedError,
    UnknownDispensePolicy,
)
from kiosk.purchase.policy import CardPolicy, OfflineCaps
from kiosk.purchase.refunds import NotCapturedError, RefundError, request_refund
from kiosk.purchase.states import PurchaseState
from sync.ledger import EventDraft
from sync.middleware.payments.sandbox import SandboxGateway
from sync.protocol import EventType
from tests.kiosk.purchase.rig import BOTTLE, SPRAY, FixedQuote, Rig, gateway_rig
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.e2e import running_middleware

FAST = FlowConfig(payment_timeout_s=10, dispense_query_attempts=2, dispense_query_interval_s=0.1)
DEMO = Path(__file__).resolve().parents[3] / "assets" / "catalog" / "demo.json"


@pytest.fixture
async def online(broker: Broker, tmp_path: Path, sandbox: SandboxGateway) -> AsyncIterator[None]:
    async with running_middleware(
        f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=sandbox.url
    ):
        yield


async def settled(rig: Rig, txn: str | None, step: str, timeout: float = 30.0) -> None:
    """Wait until the settlement worker closes ``txn`` with ``step``."""
    assert txn is not None
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        entry = await rig.engine.call_ledger(rig.ledger.journal_entry, txn)
        seen = entry.step if entry else None
        if seen == step:
            return
        rig.settlement.kick()
        await asyncio.sleep(0.05)
    events = await rig.engine.call_ledger(rig.ledger.transaction_events, txn)
    trail = [
        (e.data.get("step"), {k: v for k, v in e.data.items() if k != "quote"}) for e in events
    ]
    raise AssertionError(f"{txn} never reached {step} (last step {seen}): {trail}")


async def test_success_is_captured_after_the_dispense(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, online: None
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        result = await rig.buy(SPRAY, price=450)
        assert result.state is PurchaseState.COMPLETED
        assert (result.card_brand, result.last4) == ("VISA", "4242")
        await settled(rig, result.txn_id, "captured")
        stats = sandbox.state.stats()
        assert stats["authorizations"] == 1


async def test_gateway_decline_returns_to_the_quote(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, online: None
) -> None:
    async with gateway_rig(
        tmp_path, broker.url, config=FAST, token="tok_decline_insufficient_funds"
    ) as rig:
        await until(lambda: rig.engine.connected, what="online")
        result = await rig.buy(BOTTLE, price=4900)
        assert (result.state, result.reason) == (PurchaseState.QUOTED, "declined")
        assert await rig.final_step(result.txn_id) == "declined"
        assert (await rig.on_hand())[BOTTLE.sku] == 5


async def test_dispense_failure_is_voided_never_captured(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, online: None
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        rig.dispenser_sim.inject_fault("jam:0")
        result = await rig.buy(SPRAY)
        assert (result.state, result.reason) == (PurchaseState.FAILED_VOIDED, "dispense_jam")
        await settled(rig, result.txn_id, "voided")
        assert await rig.engine.call_ledger(rig.ledger.count_events, EventType.SALE) == 0


async def test_lost_gateway_answer_is_resolved_by_status_not_a_second_authorization(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway
) -> None:
    sandbox.faults.hang_after_next = 1  # the authorization runs, its answer never comes
    async with (
        running_middleware(f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=sandbox.url),
        gateway_rig(tmp_path, broker.url, config=FAST) as rig,
    ):
        await until(lambda: rig.engine.connected, what="online")
        result = await rig.buy(SPRAY)
        if result.state is PurchaseState.COMPLETED:
            await settled(rig, result.txn_id, "captured")
        else:  # the answer stayed unknown: the worker resolves it and gives the money back
            await settled(rig, result.txn_id, "voided")
        assert sandbox.state.stats()["authorize_executed"] == 1


async def test_require_online_refuses_cards_while_the_middleware_is_unreachable(
    tmp_path: Path,
) -> None:
    async with gateway_rig(tmp_path, "mqtt://127.0.0.1:1", config=FAST) as rig:
        rig.flow.select(SPRAY)
        rig.flow.set_quote(FixedQuote(300))
        with pytest.raises(PurchaseRefusedError) as refused:
            await rig.flow.pay()
        assert refused.value.reason == "card_offline"


async def test_capped_offline_sells_then_forwards_when_back_online(
    tmp_path: Path, sandbox: SandboxGateway
) -> None:
    broker = Broker(tmp_path / "late-broker")
    caps = OfflineCaps(per_sale_minor=1000, daily_total_minor=5000, max_pending=5)
    config = replace(FAST, card_policy=CardPolicy.CAPPED_OFFLINE, offline_caps=caps)
    async with gateway_rig(tmp_path, broker.url, config=config) as rig:
        offline = await rig.buy(SPRAY, price=300)
        assert offline.state is PurchaseState.COMPLETED
        for item, price, reason in (
            (BOTTLE, 900, "offline_bottle"),
            (SPRAY, 1500, "offline_amount"),
        ):
            rig.flow.reset()
            rig.flow.select(item)
            rig.flow.set_quote(FixedQuote(price))
            with pytest.raises(PurchaseRefusedError) as refused:
                await rig.flow.pay()
            assert refused.value.reason == reason
        broker.start()
        try:
            async with running_middleware(
                f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=sandbox.url
            ):
                await until(lambda: rig.engine.connected, what="back online")
                await settled(rig, offline.txn_id, "captured")
        finally:
            broker.kill()


async def test_refunds_never_exceed_the_capture(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, online: None
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        sale = await rig.buy(SPRAY, price=600)
        await settled(rig, sale.txn_id, "captured")
        first = await request_refund(
            rig.engine,
            rig.settlement,
            original_txn=sale.txn_id,
            amount_minor=400,
            operator_id="tech-1",
            reason="leak",
        )
        await settled(rig, first.refund_txn_id, "refunded")
        with pytest.raises(RefundError, match="more than the 600 captured"):
            await request_refund(
                rig.engine,
                rig.settlement,
                original_txn=sale.txn_id,
                amount_minor=201,
                operator_id="tech-1",
                reason="again",
            )
        second = await request_refund(
            rig.engine,
            rig.settlement,
            original_txn=sale.txn_id,
            amount_minor=200,
            operator_id="tech-1",
            reason="rest",
        )
        await settled(rig, second.refund_txn_id, "refunded")
        refunds = await rig.engine.call_ledger(rig.ledger.count_events, EventType.REFUND)
        assert refunds == 2


async def test_refunds_asked_for_at_once_still_never_exceed_the_capture(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, online: None
) -> None:
    """The service menu and the POS refund the same sale at the same moment: one of the two
    400s of a 600 sale is refused, and the refund ids stay distinct."""
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        sale = await rig.buy(SPRAY, price=600)
        await settled(rig, sale.txn_id, "captured")
        asked = [
            request_refund(
                rig.engine,
                rig.settlement,
                original_txn=sale.txn_id,
                amount_minor=400,
                operator_id=who,
                reason="leak",
            )
            for who in ("tech-1", "pos")
        ]
        results = await asyncio.gather(*asked, return_exceptions=True)
        tickets = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(tickets) == 1, results
        assert len(refused) == 1 and isinstance(refused[0], RefundError), refused
        assert "more than the 600 captured" in str(refused[0])
        await settled(rig, tickets[0].refund_txn_id, "refunded")
        refunds = await rig.engine.call_ledger(rig.ledger.count_events, EventType.REFUND)
        assert refunds == 1


async def test_an_uncaptured_payment_is_voided_not_refunded(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, online: None
) -> None:
    # the board goes silent mid-dispense and the policy leaves the authorization open
    config = replace(FAST, unknown_dispense=UnknownDispensePolicy.LEAVE)
    async with gateway_rig(tmp_path, broker.url, config=config) as rig:
        await until(lambda: rig.engine.connected, what="online")
        rig.dispenser_sim.inject_fault("silent")
        sale = await rig.buy(SPRAY, price=300)
        assert sale.state is PurchaseState.MANUAL_REVIEW
        with pytest.raises(NotCapturedError, match="void it instead"):
            await request_refund(
                rig.engine,
                rig.settlement,
                original_txn=sale.txn_id or "",
                amount_minor=100,
                operator_id="tech-1",
                reason="x",
            )
        assert (await rig.engine.ledger_status()).manual_review == 1


async def test_promotion_and_loyalty_price_what_is_charged(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, online: None
) -> None:
    catalog = Catalog.load(DEMO)
    spray = next(i for i in dispensables(catalog).values() if i.kind is DispenseKind.SPRAY)
    member = Member("m-42", "Ada", "gold", datetime(2026, 1, 1, tzinfo=UTC), None, "k1")
    happy_hour = datetime(2026, 12, 1, 17, 30, tzinfo=ZoneInfo(catalog.timezone))  # a Tuesday
    priced = quote(Cart.of([(spray.sku, 1)]), catalog, now=happy_hour, member=member)
    assert priced.discount_total.amount_minor > 0
    points = points_for(priced, catalog)
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        await rig.engine.record(
            EventDraft(EventType.RESTOCK, sku=spray.sku, qty=50_000, unit=spray.unit)
        )
        rig.flow.select(replace(spray, target=0))
        rig.flow.set_quote(priced, points=points)
        result = await rig.flow.pay()
        assert result.state is PurchaseState.COMPLETED
        await settled(rig, result.txn_id, "captured")
        events = await rig.engine.call_ledger(rig.ledger.transaction_events, result.txn_id)
        auth = sandbox.state.authorization(str(fold(result.txn_id or "", events).auth_id))
        assert auth is not None
        assert auth["amountMinor"] == priced.total_minor < priced.list_total.amount_minor
        assert auth["state"] == "captured"
        (accrual,) = await rig.engine.call_ledger(
            rig.ledger.events_where, EventType.LOYALTY, "member_id", "m-42"
        )
        assert accrual.data["points"] == points > 0
