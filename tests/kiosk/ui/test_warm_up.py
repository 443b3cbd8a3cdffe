"""Warming the screens up behind READY (``Ui.warm_up``): every hidden screen is painted off
screen in each gallery state, the screen on display is left alone, and a warmed screen shows
the live view, not a gallery one, when the shopper reaches it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import build_ui
from kiosk.catalog import Catalog
from kiosk.journey.gallery import gallery
from kiosk.journey.view import Screen
from kiosk.launch import PORTRAIT, demo_catalog_path
from kiosk.ui.screens.dispensing import DispensingScreen


def test_warm_up_paints_the_hidden_screens_and_the_live_view_wins(
    qapp: QApplication, qtbot: QtBot
) -> None:
    catalog = Catalog.load(demo_catalog_path())
    states = gallery(catalog)
    ui = build_ui(qapp, catalog=catalog, journey=None)
    try:
        ui.window.resize(*PORTRAIT)
        attract = next(view for _s, _state, view in states if view.screen is Screen.ATTRACT)
        ui.vm.show(attract)
        ui.window.show()
        qtbot.waitExposed(ui.window)

        painted = asyncio.run(ui.warm_up(view for _s, _state, view in states))
        hidden = [view for _s, _state, view in states if view.screen is not Screen.ATTRACT]
        assert painted == len(hidden) > 30
        assert ui.window.current is ui.window.screens[Screen.ATTRACT]  # still on display

        spray = next(
            view for name, state, view in states if (name, state) == ("dispensing", "spray")
        )
        gallery_product = spray.product
        assert gallery_product is not None
        other = next(p for p in catalog.products if p.spray is not None and p != gallery_product)
        live = replace(spray, product=other, offer=other.spray, txn_id="t-live")
        ui.vm.show(live)
        screen = ui.window.screens[Screen.DISPENSING]
        assert ui.window.current is screen and isinstance(screen, DispensingScreen)
        assert other.name in screen.detail.text()
        assert gallery_product.name not in screen.detail.text()
    finally:
        ui.close()
