"""Paying with loyalty points through the shopper's journey (Qt-free): the real flow, the MDB
reader and the dispenser on their simulators, the real ledger and sync engine, real Mosquitto
and the real middleware keeping the members' points (SQLite) — balances come over its
``loyalty.balance`` RPC, holds over ``loyalty.redeem``, the SALE makes them final.

Covered: the balance shown after a scan, the offer capped by the catalog's share (the demo
catalog: 1 point = 1 cent, at most half the price), ``use_points`` lowering the total by the
points' value and the SALE carrying them, the member debited exactly once; a balance below the
cap; a balance that fell before paying (the middleware refuses: back to the checkout, priced
without points, balance looked up again); no offer offline (the look-up's failure logged
once), the offer withdrawn when the link drops and back when it returns, points already in use
meeting the flow's offline cap; ``close()`` cancelling a look-up in flight."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.journey import Notice, PaymentPhase, Screen, ShopperJourney, View
from kiosk.journey.points import BalanceFetcher, spendable_points
from kiosk.loyalty import issue_member_qr
from kiosk.money import Money
from kiosk.purchase.items import dispensables
from kiosk.purchase.journal import Step, fold
from kiosk.purchase.states import PurchaseState
from sync.ledger import EventDraft
from sync.loyalty import LoyaltyClient
from sync.middleware.loyalty_rpc import LoyaltyBook
from sync.middleware.payments.sandbox import SandboxGateway
from sync.protocol import EventType, encode_event_batch
from sync.rpc import RpcClient
from tests.kiosk.journey.test_journey import BOTTLE, CATALOG, KEY, NOW, PRODUCT
from tests.kiosk.purchase.rig import Rig, reader_rig
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.e2e import running_middleware

MEMBER = "m-42"
DEVICE = "pk-rig"  # the reader rig's device id
CODE = issue_member_qr(KEY, "test-1", member_id=MEMBER, display_name="Noor", tier="gold",
                       issued_at=NOW)  # fmt: skip


@pytest.fixture
async def book(
    broker: Broker, tmp_path: Path, sandbox: SandboxGateway
) -> AsyncIterator[LoyaltyBook]:
    async with running_middleware(
        f"sqlite:///{tmp_path / 'mw.db'}", broker.url, gateway_url=sandbox.url
    ) as (_service, engine):
        yield LoyaltyBook(engine)


@dataclass
class Shop:
    rig: Rig
    journey: ShopperJourney
    views: list[View]


@asynccontextmanager
async def shop(
    tmp_path: Path,
    broker_url: str,
    *,
    balance: Callable[[LoyaltyClient], BalanceFetcher] = spendable_points,
) -> AsyncIterator[Shop]:
    """The reader rig with the device's loyalty client (the flow's holds and releases, the
    journey's balances), stock for the bottle, and a journey on the checkout-to-be."""
    async with reader_rig(tmp_path, broker_url=broker_url) as rig:
        client = LoyaltyClient(RpcClient(rig.engine), device_id=DEVICE, call_timeout=5.0)
        rig.flow.loyalty = rig.settlement.loyalty = client
        items = dispensables(CATALOG)
        item = items[BOTTLE.sku]
        await rig.engine.record(
            EventDraft(EventType.RESTOCK, sku=BOTTLE.sku, qty=item.stock_qty * 3, unit=item.unit)
        )
        journey = ShopperJourney(
            catalog=CATALOG,
            flow=rig.flow,
            engine=rig.engine,
            items=items,
            clock=lambda: NOW,
            balance=balance(client),
        )
        views: list[View] = []
        journey.add_listener(views.append)
        await until(lambda: journey.assess()[0] is None)
        await journey.refresh()
        try:
            yield Shop(rig, journey, views)
        finally:
            await journey.close()


def _to_checkout_as_member(j: ShopperJourney) -> None:
    j.touch()
    j.show_product(PRODUCT.id)
    j.choose_offer(BOTTLE.sku)
    assert j.view.screen is Screen.LOYALTY
    j.use_points(True)  # not on the checkout screen: ignored
    assert j.scan(CODE)
    assert j.view.screen is Screen.CHECKOUT and j.view.points_used == 0


def _full_and_cap(j: ShopperJourney) -> tuple[int, int]:
    """The member's price without points, and half of it (maxRedeemShareBp 5000 of the
    after-promotion amount, 1 point = 1 cent): docs/pricing.md."""
    q = j.view.quote
    assert q is not None and q.points_redeemed == 0
    base = (q.list_total - q.discount_total).amount_minor
    return q.total_minor, base * 5000 // 10_000


def balance(book: LoyaltyBook) -> tuple[int, int]:
    b = book.balance(MEMBER)
    return b.balance, b.held


async def acked(rig: Rig) -> None:
    await until(lambda: rig.ledger.acked_seq >= rig.ledger.last_seq, what="every event acked")


