"""The shopper's journey (Qt-free) through the real purchase flow, the MDB reader and the
dispenser on their simulators: what the screen is told at every step."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware.mdb.simulator import Fault
from kiosk.catalog import BottleOffer, Catalog, Product, SprayOffer
from kiosk.journey import Notice, PaymentPhase, Screen, ShopperJourney, Unavailable, View
from kiosk.loyalty import encode_public_key, issue_member_qr
from kiosk.purchase.items import dispensables
from kiosk.purchase.model import FlowConfig
from kiosk.purchase.states import PurchaseState
from sync.ledger import EventDraft
from sync.protocol import EventType
from tests.kiosk.purchase.rig import Rig, reader_rig
from tests.support.waiting import until

DEMO = Path(__file__).parents[3] / "assets/catalog/demo.json"
KEY = Ed25519PrivateKey.generate()
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday morning: no happy hour


def _catalog() -> Catalog:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    data["loyalty"]["keys"] = [{"id": "test-1", "ed25519": encode_public_key(KEY.public_key())}]
    return Catalog.from_json(data)


CATALOG = _catalog()


def _product() -> tuple[Product, SprayOffer, BottleOffer]:
    """A perfume the rig's board (4 channels, 3 slots) can deliver both ways."""
    for p in CATALOG.products:
        bottles = [b for b in p.bottles if b.slot <= 3]
        if p.spray is not None and p.spray.channel <= 4 and bottles:
            return p, p.spray, bottles[0]
    raise AssertionError("the demo catalog has no product on channels 1-4 / slots 1-3")


PRODUCT, SPRAY, BOTTLE = _product()


@dataclass
class Shop:
    rig: Rig
    journey: ShopperJourney
    views: list[View]

    def screens(self) -> list[Screen]:
        out: list[Screen] = []
        for v in self.views:
            if not out or out[-1] is not v.screen:
                out.append(v.screen)
        return out


@asynccontextmanager
async def shop(tmp_path: Path, config: FlowConfig | None = None) -> AsyncIterator[Shop]:
    async with reader_rig(tmp_path, config=config) as rig:
        items = dispensables(CATALOG)
        for sku in (SPRAY.sku, BOTTLE.sku):
            item = items[sku]
            await rig.engine.record(
                EventDraft(EventType.RESTOCK, sku=sku, qty=item.stock_qty * 3, unit=item.unit)
            )
        journey = ShopperJourney(
            catalog=CATALOG, flow=rig.flow, engine=rig.engine, items=items, clock=lambda: NOW
        )
        views: list[View] = []
        journey.add_listener(views.append)
        await until(lambda: journey.assess()[0] is None)
        await journey.refresh()
        yield Shop(rig, journey, views)


def _to_checkout(j: ShopperJourney, sku: str) -> None:
    j.touch()
    j.show_product(PRODUCT.id)
    j.choose_offer(sku)
    assert j.view.screen is Screen.LOYALTY
    j.skip_loyalty()
    assert j.view.screen is Screen.CHECKOUT


