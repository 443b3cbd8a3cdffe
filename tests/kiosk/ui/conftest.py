"""Fixtures shared by the shop screens' tests (browse, finder, product): the pseudo-translations
compiled once per test module, and the real window over the 24-perfume catalog, opened for each
test and closed after it. A module that needs another window or catalog defines its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from tests.kiosk.ui.shop_support import ShopUi, open_shop, pseudo_translations


@pytest.fixture(scope="module")
def qm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pseudo_translations(tmp_path_factory.mktemp("i18n"))


@pytest.fixture
def ui(qapp: QApplication, qm_dir: Path) -> Iterator[ShopUi]:
    shop = open_shop(qapp, qm_dir)
    yield shop
    shop.close()
