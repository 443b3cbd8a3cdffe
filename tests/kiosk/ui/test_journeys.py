"""Shopper journeys through the real screens, the real purchase flow and the hardware simulators.

Each test builds the kiosk window (``build_ui``) over a real runtime whose drivers talk to
simulators over ptys (``tests.kiosk.ui.journey_support``), shows it at 1080 × 1920 and drives
it only as a shopper would: a touch on the attract loop, taps on the buttons of the screen
shown, codes held to the scanners. Where payments go through the gateway or a card policy is
at stake, the demo's Mosquitto broker, reference middleware and sandbox gateway run too, and
the broker is stopped and started again. Every test checks what the screens showed and what
the ledger (and, online, the middleware) recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QApplication
from pytestqt.qtbot import QtBot
from pyzbar import pyzbar

from hardware.config import ReaderKind
from hardware.mdb.simulator import Fault
from hardware.scanner.camera import Frame
from kiosk.catalog import BottleOffer, Product, SprayOffer
from kiosk.journey import Notice, PaymentPhase, Screen, Unavailable
from kiosk.purchase.journal import Step
from kiosk.purchase.policy import CardPolicy
from kiosk.purchase.states import PurchaseState
from kiosk.ui.messages import notice_text, outcome_text, unavailable_text, unavailable_title
from kiosk.ui.widgets_camera import CameraPreview
from sync.ledger import OutboxLimits
from sync.protocol import EventType
from tests.kiosk.ui.journey_support import (
    CATALOG,
    Kiosk,
    camera_of,
    eventually,
    member_code,
    run_on_qasync,
    running_kiosk,
)
from tests.support.waiting import until


def _spray(product_id: str) -> tuple[Product, SprayOffer]:
    product = CATALOG.product(product_id)
    assert product.spray is not None
    return product, product.spray


def _bottle(product_id: str, size_ml: int) -> tuple[Product, BottleOffer]:
    product = CATALOG.product(product_id)
    return product, next(b for b in product.bottles if b.size_ml == size_ml)


AURORA, AURORA_SPRAY = _spray("aurora-veil")
CEDAR, CEDAR_SPRAY = _spray("cedar-lantern")
EMBER, EMBER_30 = _bottle("ember-silk", 30)  # the demo catalog's member price: 52 € → 44 €
MEMBER_PRICE = next(p for p in CATALOG.promotions if p.id == "member-ember-silk-30")
assert EMBER_30.list_price.amount_minor == 5200 and MEMBER_PRICE.member_price is not None
assert MEMBER_PRICE.member_price.amount_minor == 4400 and MEMBER_PRICE.target.skus == {EMBER_30.sku}
NOT_CHARGED = "You were not charged."


def qr_frame(text: str, size: tuple[int, int] = (640, 480)) -> Frame:
    """A camera frame of a phone screen showing ``text`` as a QR code (drawn here, with the
    qrcode package, so only the real zbar decode stands between the picture and the scan)."""
    code = qrcode.QRCode(border=4, box_size=4)
    code.add_data(text)
    code.make(fit=True)
    symbol = code.make_image().get_image().convert("L")
    side = min(size) * 4 // 5
    symbol = symbol.resize((side, side), Image.Resampling.NEAREST)
    canvas = Image.new("L", size, 235)
    canvas.paste(symbol, ((size[0] - side) // 2, (size[1] - side) // 2))
    return Frame.from_image(canvas)


def decode_widget_qr(k: Kiosk, name: str) -> str:
    """What a phone reads from the QR code the widget ``name`` paints."""
    widget = k.widget(name)
    assert widget.isVisible() and widget.width() >= 200
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height = image.width(), image.height()
    data = bytes(image.constBits())[: image.bytesPerLine() * height]
    rows = b"".join(
        data[y * image.bytesPerLine() : y * image.bytesPerLine() + width] for y in range(height)
    )
    found = pyzbar.decode((rows, width, height), symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert len(found) == 1, f"{len(found)} QR codes in {name}"
    return bytes(found[0].data).decode()


async def hold_to_camera(
    k: Kiosk, frame: Frame, done: Callable[[], object], what: str, timeout: float = 15.0
) -> None:
    """Hold ``frame`` in front of the camera (about 10 frames a second) until ``done()``."""
    camera = camera_of(k)
    deadline = time.monotonic() + timeout
    while True:
        camera.submit_frame(frame)
        await camera.wait_idle()  # decoded (through zbar, off the loop) or dropped
        if done():
            return
        assert time.monotonic() < deadline, f"timed out holding the code for {what}"
        await asyncio.sleep(0.1)  # the camera's frame rate, not a wait for a result


# -- purchases ----------------------------------------------------------------------------------
def test_spray_purchase_through_the_gateway(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """Terminal → middleware → sandbox gateway: the shopper is charged the spray's price, gets a
    receipt QR that reads back to the receipt URL, the stock moves by the spray's dose and the
    middleware captures the payment."""

    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path, reader=ReaderKind.TERMINAL, online=True) as k:
            item = k.runtime.items[AURORA_SPRAY.sku]
            before = await k.on_hand(AURORA_SPRAY.sku)
            price = k.money(AURORA_SPRAY.list_price.amount_minor)
            await k.to_checkout(AURORA.id, AURORA_SPRAY.sku)
            assert k.visible_text("checkoutProduct") == AURORA.name
            assert k.visible_text("checkoutListAmount") == price
            assert k.visible_text("checkoutTotalAmount") == price
            assert not k.widget("checkoutDiscount0Label").isVisible()  # no promotion on a Monday
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            assert k.screens_seen()[-4:] == [
                Screen.CHECKOUT,
                Screen.PAYMENT,
                Screen.DISPENSING,
                Screen.DONE,
            ]
            assert k.titles_on(Screen.DISPENSING) == ["Hold your wrist under the nozzle"]
            assert "Present, insert or tap your card" in k.titles_on(Screen.PAYMENT)
            assert k.visible_text("doneTitle") == "Thank you!"
            assert k.visible_text("doneCharged") == f"Charged {price} to card •••• 4242"
            view = k.journey.view
            assert view.txn_id is not None and view.receipt_url is not None
            assert decode_widget_qr(k, "doneQr") == view.receipt_url
            assert view.receipt_url.endswith(f"/{view.txn_id}")
            # The ledger: one sale at the spray's price, the dose out of stock, captured.
            sale = await k.sale(view.txn_id)
            assert (sale.sku, sale.amount_minor) == (
                AURORA_SPRAY.sku,
                AURORA_SPRAY.list_price.amount_minor,
            )
            assert await k.count(EventType.SALE) == 1
            assert await k.on_hand(AURORA_SPRAY.sku) == before - item.stock_qty
            txn = view.txn_id
            await eventually(lambda: k.final_step(txn), Step.CAPTURED.value, "the capture")
            await eventually(lambda: k.settlement_status(txn), "captured", "the middleware")
            assert await k.middleware_sales(txn) == 1
            k.tap("doneDone")
            await k.until_on(Screen.ATTRACT)

    run_on_qasync(qapp, scenario)


def test_bottle_purchase_with_the_member_price(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """The serial scanner reads a member's code on the loyalty screen: checkout shows the list
    price, the member-price discount and the total; the card is charged the member price and a
    bottle leaves the slot."""

    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path) as k:
            k.sims.mdb.card_delay = 0.6  # long enough to read the payment screen
            before = await k.on_hand(EMBER_30.sku)
            await k.to_checkout(EMBER.id, EMBER_30.sku, skip_loyalty=False)
            assert k.visible_text("loyaltyPrice") == k.money(5200)
            k.sims.scanner.scan(member_code("M-7", "Noor"))
            await k.until_on(Screen.CHECKOUT)
            assert k.visible_text("checkoutListAmount") == k.money(5200)
            assert k.visible_text("checkoutDiscount0Label") == MEMBER_PRICE.label
            assert k.visible_text("checkoutDiscount0Amount") == "\u2212" + k.money(800)
            assert not k.widget("checkoutDiscount1Label").isVisible()
            assert k.visible_text("checkoutTotalAmount") == k.money(4400)
            assert k.visible_text("checkoutMember") == "Member: Noor · Gold"
            assert k.visible_text("checkoutPoints") == "You earn 44 points with this purchase."
            k.tap("checkoutPay")
            await k.until_on(Screen.PAYMENT)
            assert k.visible_text("paymentAmount") == k.money(4400)
            await k.until_on(Screen.DONE)
            assert k.titles_on(Screen.DISPENSING) == ["Your bottle is on its way"]
            assert k.visible_text("doneDetail") == "Please take your bottle from the tray below."
            assert k.money(4400) in k.visible_text("doneCharged")
            assert k.visible_text("donePoints") == "Noor, you earned 44 points."
            assert k.widget("doneQr").isVisible()
            txn = k.journey.view.txn_id
            assert txn is not None
            sale = await k.sale(txn)
            assert (sale.sku, sale.qty, sale.amount_minor) == (EMBER_30.sku, 1, 4400)
            assert await k.on_hand(EMBER_30.sku) == before - 1
            assert await k.count(EventType.LOYALTY) == 1
            assert k.sims.mdb.sales[-1].amount == 4400  # what the card reader charged
            assert await k.final_step(txn) == Step.CAPTURED.value

    run_on_qasync(qapp, scenario)


def test_loyalty_scan_through_the_camera(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    """QR codes drawn here are decoded by zbar from camera frames: a code that is not a member
    code is refused on the loyalty screen; the member's code names them at checkout, and the
    points they earn are shown at the end and recorded."""

    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path) as k:
            await k.to_checkout(CEDAR.id, CEDAR_SPRAY.sku, skip_loyalty=False)
            k.on(Screen.LOYALTY)
            assert k.visible_text("loyaltyTitle") == "Scan your loyalty code"
            preview = k.widget("cameraPreview", CameraPreview)
            assert isinstance(preview, CameraPreview) and preview.isVisible() and preview.active
            stranger = qr_frame("https://example.com/not-a-member")
            await hold_to_camera(
                k,
                stranger,
                lambda: k.widget("loyaltyNotice").isVisible(),
                "the refusal",
            )
            assert k.visible_text("loyaltyNotice") == notice_text(Notice.NOT_A_LOYALTY_CODE)
            await until(lambda: preview.frames_shown > 0, 5, "the camera preview")
            assert k.journey.view.member is None
            assert k.visible_text("loyaltySkip") == "Skip"
            member = qr_frame(member_code("M-1001", "Zoé", tier="silver"))
            await hold_to_camera(k, member, lambda: k.shown is Screen.CHECKOUT, "the member")
            assert k.visible_text("checkoutMember") == "Member: Zoé · Silver"
            points = CEDAR_SPRAY.list_price.amount_minor // 100  # one per whole euro
            assert points > 1
            assert k.visible_text("checkoutPoints") == (
                f"You earn {points} points with this purchase."
            )
            assert camera_of(k).stats.decoded >= 2
            assert not preview.active  # the camera is previewed on the loyalty screen only
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            assert k.visible_text("donePoints") == f"Zoé, you earned {points} points."
            assert await k.count(EventType.SALE) == 1
            loyalty = [
                e
                for e in await k.events(k.journey.view.txn_id or "")
                if e.type is EventType.LOYALTY
            ]
            assert len(loyalty) == 1 and "M-1001" in str(loyalty[0].data)
            assert await k.final_step(k.journey.view.txn_id or "") == Step.CAPTURED.value

    run_on_qasync(qapp, scenario)


def test_decline_then_success(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path) as k:
            before = await k.on_hand(AURORA_SPRAY.sku)
            await k.to_checkout(AURORA.id, AURORA_SPRAY.sku)
            k.sims.mdb.arm(Fault.DECLINE)
            k.tap("checkoutPay")
            await until(lambda: k.journey.view.payment is PaymentPhase.DECLINED, 20, "the decline")
            k.on(Screen.PAYMENT)
            assert k.visible_text("paymentTitle") == "Card declined"
            assert k.visible_text("paymentDetail") == outcome_text("declined")
            assert NOT_CHARGED in k.text("paymentDetail")
            assert not k.widget("paymentCancel").isVisible()
            declined = k.journey.view.txn_id
            assert declined is not None
            assert await k.final_step(declined) == Step.DECLINED.value
            assert await k.count(EventType.SALE) == 0
            assert await k.on_hand(AURORA_SPRAY.sku) == before
            k.tap("paymentRetry")
            k.on(Screen.CHECKOUT)
            assert k.visible_text("checkoutTotalAmount") == k.money(
                AURORA_SPRAY.list_price.amount_minor
            )
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            assert k.visible_text("doneTitle") == "Thank you!"
            paid = k.journey.view.txn_id
            assert paid is not None and paid != declined
            assert (await k.sale(paid)).amount_minor == AURORA_SPRAY.list_price.amount_minor
            assert await k.count(EventType.SALE) == 1
            assert await k.final_step(paid) == Step.CAPTURED.value
            assert await k.on_hand(AURORA_SPRAY.sku) < before

    run_on_qasync(qapp, scenario)


def test_cancel_while_the_reader_waits_for_a_card(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """Cancel on "present your card" stops the reader; nothing is charged; a shopper who then
    walks away is taken back to the attract loop by the idle prompt."""

    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path, idle_s=1.0, prompt_s=1) as k:
            k.sims.mdb.card_delay = 60.0  # the shopper never presents a card
            await k.to_checkout(CEDAR.id, CEDAR_SPRAY.sku)
            k.tap("checkoutPay")
            await until(
                lambda: k.journey.view.busy and k.widget("paymentCancel").isVisible(),
                20,
                "the reader to wait for a card",
            )
            k.on(Screen.PAYMENT)
            assert k.visible_text("paymentTitle") == "Present, insert or tap your card"
            assert k.visible_text("paymentAmount") == k.money(CEDAR_SPRAY.list_price.amount_minor)
            k.tap("paymentCancel")
            await until(lambda: k.journey.view.payment is PaymentPhase.CANCELLED, 20, "the cancel")
            k.on(Screen.PAYMENT)
            assert k.visible_text("paymentTitle") == "Payment cancelled"
            assert NOT_CHARGED in k.visible_text("paymentDetail")
            assert k.widget("paymentRetry").isVisible() and k.widget("paymentHome").isVisible()
            txn = k.journey.view.txn_id
            assert txn is not None
            assert await k.final_step(txn) == Step.CANCELLED.value
            assert await k.count(EventType.SALE) == 0
            assert k.journey.flow.state is PurchaseState.CANCELLED
            # No touch any more: "still there?", then the attract loop.
            await k.until_on(Screen.ATTRACT, timeout=10)
            assert k.prompts, "the idle prompt was not shown"
            assert k.journey.view.offer is None and k.journey.view.quote is None

    run_on_qasync(qapp, scenario)


def test_dispenser_jam_releases_the_payment(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path) as k:
            before = await k.on_hand(AURORA_SPRAY.sku)
            await k.to_checkout(AURORA.id, AURORA_SPRAY.sku)
            k.sims.dispenser.inject_fault("jam")
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            view = k.journey.view
            assert (view.purchase, view.reason) == (PurchaseState.FAILED_VOIDED, "dispense_jam")
            assert k.visible_text("doneTitle") == "We're sorry"
            assert k.visible_text("doneDetail") == outcome_text("dispense_jam")
            assert k.visible_text("doneCharged") == "You will not be charged for this purchase."
            assert view.txn_id is not None
            assert view.txn_id[-8:].upper() in k.visible_text("doneReference")
            assert not k.widget("doneReceipt").isVisible()
            assert not k.widget("donePoints").isVisible()
            assert await k.count(EventType.SALE) == 0
            assert await k.final_step(view.txn_id) == Step.VOIDED.value
            assert k.sims.mdb.sales[-1].outcome.value == "refunded"
            # Stock moved only by what left the nozzle before the jam (one dose), as recorded.
            events = await k.events(view.txn_id)
            failed = [e for e in events if e.data.get("step") == Step.DISPENSE_FAILED.value]
            assert [e.data["outcome"] for e in failed] == ["jam"]
            partial = [e for e in events if e.type is EventType.ADJUSTMENT]
            assert len(partial) == 1 and partial[0].data["reason"] == "partial_dispense"
            dose_ul = k.runtime.items[AURORA_SPRAY.sku].stock_qty // AURORA_SPRAY.doses
            assert partial[0].qty == -dose_ul * failed[0].data["doses_done"]
            assert await k.on_hand(AURORA_SPRAY.sku) == before + partial[0].qty
            k.tap("doneDone")
            await k.until_on(Screen.ATTRACT)

    run_on_qasync(qapp, scenario)


# -- idle ---------------------------------------------------------------------------------------
def test_idle_abandons_a_quote_but_never_a_payment(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path, idle_s=1.0, prompt_s=1) as k:
            await k.to_checkout(AURORA.id, AURORA_SPRAY.sku)
            assert k.journey.flow.state is PurchaseState.QUOTED
            prompt = k.ui.window.prompt
            await until(prompt.isVisible, 5, "the idle prompt")
            assert prompt.title.text() == "Still there?"
            k.tap("idleYes")  # the shopper is still there: the quote stays
            assert not prompt.isVisible()
            k.on(Screen.CHECKOUT)
            await until(prompt.isVisible, 5, "the idle prompt again")
            await k.until_on(Screen.ATTRACT, timeout=5)  # nobody answered
            assert not prompt.isVisible() and len(k.prompts) == 2
            assert k.journey.flow.state is PurchaseState.BROWSING  # the quote was abandoned
            assert k.journey.view.quote is None
            assert await k.count(EventType.PAYMENT) == 0
            # A payment is never interrupted: the card comes long after idle + prompt.
            k.prompts.clear()
            k.sims.mdb.card_delay = 3.5
            await k.to_checkout(AURORA.id, AURORA_SPRAY.sku)
            k.tap("checkoutPay")
            await k.until_on(Screen.PAYMENT)
            started = time.monotonic()
            await k.until_on(Screen.DONE, timeout=20)
            assert time.monotonic() - started > 2.5  # idle (1 s) + prompt (1 s) went by
            assert k.prompts == [], "the idle prompt showed during the payment"
            assert set(k.titles_on(Screen.PAYMENT)) <= {
                "Present, insert or tap your card",
                "Processing…",
            }
            assert await k.count(EventType.SALE) == 1
            # After it, the thank-you screen goes back to the attract loop by itself.
            await k.until_on(Screen.ATTRACT, timeout=10)
            assert k.prompts

    run_on_qasync(qapp, scenario)


# -- offline ------------------------------------------------------------------------------------
def test_offline_require_online_refuses_cards_until_the_broker_is_back(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with running_kiosk(
            qtbot,
            tmp_path,
            reader=ReaderKind.TERMINAL,
            online=True,
            card_policy=CardPolicy.REQUIRE_ONLINE,
        ) as k:
            await k.stop_broker()
            await until(lambda: k.journey.view.cards_offline, 10, "cards offline")
            k.touch_attract()
            k.on(Screen.BROWSE)
            assert k.visible_text("browseBannerTitle") == unavailable_title(
                Unavailable.CARDS_OFFLINE
            )
            k.open_product(AURORA.id)
            assert k.visible_text("productOffline") == unavailable_text(Unavailable.CARDS_OFFLINE)
            k.tap(f"offer-{AURORA_SPRAY.sku}")
            k.tap("loyaltySkip")
            k.on(Screen.CHECKOUT)
            k.tap("checkoutPay")
            await until(lambda: k.journey.view.notice is Notice.CARDS_OFFLINE, 10, "the refusal")
            k.on(Screen.CHECKOUT)
            assert k.visible_text("checkoutNotice") == notice_text(Notice.CARDS_OFFLINE)
            pay = k.widget("checkoutPay", QAbstractButton)
            assert not pay.isEnabled()
            assert Screen.PAYMENT not in k.screens_seen()
            assert await k.count(EventType.PAYMENT) == 0
            assert await k.count(EventType.SALE) == 0
            # The broker comes back: the shopper can pay.
            await k.start_broker()
            await until(pay.isEnabled, 10, "the pay button")
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            assert k.visible_text("doneTitle") == "Thank you!"
            txn = k.journey.view.txn_id
            assert txn is not None
            assert await k.count(EventType.SALE) == 1
            await eventually(lambda: k.final_step(txn), Step.CAPTURED.value, "the capture")
            await eventually(lambda: k.settlement_status(txn), "captured", "the middleware")

    run_on_qasync(qapp, scenario)


def test_offline_capped_sells_a_spray_and_syncs_it_later(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with running_kiosk(
            qtbot,
            tmp_path,
            reader=ReaderKind.TERMINAL,
            online=True,
            broker_down=True,
            card_policy=CardPolicy.CAPPED_OFFLINE,
        ) as k:
            assert not k.engine.connected
            k.touch_attract()
            assert not k.widget("browseBanner").isVisible()  # cards are taken offline
            # A bottle is over the offline cap: refused, nothing charged.
            await k.to_checkout(EMBER.id, EMBER_30.sku)
            k.tap("checkoutPay")
            await until(lambda: k.journey.view.notice is Notice.OFFLINE_LIMIT, 10, "the cap")
            assert k.visible_text("checkoutNotice") == notice_text(Notice.OFFLINE_LIMIT)
            assert await k.count(EventType.PAYMENT) == 0
            # A spray is within it: sold offline.
            k.tap("checkoutBack")
            k.on(Screen.PRODUCT)
            k.tap("productBack")
            k.on(Screen.BROWSE)
            k.open_product(AURORA.id)
            k.tap(f"offer-{AURORA_SPRAY.sku}")
            k.tap("loyaltySkip")
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            assert k.visible_text("doneTitle") == "Thank you!"
            txn = k.journey.view.txn_id
            assert txn is not None
            sale = await k.sale(txn)
            steps = [e.data.get("step") for e in await k.events(txn)]
            assert Step.OFFLINE_ACCEPTED.value in steps
            status = await k.engine.ledger_status()
            assert status.acked_seq < sale.seq <= status.last_seq  # the outbox holds it
            assert await k.middleware_sales(txn) == 0
            # The broker comes back: the sale reaches the middleware and is authorized.
            await k.start_broker()
            await eventually(lambda: k.middleware_sales(txn), 1, "the middleware")
            await until(lambda: k.engine.acked_seq >= sale.seq, 20, "the ack")
            await eventually(lambda: k.settlement_status(txn), "captured", "the capture")
            await eventually(lambda: k.final_step(txn), Step.CAPTURED.value, "the device's close")

    run_on_qasync(qapp, scenario)


def test_sales_pause_when_the_outbox_is_full_and_resume_when_it_drains(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """With the broker down the outbox fills: the sale in progress completes, then the kiosk
    shows "sales paused" and nothing can be touched; once the broker is back and the middleware
    has acknowledged the backlog, the attract loop returns."""
    stocked = len(CATALOG.offers)  # the seeding records one RESTOCK per offer

    async def scenario() -> None:
        async with running_kiosk(
            qtbot,
            tmp_path,
            online=True,
            broker_down=True,
            outbox=OutboxLimits(max_count=stocked + 2),
        ) as k:
            assert not k.engine.sales_paused
            await k.to_checkout(AURORA.id, AURORA_SPRAY.sku)
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            assert k.engine.sales_paused  # the sale filled the outbox, and was not refused
            assert k.visible_text("doneTitle") == "Thank you!"
            txn = k.journey.view.txn_id
            assert txn is not None
            k.tap("doneDone")
            unavailable = k.on(Screen.UNAVAILABLE)
            assert k.visible_text("unavailableTitle") == unavailable_title(Unavailable.SALES_PAUSED)
            assert k.visible_text("unavailableDetail") == unavailable_text(Unavailable.SALES_PAUSED)
            assert unavailable.findChildren(QAbstractButton) == []
            k.qtbot.mouseClick(unavailable, Qt.MouseButton.LeftButton)
            k.on(Screen.UNAVAILABLE)
            status = await k.engine.ledger_status()
            assert status.sales_paused and status.pending_count >= stocked + 2
            assert await k.count(EventType.SALE) == 1
            await k.start_broker()
            await k.until_on(Screen.ATTRACT, timeout=30)
            assert not k.engine.sales_paused
            assert (await k.engine.ledger_status()).pending_count < stocked
            assert await k.middleware_sales(txn) == 1
            assert await k.final_step(txn) == Step.CAPTURED.value
            k.touch_attract()  # selling again
            k.on(Screen.BROWSE)

    run_on_qasync(qapp, scenario)
