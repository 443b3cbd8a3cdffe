"""Journeys paying with loyalty points: the real flow, terminal and dispenser on their
simulators, the real ledger and sync engine, real Mosquitto, the real middleware (loyalty
accounts and holds on SQLite) and the sandbox gateway.

Online: held then made final by the SALE exactly once (duplicate deliveries included),
insufficient points refused before any card, points-only purchases, and the hold released
after a decline, a cancel or a dispense failure. Offline: refused with cap 0, allowed within
the cap and refused over it, the cap counted from the ledger across a restart, the SALE
debiting the points once the link is back. Crash: a purchase killed between its ``redeeming``
step and the RPC is finished by start-up recovery (hold released, never redeemed twice)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.purchase.journal import Step, fold
from kiosk.purchase.model import (
    FlowConfig,
    PurchaseRefusedError,
    PurchaseResult,
    Redemption,
    RedemptionRoute,
)
from kiosk.purchase.policy import CardPolicy, OfflineCaps
from kiosk.purchase.recovery import recover
from kiosk.purchase.redemption import local_day_start, offline_points_today, start_redemption
from kiosk.purchase.states import PurchaseState
from sync.loyalty import LoyaltyRefusedError
from sync.middleware import schema
from sync.middleware.loyalty_rpc import LoyaltyBook
from sync.middleware.payments.sandbox import SandboxGateway
from sync.protocol import EventType, encode_event_batch
from tests.kiosk.purchase.rig import SPRAY, FixedQuote, Rig, gateway_rig
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.e2e import running_middleware

FAST = FlowConfig(payment_timeout_s=10, dispense_query_attempts=2, dispense_query_interval_s=0.1)
MEMBER = "m-ada"


@pytest.fixture
async def book(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway
) -> AsyncIterator[LoyaltyBook]:
    """The running middleware's loyalty book, the member starting with 500 points."""
    async with running_middleware(
        f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=sandbox.url
    ) as (_service, engine):
        loyalty = LoyaltyBook(engine)
        loyalty.adjust(MEMBER, 500, reason="welcome", operator_id="op-1")
        yield loyalty


def points_quote(total: int, points: int) -> FixedQuote:
    return FixedQuote(total, member_id=MEMBER, points_redeemed=points)


async def buy(rig: Rig, total: int, points: int) -> PurchaseResult:
    rig.flow.reset()
    rig.flow.select(SPRAY)
    rig.flow.set_quote(points_quote(total, points))
    return await rig.flow.pay()


async def closed_with(rig: Rig, txn: str | None, step: str, timeout: float = 30.0) -> list[Step]:
    """Wait until ``txn`` is closed with ``step``; its journal steps."""
    assert txn is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = await rig.engine.call_ledger(rig.ledger.journal_entry, txn)
        if entry is not None and entry.step == step and not entry.open:
            events = await rig.engine.call_ledger(rig.ledger.transaction_events, txn)
            return list(fold(txn, events).steps)
        rig.settlement.kick()
        await asyncio.sleep(0.05)
    raise AssertionError(f"{txn} never closed with {step} (last: {entry})")