async def test_spray_purchase_walks_every_screen_and_ends_with_a_receipt(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        _to_checkout(j, SPRAY.sku)
        assert (
            j.view.quote is not None and j.view.quote.total_minor == SPRAY.list_price.amount_minor
        )
        result = await j.pay()
        assert result is not None and result.state is PurchaseState.COMPLETED
        assert s.screens()[-5:] == [
            Screen.LOYALTY,
            Screen.CHECKOUT,
            Screen.PAYMENT,
            Screen.DISPENSING,
            Screen.DONE,
        ]
        dispensing = next(v for v in s.views if v.screen is Screen.DISPENSING)
        assert dispensing.busy and dispensing.payment is PaymentPhase.APPROVED
        assert dispensing.dispense_seconds == SPRAY.doses * j.config.spray_seconds_per_dose
        done = j.view
        assert done.charged and done.txn_id == result.txn_id
        assert done.receipt_url is not None and done.receipt_url.endswith(f"/{result.txn_id}")
        sales = await s.rig.engine.call_ledger(s.rig.ledger.count_events, EventType.SALE)
        assert sales == 1
        j.go_home()
        assert j.view.screen is Screen.ATTRACT and j.view.product is None


async def test_decline_offers_a_retry_that_goes_through(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        _to_checkout(j, BOTTLE.sku)
        s.rig.reader_sim.model.reader().arm(Fault.DECLINE)
        result = await j.pay()
        assert result is not None and result.reason == "declined"
        assert (j.view.screen, j.view.payment) == (Screen.PAYMENT, PaymentPhase.DECLINED)
        assert not j.view.busy
        j.retry()
        assert j.view.screen is Screen.CHECKOUT and j.view.payment is None
        again = await j.pay()
        assert again is not None and again.state is PurchaseState.COMPLETED
        assert j.view.screen is Screen.DONE


async def test_dispenser_jam_ends_honestly_without_a_charge(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        _to_checkout(j, SPRAY.sku)
        s.rig.dispenser_sim.inject_fault("jam")
        result = await j.pay()
        assert result is not None
        assert (j.view.screen, j.view.purchase) == (Screen.DONE, PurchaseState.FAILED_VOIDED)
        assert j.view.reason == "dispense_jam" and not j.view.charged
        assert j.view.receipt_url is None and j.view.points_earned == 0


async def test_cancel_while_the_reader_waits_for_a_card(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        _to_checkout(j, SPRAY.sku)
        s.rig.reader_sim.model.reader().card_delay = 30.0
        paying = asyncio.create_task(j.pay())
        await until(lambda: j.view.payment is PaymentPhase.PRESENT_CARD and j.view.busy)
        j.go_home()  # ignored: a payment is in progress
        j.idle_timeout()
        assert j.view.screen is Screen.PAYMENT
        await j.cancel()
        result = await paying
        assert result is not None and result.state is PurchaseState.CANCELLED
        assert (j.view.screen, j.view.payment) == (Screen.PAYMENT, PaymentPhase.CANCELLED)
        j.idle_timeout()
        assert j.view.screen is Screen.ATTRACT


async def test_loyalty_scan_names_the_member_and_prices_for_them(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        j.touch()
        j.show_product(PRODUCT.id)
        j.choose_offer(BOTTLE.sku)
        assert not j.scan("https://example.com/not-a-member")
        assert j.view.notice is Notice.NOT_A_LOYALTY_CODE and j.view.screen is Screen.LOYALTY
        code = issue_member_qr(
            KEY, "test-1", member_id="m-42", display_name="Noor", tier="gold", issued_at=NOW
        )
        assert j.scan(code)
        view = j.view
        assert view.screen is Screen.CHECKOUT and view.member is not None
        assert view.member.display_name == "Noor" and view.notice is Notice.NONE
        assert view.quote is not None and view.quote.member_id == "m-42"
        assert view.points_earned > 0
        result = await j.pay()
        assert result is not None and result.state is PurchaseState.COMPLETED
        events = await s.rig.engine.call_ledger(s.rig.ledger.count_events, EventType.LOYALTY)
        assert events == 1


async def test_sold_out_offer_cannot_be_chosen(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        on_hand = (await s.rig.engine.ledger_status()).on_hand[BOTTLE.sku]
        await s.rig.engine.record(
            EventDraft(
                EventType.ADJUSTMENT,
                sku=BOTTLE.sku,
                qty=-on_hand,
                unit=dispensables(CATALOG)[BOTTLE.sku].unit,
                data={"reason": "count_correction"},
            )
        )
        await j.refresh()
        assert BOTTLE.sku in j.view.sold_out and SPRAY.sku not in j.view.sold_out
        j.touch()
        j.show_product(PRODUCT.id)
        j.choose_offer(BOTTLE.sku)
        assert (j.view.screen, j.view.notice) == (Screen.PRODUCT, Notice.SOLD_OUT)
        assert s.rig.flow.state is PurchaseState.BROWSING


async def test_maintenance_and_a_dead_dispenser_show_unavailable(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        j.touch()
        j.show_product(PRODUCT.id)
        j.choose_offer(SPRAY.sku)
        j.set_maintenance(True)
        assert (j.view.screen, j.view.unavailable) == (Screen.UNAVAILABLE, Unavailable.MAINTENANCE)
        assert s.rig.flow.state is not PurchaseState.QUOTED  # the selection was abandoned
        j.touch()
        j.browse()
        assert j.view.screen is Screen.UNAVAILABLE  # shoppers cannot get past it
        j.set_maintenance(False)
        assert j.view.screen is Screen.ATTRACT and j.view.unavailable is None
        await s.rig.dispenser.close()
        await until(lambda: j.view.screen is Screen.UNAVAILABLE)
        assert j.view.unavailable is Unavailable.OUT_OF_SERVICE


async def test_idle_abandons_a_quote_but_never_a_payment(tmp_path: Path) -> None:
    async with shop(tmp_path) as s:
        j = s.journey
        _to_checkout(j, SPRAY.sku)
        assert s.rig.flow.state is PurchaseState.QUOTED
        j.idle_timeout()
        assert j.view.screen is Screen.ATTRACT
        assert s.rig.flow.state is PurchaseState.BROWSING


async def test_spray_waits_for_the_countdown_before_it_sprays(tmp_path: Path) -> None:
    lead = FlowConfig(
        payment_timeout_s=10,
        dispense_query_attempts=2,
        dispense_query_interval_s=0.1,
        spray_lead_s=0.5,
    )
    async with shop(tmp_path, lead) as s:
        j = s.journey
        _to_checkout(j, SPRAY.sku)
        paying = asyncio.create_task(j.pay())
        await until(lambda: j.view.screen is Screen.DISPENSING)
        assert j.view.dispense_seconds == 0.5 + SPRAY.doses * j.config.spray_seconds_per_dose
        assert not s.rig.dispenser_sim.model.memory.executions  # the wrist is not there yet
        result = await paying
        assert result is not None and result.state is PurchaseState.COMPLETED
        assert sum(s.rig.dispenser_sim.model.memory.executions.values()) == 1
