"""The demo's loyalty members in the running app (``perfume-kiosk run --demo``): on the loyalty
step, F2 has the demo's scanner simulator read a demo member's code, through the real serial
driver, and the shopper's view shows that member; the code pictures are in the data dir."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp
from kiosk.catalog import Catalog
from kiosk.demo_members import CODES_DIR, DEMO_MEMBERS
from kiosk.journey.view import Screen
from kiosk.launch import AppOptions, DemoRequest, demo_catalog_path
from tests.support.loops import run_on_qasync
from tests.support.waiting import until


def test_f2_presents_a_demo_members_code_on_the_loyalty_step(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    catalog = Catalog.load(demo_catalog_path())
    options = AppOptions(
        catalog=catalog, demo=DemoRequest(data_dir=tmp_path, reader="terminal"), windowed=True
    )
    kiosk = KioskApp(qapp, options)

    async def scenario() -> None:
        runner = asyncio.ensure_future(kiosk.run())
        try:
            await until(lambda: kiosk.machine_started.is_set() or runner.done(), 60, "READY")
            assert not runner.done() and kiosk.ui is not None and kiosk.runtime is not None
            assert sorted(p.name for p in (tmp_path / CODES_DIR).iterdir()) == sorted(
                f"{m.member_id}.png" for m in DEMO_MEMBERS
            )
            journey = kiosk.runtime.journey
            product = next(p for p in catalog.products if p.bottles)
            journey.touch()
            journey.show_product(product.id)
            journey.choose_offer(product.bottles[0].sku)
            await until(lambda: journey.view.screen is Screen.LOYALTY, 10, "the loyalty step")
            window = kiosk.ui.window
            window.activateWindow()
            await until(lambda: QApplication.activeWindow() is window, 10, "an active window")

            QTest.keyClick(window, Qt.Key.Key_F2)
            await until(lambda: journey.view.member is not None, 10, "the member")
            member = journey.view.member
            assert member is not None
            assert (member.member_id, member.display_name) == ("demo-ada", "Ada")
            assert journey.view.screen is Screen.CHECKOUT  # the code took the shopper on
        finally:
            kiosk.request_stop()
            await runner
        assert kiosk.demo_scanner is None  # closed with the kiosk

    run_on_qasync(qapp, scenario())