async def at_step(rig: Rig, step: str, timeout: float = 30.0) -> None:
    """Wait until the flow's current transaction has journalled ``step`` last."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        txn = rig.flow.txn_id
        entry = None if txn is None else await rig.engine.call_ledger(rig.ledger.journal_entry, txn)
        if entry is not None and entry.step == step:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the purchase never reached {step}")


def balance(book: LoyaltyBook) -> tuple[int, int]:
    b = book.balance(MEMBER)
    return b.balance, b.held


async def acked(rig: Rig) -> None:
    await until(lambda: rig.ledger.acked_seq >= rig.ledger.last_seq, what="every event acked")


async def test_online_redemption_is_debited_exactly_once(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, book: LoyaltyBook
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        result = await buy(rig, total=200, points=100)
        assert result.state is PurchaseState.COMPLETED
        txn = result.txn_id
        assert txn is not None
        steps = await closed_with(rig, txn, "captured")
        assert steps[:3] == [Step.REDEEMING, Step.REDEEMED, Step.PAYMENT_STARTED]
        await acked(rig)
        await until(lambda: balance(book) == (400, 0), what="points debited")
        # the SALE delivered again (a replay) and the redeem request again (a duplicate)
        events = await rig.engine.call_ledger(rig.ledger.events_between, 1, rig.ledger.last_seq)
        batch = encode_event_batch("pk-gw", rig.engine.epoch, [w for _s, w in events])
        assert rig.engine.publish("events", batch)
        assert rig.flow.loyalty is not None
        again = await rig.flow.loyalty.redeem(txn_id=txn, member_id=MEMBER, points=100)
        assert (again.status, again.points) == ("HELD", 100)  # the stored answer
        await acked(rig)
        assert balance(book) == (400, 0)
        assert [(h["txn_id"], h["state"]) for h in book.holds(MEMBER)] == [(txn, "final")]
        (sale,) = [
            e
            for e in await rig.engine.call_ledger(rig.ledger.transaction_events, txn)
            if e.type is EventType.SALE
        ]
        assert sale.data["points_redeemed"] == 100 and sale.data["redemption"] == "online"
        assert sandbox.state.stats()["authorizations"] == 1


async def test_insufficient_points_go_back_to_the_quote_before_any_card(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, book: LoyaltyBook
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        result = await buy(rig, total=100, points=501)
        assert (result.state, result.reason) == (
            PurchaseState.QUOTED,
            "loyalty_insufficient_points",
        )
        assert await rig.final_step(result.txn_id or "") == "redeem_refused"
        assert sandbox.state.stats()["authorizations"] == 0
        assert balance(book) == (500, 0)
        # the shopper pays without points: a new purchase from the same quote screen
        rig.flow.set_quote(FixedQuote(300, member_id=MEMBER))
        assert (await rig.flow.pay()).state is PurchaseState.COMPLETED


async def test_points_pay_the_whole_price_without_a_card(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, book: LoyaltyBook
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        rig.reader_sim.model.present_delay = 60.0  # type: ignore[attr-defined]  # a card would never come
        result = await buy(rig, total=0, points=300)
        assert result.state is PurchaseState.COMPLETED
        steps = await closed_with(rig, result.txn_id, "captured")
        assert Step.PAYMENT_STARTED not in steps
        assert (await rig.on_hand())[SPRAY.sku] == 50_000 - SPRAY.stock_qty
        await acked(rig)
        await until(lambda: balance(book) == (200, 0), what="points debited")
        assert sandbox.state.stats()["authorizations"] == 0
        # the canonical record: sold and settled by the points, no money moved
        with book.engine.connect() as conn:
            c = schema.transactions.c
            record = conn.execute(
                select(c.payment_mode, c.settlement_status, c.amount_minor).where(
                    c.global_txn_id == f"pk-gw:{result.txn_id}"
                )
            ).one()
        assert tuple(record) == ("points", "captured", 0)


@pytest.mark.parametrize("ending", ["declined", "cancelled", "dispense_failed"])
async def test_a_purchase_that_sells_nothing_releases_its_points(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, book: LoyaltyBook, ending: str
) -> None:
    token = "tok_decline_do_not_honor" if ending == "declined" else None
    async with gateway_rig(tmp_path, broker.url, config=FAST, token=token) as rig:
        await until(lambda: rig.engine.connected, what="online")
        if ending == "dispense_failed":
            rig.dispenser_sim.inject_fault("jam:0")
        if ending == "cancelled":
            rig.reader_sim.model.present_delay = 60.0  # type: ignore[attr-defined]
        paying = asyncio.create_task(buy(rig, total=150, points=120))
        if ending == "cancelled":
            await at_step(rig, "payment_started")  # the card is asked once the points are held
            await until(lambda: balance(book) == (500, 120), what="points held")
            await rig.flow.cancel()
        result = await paying
        reasons = {
            "declined": "declined",
            "cancelled": "cancelled",
            "dispense_failed": "dispense_jam",
        }
        assert result.reason == reasons[ending]
        steps = await closed_with(rig, result.txn_id, "points_released")
        assert Step.RELEASE_REQUESTED in steps and Step.DISPENSE_SUCCEEDED not in steps
        if ending == "dispense_failed":
            assert Step.VOIDED in steps  # the money went back first, then the points
        assert balance(book) == (500, 0)
        assert [h["state"] for h in book.holds(MEMBER)] == ["released"]


async def test_a_cancel_while_the_points_are_being_held_asks_no_card(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway, book: LoyaltyBook
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        lock = sqlite3.connect(tmp_path / "mw.db", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # the middleware's database is busy: redeem waits
        try:
            paying = asyncio.create_task(buy(rig, total=150, points=120))
            await at_step(rig, "redeeming")
            await rig.flow.cancel()
        finally:
            lock.execute("COMMIT")
            lock.close()
        result = await paying
        assert (result.state, result.reason) == (PurchaseState.CANCELLED, "cancelled")
        steps = await closed_with(rig, result.txn_id, "points_released")
        assert Step.PAYMENT_STARTED not in steps  # no card was asked
        assert balance(book) == (500, 0)
        assert sandbox.state.stats()["authorizations"] == 0


async def test_offline_redemption_cap_zero_refuses_with_a_clear_reason(tmp_path: Path) -> None:
    async with gateway_rig(tmp_path, "mqtt://127.0.0.1:1", config=FAST) as rig:
        rig.flow.select(SPRAY)
        rig.flow.set_quote(points_quote(0, 100))
        with pytest.raises(PurchaseRefusedError) as refused:
            await rig.flow.pay()
        assert refused.value.reason == "loyalty_offline_disabled"
        assert rig.ledger.last_seq == 2  # the two restocks: nothing was journalled


async def test_offline_cap_counts_from_the_ledger_across_a_restart(
    tmp_path: Path, sandbox: SandboxGateway
) -> None:
    late = Broker(tmp_path / "late-broker")
    config = replace(
        FAST,
        loyalty_offline_daily_cap_points=300,
        timezone="Europe/Paris",
        card_policy=CardPolicy.CAPPED_OFFLINE,
        offline_caps=OfflineCaps(per_sale_minor=1000, exclude_bottles=False),
    )

    async def refused(rig: Rig, total: int, points: int) -> str:
        with pytest.raises(PurchaseRefusedError) as exc:
            await buy(rig, total, points)
        return exc.value.reason

    async with gateway_rig(tmp_path, late.url, config=config) as rig:
        first = await buy(rig, total=0, points=200)  # points only, offline
        assert first.state is PurchaseState.COMPLETED
    async with gateway_rig(tmp_path, late.url, config=config) as rig:  # a restart
        assert await offline_points_today(rig.engine, "Europe/Paris") == 200
        assert await refused(rig, 0, 200) == "loyalty_offline_over_cap"
        rig.dispenser_sim.inject_fault("jam:0")
        failed = await buy(rig, total=0, points=100)  # allowed, but nothing is dispensed
        assert failed.reason == "dispense_jam"
        assert await offline_points_today(rig.engine, "Europe/Paris") == 200
        rig.dispenser_sim.model.clear_faults()
        mixed = await buy(rig, total=120, points=100)  # points + a card accepted offline
        assert mixed.state is PurchaseState.COMPLETED
        assert await refused(rig, 0, 1) == "loyalty_offline_over_cap"
        late.start()
        try:
            async with running_middleware(
                f"sqlite:///{tmp_path / 'mw.db'}", late.url, gateway_url=sandbox.url
            ) as (_service, engine):
                await until(lambda: rig.engine.connected, what="back online")
                await closed_with(rig, mixed.txn_id, "captured")
                await acked(rig)
                debited = LoyaltyBook(engine).balance(MEMBER)
                assert (debited.balance, debited.held) == (-300, 0)  # no hold: debited as sold
        finally:
            late.kill()


def test_the_local_day_starts_at_local_midnight() -> None:
    late_evening_utc = datetime(2025, 7, 16, 23, 30, tzinfo=UTC)  # 01:30 on the 17th in Paris
    assert local_day_start("Europe/Paris", late_evening_utc) == "2025-07-16T22:00:00.000Z"
    assert local_day_start("UTC", late_evening_utc) == "2025-07-16T00:00:00.000Z"
    winter = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    assert local_day_start("Europe/Paris", winter) == "2025-01-09T23:00:00.000Z"


@pytest.mark.parametrize("reached_middleware", [True, False])
async def test_a_crash_between_the_redemption_step_and_its_rpc_is_recovered(
    broker: Broker,
    tmp_path: Path,
    sandbox: SandboxGateway,
    book: LoyaltyBook,
    reached_middleware: bool,
) -> None:
    """The process died right after committing ``redeeming``: the redeem may or may not have
    left. Start-up recovery closes the purchase and releases the points; a redeem still on its
    way is refused when it lands."""
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = "t-crashed"
        rig.settlement.busy.add(txn)  # the "dead" process: nothing acts on it yet
        redemption = Redemption(MEMBER, 100, RedemptionRoute.ONLINE)
        base = {**journal_base(200), "member_id": MEMBER, "redeem_points": 100}
        await start_redemption(rig.flow._step, txn, redemption, {**base, "redemption": "online"})
        client = rig.flow.loyalty  # the engine's one RPC client answers only its own
        assert client is not None
        if reached_middleware:
            await client.redeem(txn_id=txn, member_id=MEMBER, points=100)
            assert balance(book) == (500, 100)
        rig.settlement.busy.discard(txn)  # the restart
        report = await recover(
            engine=rig.engine, dispenser=rig.dispenser, settlement=rig.settlement, config=FAST
        )
        assert report.examined == 1
        steps = await closed_with(rig, txn, "points_released")
        assert steps == [
            Step.REDEEMING,
            Step.CANCELLED,
            Step.RELEASE_REQUESTED,
            Step.POINTS_RELEASED,
        ]
        assert balance(book) == (500, 0)
        if not reached_middleware:
            with pytest.raises(LoyaltyRefusedError) as late:
                await client.redeem(txn_id=txn, member_id=MEMBER, points=100)
            assert late.value.code == "invalid_state"
        assert balance(book) == (500, 0)
        assert sandbox.state.stats()["authorizations"] == 0


def journal_base(amount: int) -> dict[str, object]:
    """The purchase data the flow journals with its first step."""
    return {
        "mode": "gateway",
        "amount_minor": amount,
        "currency": "EUR",
        "sku": SPRAY.sku,
        "kind": SPRAY.kind.value,
        "target": SPRAY.target,
        "doses": SPRAY.doses,
        "stock_qty": SPRAY.stock_qty,
        "unit": SPRAY.unit.value,
        "item_number": SPRAY.item_number,
    }
