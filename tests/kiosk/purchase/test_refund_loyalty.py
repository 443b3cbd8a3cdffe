"""Refunds move loyalty points with the money: the real flow, terminal and dispenser on their
simulators, the real ledger and sync engine, real Mosquitto, the real middleware (loyalty
accounts on SQLite) and the sandbox gateway.

A full refund takes back every point the sale earned and gives back every point it spent;
refunds adding up to the whole move exactly the whole (a share of 0 moves nothing); a
non-member's refund records no LOYALTY event; a sale paid only with points cannot be refunded
(nothing was captured), as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kiosk.purchase.model import FlowConfig
from kiosk.purchase.refunds import RefundError, request_refund
from kiosk.purchase.states import PurchaseState
from sync.ledger import EventDraft
from sync.middleware.loyalty_rpc import LoyaltyBook
from sync.middleware.payments.sandbox import SandboxGateway
from sync.protocol import EventType, Unit, encode_event_batch
from tests.kiosk.purchase.rig import SPRAY, FixedQuote, Rig, gateway_rig
from tests.kiosk.purchase.test_gateway_journeys import settled
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.e2e import running_middleware

FAST = FlowConfig(payment_timeout_s=10, dispense_query_attempts=2, dispense_query_interval_s=0.1)
MEMBER = "m-ada"
WELCOME = 500


@pytest.fixture
async def book(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway
) -> AsyncIterator[LoyaltyBook]:
    """The running middleware's loyalty book, the member starting with 500 points."""
    async with running_middleware(
        f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=sandbox.url
    ) as (_service, engine):
        loyalty = LoyaltyBook(engine)
        loyalty.adjust(MEMBER, WELCOME, reason="welcome", operator_id="op-1")
        yield loyalty


async def member_sale(rig: Rig, *, total: int, spend: int, earn: int) -> str:
    """A captured card sale to the member, net of ``spend`` points and earning ``earn``."""
    rig.flow.reset()
    rig.flow.select(SPRAY)
    rig.flow.set_quote(FixedQuote(total, member_id=MEMBER, points_redeemed=spend), points=earn)
    result = await rig.flow.pay()
    assert result.state is PurchaseState.COMPLETED and result.txn_id is not None
    await settled(rig, result.txn_id, "captured")
    return result.txn_id


async def refund(rig: Rig, txn: str, amount: int) -> list[tuple[str, int]]:
    """Refund ``amount`` of ``txn`` until settled; the (kind, points) of its LOYALTY events,
    which must follow its ``refund_requested`` step and REFUND event in sequence (one batch)."""
    ticket = await request_refund(
        rig.engine,
        rig.settlement,
        original_txn=txn,
        amount_minor=amount,
        operator_id="tech-1",
        reason="leak",
    )
    await settled(rig, ticket.refund_txn_id, "refunded")
    events = await rig.engine.call_ledger(rig.ledger.transaction_events, ticket.refund_txn_id)
    moves = [e for e in events if e.type is EventType.LOYALTY]
    batch = events[: 2 + len(moves)]
    expected = [EventType.PAYMENT, EventType.REFUND, *[EventType.LOYALTY] * len(moves)]
    assert [e.type for e in batch] == expected
    assert [e.seq for e in batch] == list(range(batch[0].seq, batch[0].seq + len(batch)))
    for e in moves:
        assert (e.data["member_id"], e.data["original_txn"]) == (MEMBER, txn)
    return [(str(e.data["kind"]), int(e.data["points"])) for e in moves]


async def balance_is(rig: Rig, book: LoyaltyBook, points: int) -> None:
    """Every event acked, and then the member's balance is ``points`` with nothing held."""
    await until(lambda: rig.ledger.acked_seq >= rig.ledger.last_seq, what="every event acked")
    b = book.balance(MEMBER)
    assert (b.balance, b.held) == (points, 0)


async def test_a_full_refund_returns_every_point_earned_and_spent(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = await member_sale(rig, total=600, spend=100, earn=30)
        await balance_is(rig, book, WELCOME - 100 + 30)
        assert await refund(rig, txn, 600) == [("reversal", 30), ("restore", 100)]
        await balance_is(rig, book, WELCOME)
        # every event delivered again (a replay): the points move once
        events = await rig.engine.call_ledger(rig.ledger.events_between, 1, rig.ledger.last_seq)
        batch = encode_event_batch("pk-gw", rig.engine.epoch, [w for _s, w in events])
        assert rig.engine.publish("events", batch)
        # an event recorded after the replay is acked once the replay went through
        await rig.engine.record(
            EventDraft(EventType.RESTOCK, sku=SPRAY.sku, qty=1, unit=Unit.MICROLITRE)
        )
        await balance_is(rig, book, WELCOME)


async def test_partial_refunds_adding_up_to_the_whole_return_exactly_the_totals(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    """31 earned and 100 spent on 600 captured: after 1, 250 and 600 refunded, floor(31·r/600)
    and floor(100·r/600) points have moved: 0 and 0 (nothing recorded), 12 and 41, 31 and 100."""
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = await member_sale(rig, total=600, spend=100, earn=31)
        await balance_is(rig, book, WELCOME - 100 + 31)
        assert await refund(rig, txn, 1) == []
        assert await refund(rig, txn, 249) == [("reversal", 12), ("restore", 41)]
        await balance_is(rig, book, WELCOME - 100 + 31 - 12 + 41)
        assert await refund(rig, txn, 350) == [("reversal", 19), ("restore", 59)]
        await balance_is(rig, book, WELCOME)


async def test_a_non_member_refund_records_no_loyalty_event(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        sale = await rig.buy(SPRAY, price=600)
        await settled(rig, sale.txn_id, "captured")
        assert await refund(rig, sale.txn_id, 600) == []
        assert await rig.engine.call_ledger(rig.ledger.count_events, EventType.LOYALTY) == 0
        await balance_is(rig, book, WELCOME)


async def test_a_sale_paid_only_with_points_cannot_be_refunded(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    """Nothing was captured, so nothing can be refunded (the money rules are unchanged); an
    operator gives such points back with an adjustment at the middleware."""
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = await member_sale(rig, total=0, spend=300, earn=0)
        with pytest.raises(RefundError, match="more than the 0 captured"):
            await request_refund(
                rig.engine,
                rig.settlement,
                original_txn=txn,
                amount_minor=1,
                operator_id="tech-1",
                reason="leak",
            )
        assert await rig.engine.call_ledger(rig.ledger.count_events, EventType.LOYALTY) == 0
        await balance_is(rig, book, WELCOME - 300)
