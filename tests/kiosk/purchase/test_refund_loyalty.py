"""Refunds move loyalty points with the money: the real flow, terminal and dispenser on their
simulators, the real ledger and sync engine, real Mosquitto, the real middleware (loyalty
accounts on SQLite) and the sandbox gateway.

A full refund takes back every point the sale earned and gives back every point it spent;
refunds adding up to the whole move exactly the whole (a share of 0 moves nothing); a
non-member's refund records no LOYALTY event. A sale paid only with points has no money to
refund: a points refund (kiosk.purchase.points_refunds) gives its points back, recorded and
closed at once, and the middleware's record of the sale follows (``partially_refunded`` /
``refunded``); a card sale's points only follow its money."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.purchase.model import FlowConfig
from kiosk.purchase.points_refunds import refund_points
from kiosk.purchase.refunds import PointsOnlyError, RefundError, request_refund
from kiosk.purchase.states import PurchaseState
from sync.ledger import EventDraft
from sync.middleware import schema as t
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


async def test_a_sale_paid_only_with_points_has_no_money_to_refund(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    """Nothing was captured, so nothing can be refunded in money (the money rules are
    unchanged); the refusal says to give its points back instead."""
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = await member_sale(rig, total=0, spend=300, earn=0)
        with pytest.raises(PointsOnlyError, match="paid only with points"):
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


async def give_back(rig: Rig, txn: str, points: int | None) -> tuple[str, list[tuple[str, int]]]:
    """A points refund of ``txn``: its id and the (kind, points) of its LOYALTY events, after
    checking it is one batch (``refund_requested``, REFUND of 0 with the points, the LOYALTY
    events, ``refunded``) and closed: nothing left in flight for the settlement worker."""
    ticket = await refund_points(
        rig.engine, original_txn=txn, operator_id="tech-1", reason="leaking bottle", points=points
    )
    events = await rig.engine.call_ledger(rig.ledger.transaction_events, ticket.refund_txn_id)
    kinds = [(e.type, e.data.get("step")) for e in events]
    moves = [(str(e.data["kind"]), int(e.data["points"])) for e in events[2:-1]]
    assert kinds == [
        (EventType.PAYMENT, "refund_requested"),
        (EventType.REFUND, None),
        *[(EventType.LOYALTY, None)] * len(moves),
        (EventType.PAYMENT, "refunded"),
    ]
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + len(events)))
    requested, refund = events[0], events[1]
    assert (refund.amount_minor, refund.data["points"]) == (0, ticket.points)
    assert (requested.data["points"], requested.data["points_left"]) == (
        ticket.points,
        ticket.points_left,
    )
    assert refund.data["original_txn"] == txn
    assert ("restore", ticket.points) in moves
    entry = await rig.engine.call_ledger(rig.ledger.journal_entry, ticket.refund_txn_id)
    assert entry is not None and (entry.step, entry.open) == ("refunded", False)
    assert await rig.engine.call_ledger(rig.ledger.open_transactions) == []
    assert await rig.settlement.run_once() == 0  # nothing to settle: no money moved
    return ticket.refund_txn_id, moves


def sale_record(book: LoyaltyBook, txn: str) -> tuple[str, str, int, int]:
    """The middleware's record of the sale: (payment mode, status, captured, refunded)."""
    c = t.transactions.c
    with book.engine.connect() as conn:
        row = conn.execute(select(t.transactions).where(c.global_txn_id == f"pk-gw:{txn}")).one()
    return row.payment_mode, row.settlement_status, row.captured_minor, row.refunded_minor


def refund_notes(book: LoyaltyBook, txn: str) -> list[tuple[str, int]]:
    """The sale's ``ledger:REFUND`` history notes: (refund transaction, points)."""
    h = t.transaction_history.c
    with book.engine.connect() as conn:
        rows = conn.execute(
            select(h.details)
            .where(h.global_txn_id == f"pk-gw:{txn}", h.source == "ledger:REFUND")
            .order_by(h.id)
        ).all()
    notes = [json.loads(r.details) for r in rows]
    return [(n["refundTxnId"], n["points"]) for n in notes]