async def test_points_lower_the_total_ride_on_the_sale_and_are_debited_once(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    book.adjust(MEMBER, 1240, reason="welcome", operator_id="op-1")
    async with shop(tmp_path, broker.url) as s:
        j, rig = s.journey, s.rig
        await until(lambda: rig.engine.connected, what="online")
        _to_checkout_as_member(j)
        assert j.view.points_balance is None  # being looked up
        await until(lambda: j.view.points_balance is not None, what="the balance")
        full, cap = _full_and_cap(j)
        usable = min(1240, cap)
        assert cap < 1240  # the share caps it, not the balance
        view = j.view
        assert (view.points_balance, view.points_usable, view.points_used) == (1240, usable, 0)
        assert view.points_discount == Money(usable, "EUR")
        j.use_points(True)
        view = j.view
        assert view.quote is not None and view.quote.total_minor == full - usable
        assert view.quote.points_redeemed == view.points_used == usable
        assert view.points_earned == (full - usable) // 100  # earned on what is paid
        assert rig.flow.quote is view.quote and rig.flow.points == view.points_earned
        result = await j.pay()
        assert result is not None and result.state is PurchaseState.COMPLETED
        assert j.view.screen is Screen.DONE and j.view.charged
        txn = result.txn_id
        assert txn is not None
        events = await rig.engine.call_ledger(rig.ledger.transaction_events, txn)
        assert list(fold(txn, events).steps)[:3] == [
            Step.REDEEMING,
            Step.REDEEMED,
            Step.PAYMENT_STARTED,
        ]
        (started,) = [e for e in events if e.data.get("step") == Step.PAYMENT_STARTED.value]
        assert started.data["amount_minor"] == full - usable  # what the reader was asked
        (sale,) = [e for e in events if e.type is EventType.SALE]
        assert (sale.amount_minor, sale.data["points_redeemed"]) == (full - usable, usable)
        assert (sale.data["member_id"], sale.data["redemption"]) == (MEMBER, "online")
        assert len(rig.reader_sim.model.reader().sales) == 1  # type: ignore[attr-defined]
        await acked(rig)
        after = 1240 - usable + view.points_earned
        await until(lambda: balance(book) == (after, 0), what="points debited, accrual added")
        # the whole stream delivered again: the SALE must not debit the member twice
        wire = await rig.engine.call_ledger(rig.ledger.events_between, 1, rig.ledger.last_seq)
        batch = encode_event_batch(DEVICE, rig.engine.epoch, [w for _s, w in wire])
        assert rig.engine.publish("events", batch)
        await acked(rig)
        assert balance(book) == (after, 0)
        assert [(h["txn_id"], h["state"]) for h in book.holds(MEMBER)] == [(txn, "final")]


async def test_the_toggle_goes_both_ways_and_never_during_a_payment(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    book.adjust(MEMBER, 5000, reason="welcome", operator_id="op-1")
    async with shop(tmp_path, broker.url) as s:
        j, rig = s.journey, s.rig
        await until(lambda: rig.engine.connected, what="online")
        _to_checkout_as_member(j)
        await until(lambda: j.view.points_usable > 0, what="the offer")
        full, cap = _full_and_cap(j)
        assert cap < 5000
        j.use_points(True)
        assert j.view.quote is not None and j.view.quote.total_minor == full - cap
        j.use_points(False)
        assert j.view.quote is not None and j.view.quote.total_minor == full
        assert j.view.points_used == 0 and j.view.points_usable == cap  # still offered
        assert rig.flow.quote is not None and rig.flow.quote.points_redeemed == 0
        j.use_points(True)
        rig.reader_sim.model.reader().card_delay = 30.0  # type: ignore[attr-defined]
        paying = asyncio.create_task(j.pay())
        await until(lambda: j.view.busy and j.view.payment is PaymentPhase.PRESENT_CARD)
        await until(lambda: balance(book) == (5000, cap), what="the points held")
        j.use_points(False)  # ignored: the points are held and a card is asked
        assert rig.flow.quote is not None and rig.flow.quote.points_redeemed == cap
        await j.cancel()
        result = await paying
        assert result is not None and result.state is PurchaseState.CANCELLED
        await until(lambda: balance(book) == (5000, 0), what="the hold released")


async def test_a_balance_below_the_cap_and_one_that_fell_before_paying(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    book.adjust(MEMBER, 300, reason="welcome", operator_id="op-1")
    async with shop(tmp_path, broker.url) as s:
        j, rig = s.journey, s.rig
        await until(lambda: rig.engine.connected, what="online")
        _to_checkout_as_member(j)
        await until(lambda: j.view.points_balance == 300, what="the balance")
        full, cap = _full_and_cap(j)
        assert cap > 300 and j.view.points_usable == 300  # all the member has
        j.use_points(True)
        assert j.view.quote is not None and j.view.quote.total_minor == full - 300
        book.adjust(MEMBER, -200, reason="spent elsewhere", operator_id="op-1")
        result = await j.pay()
        assert result is not None and result.reason == "loyalty_insufficient_points"
        view = j.view
        assert (view.screen, view.notice, view.payment) == (
            Screen.CHECKOUT,
            Notice.POINTS_INSUFFICIENT,
            None,
        )
        assert view.quote is not None and view.quote.total_minor == full
        assert view.points_used == 0 and rig.flow.state is PurchaseState.QUOTED
        assert rig.flow.quote is view.quote  # paying now asks for no points
        assert not rig.reader_sim.model.reader().sales  # type: ignore[attr-defined]
        assert balance(book) == (100, 0)  # nothing held, nothing taken
        await until(lambda: j.view.points_balance == 100, what="the balance looked up again")
        assert j.view.points_usable == 100
        j.use_points(True)
        again = await j.pay()
        assert again is not None and again.state is PurchaseState.COMPLETED
        await acked(rig)
        earned = (full - 100) // 100
        await until(lambda: balance(book) == (earned, 0), what="100 points debited")


async def test_offline_no_points_are_offered_and_the_failure_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.journey.points")
    answered: list[int | None] = []

    def counted(client: LoyaltyClient) -> BalanceFetcher:
        real = spendable_points(client)

        async def fetch(member_id: str) -> int:
            answered.append(None)  # the real client refuses at once: not connected
            return await real(member_id)

        return fetch

    async with shop(tmp_path, "mqtt://127.0.0.1:1", balance=counted) as s:  # offline
        j = s.journey
        _to_checkout_as_member(j)
        assert j.scan(CODE)  # again at once: the look-up in flight serves both
        await until(lambda: any("unavailable" in r.getMessage() for r in caplog.records))
        assert len(answered) == 1
        assert j.scan(CODE)  # scanned again later: looked up again, not logged again
        await until(lambda: len(answered) == 2, what="a second look-up")
        await j.refresh()  # offline: the refresh does not ask again
        assert len(answered) == 2
        unavailable = [r for r in caplog.records if "balances unavailable" in r.getMessage()]
        assert len(unavailable) == 1, unavailable
        before = j.view.quote
        j.use_points(True)
        assert j.view.quote is before and j.view.points_used == 0
        assert (j.view.points_balance, j.view.points_usable, j.view.points_discount) == (
            None,
            0,
            None,
        )
        assert not any(v.points_usable for v in s.views)  # never offered
        result = await j.pay()  # the MDB reader sells offline, without points
        assert result is not None and result.state is PurchaseState.COMPLETED


async def test_the_offer_leaves_with_the_link_and_comes_back_with_it(
    broker: Broker, tmp_path: Path, book: LoyaltyBook
) -> None:
    """Offline, an offer not taken goes; points already in use stay, and paying then meets
    the flow's offline cap (0): back to the checkout without points, nothing held."""
    book.adjust(MEMBER, 800, reason="welcome", operator_id="op-1")
    async with shop(tmp_path, broker.url) as s:
        j, rig = s.journey, s.rig
        await until(lambda: rig.engine.connected, what="online")
        _to_checkout_as_member(j)
        await until(lambda: j.view.points_usable > 0, what="the offer")
        usable = j.view.points_usable
        full, _cap = _full_and_cap(j)
        broker.stop()
        await until(lambda: not rig.engine.connected, what="offline")
        assert (j.view.points_balance, j.view.points_usable) == (None, 0)
        j.use_points(True)  # nothing offered: ignored
        assert j.view.points_used == 0
        broker.start()
        await until(lambda: rig.engine.connected, what="online again")
        await _refreshed_until(j, lambda: j.view.points_balance == 800)
        assert j.view.points_usable == usable
        j.use_points(True)
        broker.stop()
        await until(lambda: not rig.engine.connected, what="offline again")
        assert j.view.points_used == usable  # in use: it stays
        assert await j.pay() is None  # refused before any card: offline, cap 0
        view = j.view
        assert (view.screen, view.notice, view.reason) == (
            Screen.CHECKOUT,
            Notice.POINTS_UNAVAILABLE,
            "loyalty_offline_disabled",
        )
        assert view.quote is not None and view.quote.total_minor == full
        assert (view.points_used, view.points_usable) == (0, 0)
        assert rig.flow.quote is view.quote
        assert balance(book) == (800, 0)


async def _refreshed_until(j: ShopperJourney, cond: Callable[[], bool]) -> None:
    """Refresh the journey as the runtime does (every few seconds, here faster) until
    ``cond()``: the middleware may take a moment to find its way back to the broker."""
    deadline = time.monotonic() + 60
    while not cond():
        assert time.monotonic() < deadline, "timed out refreshing"
        await j.refresh()
        await asyncio.sleep(0.2)


async def test_close_cancels_a_balance_look_up_in_flight(tmp_path: Path) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def never(_member_id: str) -> int:  # a middleware that never answers
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    async with shop(tmp_path, "mqtt://127.0.0.1:1", balance=lambda _client: never) as s:
        _to_checkout_as_member(s.journey)
        await asyncio.wait_for(started.wait(), 5)
        await s.journey.close()
        assert cancelled.is_set()
        assert s.journey.view.points_balance is None
