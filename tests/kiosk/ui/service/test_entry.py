"""The hidden entry: a 3-second press in the kiosk window's top-right corner opens the PIN pad
and nothing before that; a short press, a press elsewhere or a press that slides out of the
corner does nothing; the release that opened the pad does not reach the shopper widget under
the finger; cancel goes back to the shoppers with their idle prompt running again."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.journey import Screen, View
from kiosk.ui.idle import IdleWatcher
from kiosk.ui.viewmodel import JourneyViewModel
from tests.kiosk.ui.service.support import Kit, run_on_qasync, service_window
from tests.support.waiting import until

LEFT = Qt.MouseButton.LeftButton


def visible_widgets(kit: Kit) -> set[int]:
    return {id(w) for w in kit.window.findChildren(QWidget) if w.isVisible()}


def test_a_three_second_press_in_the_corner_opens_the_pin_pad(
    qapp: QApplication, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            kit.journey.touch()
            assert kit.journey.view.screen is Screen.BROWSE
            language = kit.window.ctx.languages.code
            before = visible_widgets(kit)
            target, pos = kit.corner()
            assert target is kit.window.header.language  # the corner is a shopper button
            pressed_at = time.monotonic()
            QTest.mousePress(target, LEFT, pos=pos)
            assert kit.service.entry.armed
            await asyncio.sleep(2.5)  # the hold under test, not a synchronisation
            assert not kit.overlay.isVisible()
            assert visible_widgets(kit) == before  # no trace of the menu for shoppers
            await until(lambda: kit.overlay.isVisible(), 5, "the PIN pad")
            assert time.monotonic() - pressed_at >= 3.0
            assert kit.overlay.pin.isVisible() and kit.service.opened
            assert kit.overlay.geometry() == kit.window.rect()
            QTest.mouseRelease(target, LEFT, pos=pos)
            assert kit.window.ctx.languages.code == language  # the release was swallowed
            assert kit.window.idle.suspended  # no "still there?" over the service menu

            kit.tap(kit.button("pinCancel"))
            await until(lambda: not kit.service.opened, 5, "back to the shoppers")
            assert not kit.overlay.isVisible() and not kit.window.idle.suspended
            assert kit.journey.view.screen is Screen.ATTRACT  # the next shopper starts afresh

    run_on_qasync(qapp, scenario)


def test_a_short_press_another_corner_or_a_slide_out_does_nothing(
    qapp: QApplication, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            entry = kit.service.entry
            target, pos = kit.corner()
            QTest.mousePress(target, LEFT, pos=pos)
            assert entry.armed
            await asyncio.sleep(1.0)
            QTest.mouseRelease(target, LEFT, pos=pos)
            assert not entry.armed and not entry._timer.isActive()  # nothing left to fire

            QTest.mousePress(target, LEFT, pos=pos)
            outside = target.mapFrom(kit.window, QPoint(kit.window.width() - 300, 300))
            QTest.mouseMove(target, outside)
            assert not entry.armed and not entry._timer.isActive()
            QTest.mouseRelease(target, LEFT, pos=outside)

            for at in (QPoint(20, 20), QPoint(20, kit.window.height() - 20),
                       QPoint(kit.window.width() - 20, kit.window.height() - 20),
                       QPoint(kit.window.width() - 140, 20)):  # fmt: skip
                widget = kit.window.childAt(at) or kit.window
                QTest.mousePress(widget, LEFT, pos=widget.mapFrom(kit.window, at))
                assert not entry.armed, at
                QTest.mouseRelease(widget, LEFT, pos=widget.mapFrom(kit.window, at))
            await asyncio.sleep(3.2)  # longer than the hold: still nothing
            assert not kit.overlay.isVisible()

    run_on_qasync(qapp, scenario)


def test_the_corner_is_the_physical_top_right_one_in_arabic_too(
    qapp: QApplication, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path, hold_ms=300) as kit:
            kit.window.ctx.languages.set("ar")
            target, pos = kit.corner()
            QTest.mousePress(target, LEFT, pos=pos)
            await until(lambda: kit.overlay.isVisible(), 5, "the PIN pad")
            QTest.mouseRelease(target, LEFT, pos=pos)
            assert kit.window.ctx.languages.code == "en"  # the menu speaks English or French
            assert kit.overlay.title.text() == "Service menu"
            kit.tap(kit.button("pinCancel"))
            await until(lambda: not kit.service.opened, 5, "back to the shoppers")
            assert kit.window.ctx.languages.code == "ar"  # the shopper's language is back

    run_on_qasync(qapp, scenario)


def test_the_shopper_idle_prompt_waits_while_the_menu_is_open(qtbot: QtBot) -> None:
    """kiosk.ui.idle's suspend/resume, which the service menu uses: no prompt while
    suspended however long the wait and whatever the journey shows; after resume the normal
    idle delay applies again."""
    vm = JourneyViewModel(None)
    vm.show(View(screen=Screen.BROWSE))
    watcher = IdleWatcher(vm, idle_s=0.1, prompt_s=5)
    prompts: list[int] = []
    watcher.promptDidShow.connect(prompts.append)
    qtbot.waitUntil(lambda: prompts == [5], timeout=2000)  # not suspended: it prompts
    watcher.suspend()
    assert not watcher.prompting
    vm.show(View(screen=Screen.PRODUCT))  # a view change pokes: still no idle clock
    watcher.poke()
    qtbot.wait(400)  # four idle delays, observed: nothing
    assert prompts == [5]
    watcher.resume()
    qtbot.waitUntil(lambda: prompts == [5, 5], timeout=2000)