async def test_a_points_only_sale_refunded_in_full_gives_back_exactly_the_points_spent(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = await member_sale(rig, total=0, spend=300, earn=0)
        await balance_is(rig, book, WELCOME - 300)
        assert sale_record(book, txn) == ("points", "captured", 0, 0)
        refund_txn, moves = await give_back(rig, txn, None)  # None: all of them
        assert (refund_txn, moves) == (f"{txn}.r1", [("restore", 300)])
        await balance_is(rig, book, WELCOME)
        assert sale_record(book, txn) == ("points", "refunded", 0, 0)
        assert refund_notes(book, txn) == [(refund_txn, 300)]
        with pytest.raises(RefundError, match="were all given back"):
            await give_back(rig, txn, None)
        # every event delivered again (a replay): the points move once, the record once
        events = await rig.engine.call_ledger(rig.ledger.events_between, 1, rig.ledger.last_seq)
        batch = encode_event_batch("pk-gw", rig.engine.epoch, [w for _s, w in events])
        assert rig.engine.publish("events", batch)
        await rig.engine.record(
            EventDraft(EventType.RESTOCK, sku=SPRAY.sku, qty=1, unit=Unit.MICROLITRE)
        )
        await balance_is(rig, book, WELCOME)
        assert sale_record(book, txn) == ("points", "refunded", 0, 0)
        assert refund_notes(book, txn) == [(refund_txn, 300)]


async def test_partial_points_refunds_add_up_to_the_whole_and_no_more(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    """300 spent: 120 and then the rest (180) are given back, and nothing more. Were such a
    sale to earn points (31), their share follows the points given back, telescoping:
    floor(31·120/300) = 12, then the other 19."""
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = await member_sale(rig, total=0, spend=300, earn=31)
        await balance_is(rig, book, WELCOME - 300 + 31)
        with pytest.raises(RefundError, match="positive whole number"):
            await give_back(rig, txn, 0)
        with pytest.raises(RefundError, match="would total 301, more than the 300 spent"):
            await give_back(rig, txn, 301)
        first, moves = await give_back(rig, txn, 120)  # 180 left
        assert moves == [("reversal", 12), ("restore", 120)]
        await balance_is(rig, book, WELCOME - 300 + 31 - 12 + 120)
        assert sale_record(book, txn) == ("points", "partially_refunded", 0, 0)
        with pytest.raises(RefundError, match="would total 301, more than the 300 spent"):
            await give_back(rig, txn, 181)
        second, moves = await give_back(rig, txn, None)
        assert moves == [("reversal", 19), ("restore", 180)]
        assert (first, second) == (f"{txn}.r1", f"{txn}.r2")
        await balance_is(rig, book, WELCOME)
        assert sale_record(book, txn) == ("points", "refunded", 0, 0)
        assert refund_notes(book, txn) == [(first, 120), (second, 180)]
        with pytest.raises(RefundError, match="would total 301, more than the 300 spent"):
            await give_back(rig, txn, 1)
        assert await rig.engine.call_ledger(rig.ledger.count_events, EventType.REFUND) == 2


async def test_a_card_sale_gets_no_points_refund(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    """A sale with money captured (here partly paid with points) is refunded in money, and its
    points follow the money: a points refund of it is refused, recording nothing."""
    async with gateway_rig(tmp_path, broker.url, config=FAST) as rig:
        await until(lambda: rig.engine.connected, what="online")
        txn = await member_sale(rig, total=600, spend=100, earn=30)
        with pytest.raises(RefundError, match="not paid only with points: refund its money"):
            await give_back(rig, txn, None)
        with pytest.raises(RefundError, match="there is no transaction t-nope"):
            await give_back(rig, "t-nope", None)
        assert await rig.engine.call_ledger(rig.ledger.count_events, EventType.REFUND) == 0
        await balance_is(rig, book, WELCOME - 100 + 30)
