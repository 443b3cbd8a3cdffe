"""The unavailable screen: each reason's words from ``kiosk.ui.messages``, a calm animated
illustration, nothing to tap but the header's language button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.journey import Screen, Unavailable, View
from kiosk.ui.messages import unavailable_text, unavailable_title
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.unavailable import UnavailableScreen
from kiosk.ui.shell import KioskWindow
from tests.kiosk.ui.pay_support import (
    SIZES,
    RecordingViewModel,
    catalog,
    close_window,
    enabled_buttons,
    make_window,
)

CAT = catalog()
Shown = tuple[KioskWindow, UiContext, RecordingViewModel]


@pytest.fixture
def shown(qapp: QApplication) -> Iterator[Shown]:
    window, ctx, vm = make_window(qapp, CAT)
    window.resize(*SIZES["portrait"])
    yield window, ctx, vm
    close_window(window, ctx)


@pytest.mark.parametrize("why", list(Unavailable))
def test_unavailable_says_why_and_offers_nothing_to_tap(
    qapp: QApplication, shown: Shown, why: Unavailable
) -> None:
    window, _, vm = shown
    vm.show(View(screen=Screen.UNAVAILABLE, unavailable=why))
    qapp.processEvents()
    screen = window.screens[Screen.UNAVAILABLE]
    assert isinstance(screen, UnavailableScreen) and screen.isVisible()
    assert screen.title.text() == unavailable_title(why)
    assert screen.detail.text() == unavailable_text(why)
    assert enabled_buttons(screen) == []
    assert screen.art.isVisible() and screen.art.running


def test_unavailable_language_button_still_works(qapp: QApplication, shown: Shown) -> None:
    window, ctx, vm = shown
    vm.show(View(screen=Screen.UNAVAILABLE, unavailable=Unavailable.SALES_PAUSED))
    assert window.header.language.isEnabled() and window.header.language.isVisible()
    window.header.language.click()
    assert ctx.languages.code == "fr"
    assert window.stack.currentWidget() is window.screens[Screen.UNAVAILABLE]
    screen = window.screens[Screen.UNAVAILABLE]
    assert isinstance(screen, UnavailableScreen)
    assert screen.title.text() == unavailable_title(Unavailable.SALES_PAUSED)
    assert vm.calls == []


def test_unavailable_without_a_reason_is_a_calm_wait(qapp: QApplication, shown: Shown) -> None:
    window, _, vm = shown
    vm.show(View(screen=Screen.UNAVAILABLE, unavailable=None))
    screen = window.screens[Screen.UNAVAILABLE]
    assert isinstance(screen, UnavailableScreen)
    assert screen.title.text() == "One moment, please"
