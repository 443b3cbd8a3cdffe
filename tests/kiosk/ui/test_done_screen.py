"""The done screen: after a sale, thanks, the perfume, what was charged to which card, the
member's points and an e-receipt QR code that really decodes to the receipt link; after a
failed dispense, the purchase flow's honest words (not charged / payment released) and a
reference; "Done" goes home."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pyzbar.pyzbar import decode as zbar_decode

from kiosk.journey import PaymentPhase, Screen, View
from kiosk.purchase.states import PurchaseState
from kiosk.ui.messages import outcome_text
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.done import DoneScreen
from kiosk.ui.shell import KioskWindow
from kiosk.ui.widgets_art import Mark
from tests.kiosk.ui.pay_support import (
    SIZES,
    RecordingViewModel,
    bottle_sku,
    catalog,
    checkout_view,
    close_window,
    enabled_buttons,
    make_window,
    member,
    spray_sku,
)

CAT = catalog()
RECEIPT = "https://receipts.sillage.example/r/pk-demo-0001/t0123456789abcdef0123456"
Shown = tuple[KioskWindow, UiContext, RecordingViewModel]


@pytest.fixture
def shown(qapp: QApplication) -> Iterator[Shown]:
    window, ctx, vm = make_window(qapp, CAT)
    window.resize(*SIZES["portrait"])
    yield window, ctx, vm
    close_window(window, ctx)


def done(sku: str, state: PurchaseState = PurchaseState.COMPLETED, **over: object) -> View:
    fields: dict[str, object] = {
        "screen": Screen.DONE,
        "purchase": state,
        "payment": PaymentPhase.APPROVED,
        "txn_id": "t0123456789abcdef0123456",
        "card_last4": "4242",
        "receipt_url": RECEIPT if state is PurchaseState.COMPLETED else None,
    }
    fields.update(over)
    return replace(checkout_view(CAT, sku), **fields)  # type: ignore[arg-type]


def decode_qr(image: QImage) -> list[str]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    w, h, stride = gray.width(), gray.height(), gray.bytesPerLine()
    raw = bytes(gray.constBits())
    rows = b"".join(raw[y * stride : y * stride + w] for y in range(h))
    return [r.data.decode() for r in zbar_decode((rows, w, h))]


def screen_of(window: KioskWindow, which: Screen) -> DoneScreen:
    screen = window.screens[which]
    assert isinstance(screen, DoneScreen)
    return screen


def test_completed_spray_thanks_says_what_was_charged_and_gives_a_working_receipt_qr(
    qapp: QApplication, shown: Shown
) -> None:
    window, ctx, vm = shown
    view = done(spray_sku(CAT))
    vm.show(view)
    qapp.processEvents()
    screen = screen_of(window, Screen.DONE)
    assert screen.title.text() == "Thank you!"
    assert screen.product.text() == f"{view.product.name} · Spray · 3 sprays"  # type: ignore[union-attr]
    assert screen.detail.text() == "Enjoy your scent."
    total = ctx.languages.money(view.quote.total)  # type: ignore[union-attr]
    assert screen.charged.text() == f"Charged {total} to card •••• 4242"
    assert not screen.points.isVisible()
    assert screen.mark.mark is Mark.OK
    assert screen.receipt.isVisible() and screen.qr_caption.text() == "Scan for your e-receipt"
    assert decode_qr(screen.qr.grab().toImage()) == [RECEIPT]
    assert [b.objectName() for b in enabled_buttons(screen)] == ["doneDone"]


def test_completed_bottle_for_a_member_shows_the_tray_and_the_points(
    qapp: QApplication, shown: Shown
) -> None:
    window, _, vm = shown
    zoe = member(CAT)
    view = replace(done(bottle_sku(CAT)), member=zoe, points_earned=49)
    vm.show(view)
    screen = screen_of(window, Screen.DONE)
    assert "tray" in screen.detail.text()
    assert screen.points.isVisible() and screen.points.text() == "Zoé, you earned 49 points."
    vm.show(replace(view, points_earned=1))
    assert screen.points.text() == "Zoé, you earned 1 point."


def test_without_the_card_digits_it_still_says_what_was_charged(
    qapp: QApplication, shown: Shown
) -> None:
    window, ctx, vm = shown
    view = done(spray_sku(CAT), card_last4=None)
    vm.show(view)
    total = ctx.languages.money(view.quote.total)  # type: ignore[union-attr]
    assert screen_of(window, Screen.DONE).charged.text() == f"Charged {total} to your card"


@pytest.mark.parametrize(
    ("state", "reason", "second_line"),
    [
        (PurchaseState.FAILED_VOIDED, "dispense_jam", "You will not be charged for this purchase."),
        (
            PurchaseState.FAILED_VOIDED,
            "dispense_empty",
            "You will not be charged for this purchase.",
        ),
        (
            PurchaseState.FAILED_VOIDED,
            "dispense_door_open",
            "You will not be charged for this purchase.",
        ),
        (
            PurchaseState.MANUAL_REVIEW,
            "dispense_unknown",
            "Please keep this reference if you contact us.",
        ),
    ],
)
def test_a_failed_dispense_says_honestly_what_happened_to_the_money(
    qapp: QApplication, shown: Shown, state: PurchaseState, reason: str, second_line: str
) -> None:
    window, _, vm = shown
    vm.show(done(bottle_sku(CAT), state, reason=reason, points_earned=0))
    screen = screen_of(window, Screen.DONE)
    assert screen.title.text() == "We're sorry"
    assert screen.detail.text() == outcome_text(reason)
    assert "released" in screen.detail.text()
    assert screen.charged.text() == second_line
    assert screen.reference.text() == "Reference: F0123456"
    assert screen.mark.mark is Mark.NOTICE
    assert not screen.receipt.isVisible() and not screen.points.isVisible()
    assert "Charged" not in " ".join(
        w.text() for w in (screen.title, screen.detail, screen.charged) if w.isVisible()
    )


def test_done_goes_home(qapp: QApplication, shown: Shown) -> None:
    window, _, vm = shown
    vm.show(done(spray_sku(CAT)))
    screen_of(window, Screen.DONE).done_button.click()
    vm.show(done(spray_sku(CAT), PurchaseState.FAILED_VOIDED, reason="dispense_jam"))
    screen_of(window, Screen.DONE).done_button.click()
    assert vm.calls == [("go_home", None), ("go_home", None)]
