"""The payment screen in each phase: what it says, which illustration, which buttons (none
while the card is being read or approved), that every ending without a charge says "not
charged", and the buttons wired to ``vm.cancel()`` (awaited), ``vm.retry()``, ``vm.go_home()``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.journey import PaymentPhase, Screen, View
from kiosk.purchase.states import PurchaseState
from kiosk.ui.messages import outcome_text
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.payment import PaymentScreen
from kiosk.ui.shell import KioskWindow
from kiosk.ui.widgets_art import Mark
from tests.kiosk.ui.pay_support import (
    SIZES,
    RecordingViewModel,
    catalog,
    checkout_view,
    close_window,
    enabled_buttons,
    make_window,
    spray_sku,
)
from tests.support.waiting import until

CAT = catalog()
Shown = tuple[KioskWindow, UiContext, RecordingViewModel, PaymentScreen]


@pytest.fixture
def shown(qapp: QApplication) -> Iterator[Shown]:
    window, ctx, vm = make_window(qapp, CAT)
    window.resize(*SIZES["portrait"])
    screen = window.screens[Screen.PAYMENT]
    assert isinstance(screen, PaymentScreen)
    yield window, ctx, vm, screen
    close_window(window, ctx)


def paying(phase: PaymentPhase, reason: str = "") -> View:
    view = checkout_view(CAT, spray_sku(CAT))
    busy = phase in (PaymentPhase.PRESENT_CARD, PaymentPhase.PROCESSING)
    return replace(
        view,
        screen=Screen.PAYMENT,
        payment=phase,
        reason=reason,
        purchase=PurchaseState.AUTHORIZING if busy else PurchaseState.QUOTED,
    )


def names(screen: PaymentScreen) -> list[str]:
    return sorted(b.objectName() for b in enabled_buttons(screen))


def test_present_card_shows_the_amount_the_card_and_cancel(
    qapp: QApplication, shown: Shown
) -> None:
    _, ctx, vm, screen = shown
    view = paying(PaymentPhase.PRESENT_CARD)
    vm.show(view)
    qapp.processEvents()
    assert screen.title.text() == "Present, insert or tap your card"
    assert screen.amount.isVisible()
    assert screen.amount.text() == ctx.languages.money(view.quote.total)  # type: ignore[union-attr]
    assert screen.item.text() == f"{view.product.name} · Spray · 3 sprays"  # type: ignore[union-attr]
    assert screen.arts.currentWidget() is screen.card_art
    assert screen.card_art.running  # animated while shown
    assert names(screen) == ["paymentCancel"]


def test_processing_has_a_spinner_and_nothing_to_tap(qapp: QApplication, shown: Shown) -> None:
    _, _, vm, screen = shown
    vm.show(paying(PaymentPhase.PRESENT_CARD))
    vm.show(paying(PaymentPhase.PROCESSING))
    qapp.processEvents()
    assert screen.title.text() == "Processing…"
    assert screen.arts.currentWidget() is screen.spinner
    assert screen.spinner.running and not screen.card_art.running
    assert names(screen) == []


def test_approved_is_a_check_mark_and_nothing_to_tap(qapp: QApplication, shown: Shown) -> None:
    _, _, vm, screen = shown
    vm.show(replace(paying(PaymentPhase.APPROVED), purchase=PurchaseState.DISPENSING))
    qapp.processEvents()
    assert screen.title.text() == "Approved"
    assert screen.arts.currentWidget() is screen.mark and screen.mark.mark is Mark.OK
    assert not screen.amount.isVisible()
    assert names(screen) == []


@pytest.mark.parametrize(
    ("phase", "reason", "title", "mark", "home"),
    [
        (PaymentPhase.DECLINED, "declined", "Card declined", Mark.FAIL, "Cancel"),
        (PaymentPhase.TIMED_OUT, "payment_timeout", "Time is up", Mark.NOTICE, "Home"),
        (PaymentPhase.TIMED_OUT, "idle", "Time is up", Mark.NOTICE, "Home"),
        (PaymentPhase.CANCELLED, "cancelled", "Payment cancelled", Mark.NOTICE, "Home"),
        (
            PaymentPhase.FAILED,
            "payment_unavailable",
            "Payment did not go through",
            Mark.FAIL,
            "Home",
        ),
        (PaymentPhase.FAILED, "reader_fault", "Payment did not go through", Mark.FAIL, "Home"),
    ],
)
def test_every_ending_without_a_charge_says_so_and_offers_retry_or_leave(
    qapp: QApplication,
    shown: Shown,
    phase: PaymentPhase,
    reason: str,
    title: str,
    mark: Mark,
    home: str,
) -> None:
    _, _, vm, screen = shown
    vm.show(paying(phase, reason))
    qapp.processEvents()
    assert screen.title.text() == title
    assert screen.detail.text() == outcome_text(reason)
    assert "You were not charged." in screen.detail.text()
    assert screen.arts.currentWidget() is screen.mark and screen.mark.mark is mark
    assert names(screen) == ["paymentHome", "paymentRetry"]
    assert screen.retry_button.text() == "Try again"
    assert screen.home_button.text() == home
    assert not screen.amount.isVisible()


async def test_buttons_call_the_view_model(qapp: QApplication, shown: Shown) -> None:
    _, _, vm, screen = shown
    vm.show(paying(PaymentPhase.PRESENT_CARD))
    screen.cancel_button.click()
    await until(lambda: vm.calls == [("cancel", None)], what="cancel awaited")
    vm.show(paying(PaymentPhase.DECLINED, "declined"))
    screen.retry_button.click()
    screen.home_button.click()
    vm.show(paying(PaymentPhase.TIMED_OUT, "payment_timeout"))
    screen.retry_button.click()
    screen.home_button.click()
    assert vm.calls == [
        ("cancel", None),
        ("retry", None),
        ("go_home", None),
        ("retry", None),
        ("go_home", None),
    ]


def test_leaving_the_screen_stops_its_animations(qapp: QApplication, shown: Shown) -> None:
    _, _, vm, screen = shown
    vm.show(paying(PaymentPhase.PRESENT_CARD))
    assert screen.card_art.running
    vm.show(checkout_view(CAT, spray_sku(CAT)))
    assert not screen.isVisible() and not screen.card_art.running
