"""The whole kiosk in-process on a qasync loop (demo hardware simulators, local broker,
middleware, sandbox gateway): an exception raised from a Qt slot or inside the event loop is
logged and shows the recoverable error overlay, a touch on it goes back to the attract loop,
and the kiosk keeps running; during a payment the screen is left alone and the purchase
completes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp, build_ui
from kiosk.catalog import Catalog
from kiosk.journey import Screen
from kiosk.launch import AppOptions, DemoRequest, demo_catalog_path
from kiosk.purchase.states import PurchaseState
from tests.support.loops import install_loop
from tests.support.waiting import until


class Boom(RuntimeError):
    pass


def run_on_qasync(qapp: QApplication, scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``scenario`` on a qasync loop over the test's QApplication, as the kiosk runs."""
    loop = qasync.QEventLoop(qapp)
    install_loop(loop)
    try:

        async def bounded() -> Any:
            async with asyncio.timeout(120):
                return await scenario()

        return loop.run_until_complete(bounded())
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def raising_button() -> QPushButton:
    button = QPushButton()

    def explode() -> None:
        raise Boom("a screen bug")

    button.clicked.connect(explode)
    return button


@asynccontextmanager
async def running_kiosk(qapp: QApplication, data_dir: Path) -> AsyncIterator[KioskApp]:
    """The demo kiosk (MDB reader: it sells offline too) once its machine runs behind the
    painted window; stopped in order afterwards, also when the test failed (no Mosquitto left
    behind)."""
    options = AppOptions(
        catalog=Catalog.load(demo_catalog_path()),
        demo=DemoRequest(data_dir=data_dir, reader="mdb"),
        windowed=True,
    )
    kiosk = KioskApp(qapp, options)
    runner = asyncio.ensure_future(kiosk.run())
    try:
        await until(lambda: kiosk.machine_started.is_set() or runner.done(), 60, "the machine")
        assert not runner.done()
        yield kiosk
        assert not runner.done()  # still running after everything the test did
    finally:
        kiosk.request_stop()
        assert await runner == 0


def test_an_exception_in_a_slot_shows_the_overlay_and_the_kiosk_carries_on(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with running_kiosk(qapp, tmp_path) as kiosk:
            assert kiosk.ui is not None
            ui, journey = kiosk.ui, kiosk.journey
            journey.touch()
            assert ui.vm.view.screen is Screen.BROWSE
            raising_button().click()  # Qt calls the slot; PySide6 hands the error to excepthook
            assert ui.overlay.isVisible() and ui.guard.errors == 1
            assert ui.overlay.geometry() == ui.window.rect()
            assert ui.overlay.title.text() == "Something went wrong"
            assert any(r.exc_info and r.exc_info[0] is Boom for r in caplog.records)
            qtbot.mouseClick(ui.overlay, Qt.MouseButton.LeftButton)
            assert not ui.overlay.isVisible()
            assert ui.vm.view.screen is Screen.ATTRACT  # the touch reset the journey
            # An error inside the event loop (a callback, a task) takes the same road.
            asyncio.get_running_loop().call_soon(lambda: raising_button().click() or 1 / 0)
            await until(lambda: ui.guard.errors == 3, 10, "both errors")
            assert ui.overlay.isVisible()
            assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
            qtbot.mouseClick(ui.overlay, Qt.MouseButton.LeftButton)
            journey.touch()  # still alive and serving
            assert ui.vm.view.screen is Screen.BROWSE

    with caplog.at_level(logging.ERROR):
        run_on_qasync(qapp, scenario)


def test_during_a_payment_an_error_is_only_logged_and_the_purchase_completes(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with running_kiosk(qapp, tmp_path) as kiosk:
            assert kiosk.ui is not None
            ui, journey = kiosk.ui, kiosk.journey
            product = next(p for p in kiosk.options.catalog.products if p.spray is not None)
            assert product.spray is not None
            journey.touch()
            journey.show_product(product.id)
            journey.choose_offer(product.spray.sku)
            journey.skip_loyalty()
            assert ui.vm.view.screen is Screen.CHECKOUT
            paying = asyncio.ensure_future(ui.vm.pay())
            await until(lambda: ui.vm.view.busy, 30, "the payment to start")
            raising_button().click()
            assert ui.guard.errors == 1 and not ui.overlay.isVisible()
            assert any(r.exc_info and r.exc_info[0] is Boom for r in caplog.records)
            result = await paying
            assert result is not None and result.state is PurchaseState.COMPLETED
            assert ui.vm.view.screen is Screen.DONE and not ui.overlay.isVisible()

    with caplog.at_level(logging.ERROR):
        run_on_qasync(qapp, scenario)


def test_build_ui_without_a_journey(qapp: QApplication, qtbot: QtBot) -> None:
    """The screenshot tool's way in: the window over a view-model that only shows views."""
    catalog = Catalog.load(demo_catalog_path())
    ui = build_ui(qapp, catalog=catalog, journey=None, language="en")
    try:
        ui.window.resize(1080, 1920)
        ui.window.show()
        assert ui.window.current is ui.window.screens[Screen.ATTRACT]
        ui.vm.touch()  # no journey: nothing happens
        assert ui.vm.view.screen is Screen.ATTRACT
    finally:
        ui.close()
