"""The dispensing screen: nothing to tap while product is moving; a spray counts its seconds
down on a ring, a bottle glides to the tray as its bar fills, both over
``view.dispense_seconds``, then "Almost done…" until the journey moves on; a re-render (a
language change) does not restart the countdown; leaving stops the animations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QVariantAnimation
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.journey import PaymentPhase, Screen, View
from kiosk.purchase.states import PurchaseState
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.dispensing import DispensingScreen
from kiosk.ui.shell import KioskWindow
from tests.kiosk.ui.pay_support import (
    SIZES,
    RecordingViewModel,
    bottle_sku,
    catalog,
    checkout_view,
    close_window,
    enabled_buttons,
    make_window,
    spray_sku,
)

CAT = catalog()
WAIT_MS = 10_000  # generous upper bound; the tests never assert on durations
Shown = tuple[KioskWindow, UiContext, RecordingViewModel, DispensingScreen]


@pytest.fixture
def shown(qapp: QApplication) -> Iterator[Shown]:
    window, ctx, vm = make_window(qapp, CAT)
    window.resize(*SIZES["portrait"])
    screen = window.screens[Screen.DISPENSING]
    assert isinstance(screen, DispensingScreen)
    yield window, ctx, vm, screen
    close_window(window, ctx)


def dispensing(sku: str, seconds: float, txn: str = "t1") -> View:
    return replace(
        checkout_view(CAT, sku),
        screen=Screen.DISPENSING,
        purchase=PurchaseState.DISPENSING,
        payment=PaymentPhase.APPROVED,
        dispense_seconds=seconds,
        txn_id=txn,
    )


def test_spray_counts_down_then_waits_for_the_dispenser(
    qapp: QApplication, shown: Shown, qtbot: QtBot
) -> None:
    _, _, vm, screen = shown
    vm.show(dispensing(spray_sku(CAT), 1.5))
    assert screen.title.text() == "Hold your wrist under the nozzle"
    assert screen.ring.isVisible() and screen.arts.currentWidget() is screen.spray_art
    assert screen.ring.seconds_left == 2
    assert screen.status.text() == "Spraying…"
    assert enabled_buttons(screen) == []
    qtbot.waitUntil(lambda: screen.ring.seconds_left == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: screen.status.text() == "Almost done…", timeout=WAIT_MS)
    assert screen.ring.seconds_left == 0 and screen.ring.remaining == 0.0


def test_bottle_glides_to_the_tray_over_the_dispense_time(
    qapp: QApplication, shown: Shown, qtbot: QtBot
) -> None:
    _, _, vm, screen = shown
    vm.show(dispensing(bottle_sku(CAT), 0.8))
    assert screen.title.text() == "Your bottle is on its way"
    assert "tray" in screen.detail.text()
    assert not screen.ring.isVisible() and screen.arts.currentWidget() is screen.bottle_art
    assert screen.bottle_art.progress < 1.0
    assert screen.status.text() == "On its way…"
    assert enabled_buttons(screen) == []
    qtbot.waitUntil(lambda: screen.bottle_art.progress == 1.0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: screen.status.text() == "Almost done…", timeout=WAIT_MS)


def test_a_re_render_does_not_restart_the_countdown_a_new_dispense_does(
    qapp: QApplication, shown: Shown, qtbot: QtBot
) -> None:
    _, ctx, vm, screen = shown
    vm.show(dispensing(spray_sku(CAT), 3.0))
    qtbot.waitUntil(lambda: screen.ring.remaining < 0.9, timeout=WAIT_MS)
    before = screen.ring.remaining
    ctx.languages.set("fr")  # re-renders the same view
    assert screen.ring.remaining <= before
    vm.show(dispensing(spray_sku(CAT), 3.0, txn="t2"))  # the next purchase
    assert screen.ring.remaining == 1.0 and screen.ring.seconds_left == 3


def test_leaving_stops_the_animations(qapp: QApplication, shown: Shown) -> None:
    _, _, vm, screen = shown
    vm.show(dispensing(spray_sku(CAT), 3.0))
    assert screen.ring.anim.state() is QVariantAnimation.State.Running
    assert screen.spray_art.anim.state() is QVariantAnimation.State.Running
    vm.show(replace(dispensing(spray_sku(CAT), 3.0), screen=Screen.DONE))
    assert screen.ring.anim.state() is QVariantAnimation.State.Stopped
    assert screen.spray_art.anim.state() is QVariantAnimation.State.Stopped
    vm.show(dispensing(bottle_sku(CAT), 3.0))
    assert screen.progress.state() is QVariantAnimation.State.Running
    vm.show(replace(dispensing(bottle_sku(CAT), 3.0), screen=Screen.DONE))
    assert screen.progress.state() is QVariantAnimation.State.Stopped


def test_zero_seconds_shows_the_end_state_at_once(qapp: QApplication, shown: Shown) -> None:
    _, _, vm, screen = shown
    vm.show(dispensing(bottle_sku(CAT), 0.0))
    assert screen.bottle_art.progress == 1.0
    assert screen.status.text() == "Almost done…"
