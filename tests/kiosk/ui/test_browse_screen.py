"""The browse screen with a 24-perfume catalog in the real window: every state in English,
French and Arabic (pseudo-translations at least as long as the real ones), portrait and
landscape, with no overflow, small text or small targets; filters, sold-out cards, the offline
banner, columns per orientation, mirroring, cards built once; taps reach the view-model."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.catalog import Catalog
from kiosk.journey import Notice, Screen, Unavailable, View
from kiosk.ui import messages
from kiosk.ui.screens.browse import BrowseScreen
from kiosk.ui.widgets_cards import FamilyTile, ProductCard
from tests.kiosk.ui.shop_support import (
    SIZES,
    ShopUi,
    big_catalog,
    catalog_data,
)

ORIENTATIONS = list(SIZES)
LANGUAGES = ["en", "fr", "ar"]


def browse(ui: ShopUi) -> BrowseScreen:
    screen = ui.screen(Screen.BROWSE)
    assert isinstance(screen, BrowseScreen)
    return screen


def shown_cards(screen: BrowseScreen) -> list[ProductCard]:
    """The cards in the grid, in reading order (row by row, then by column)."""
    placed = []
    for i in range(screen.grid.count()):
        item = screen.grid.itemAt(i)
        w = item.widget() if item is not None else None
        if isinstance(w, ProductCard) and w.isVisibleTo(screen):
            row, col, _, _ = screen.grid.getItemPosition(i)  # type: ignore[misc]
            placed.append((int(row), int(col), w))
    return [w for _, _, w in sorted(placed, key=lambda t: (t[0], t[1]))]


def sold_out_view(catalog: Catalog, count: int = 3) -> View:
    skus = frozenset(o.sku for p in catalog.products[1 : 1 + count] for o in p.offers)
    return View(screen=Screen.BROWSE, sold_out=skus)


def states(catalog: Catalog) -> list[tuple[str, View]]:
    first_family = catalog.families[0].id
    return [
        ("all", View(screen=Screen.BROWSE)),
        ("family", View(screen=Screen.BROWSE, family_id=first_family)),
        ("sold-out", sold_out_view(catalog)),
        (
            "offline+notice",
            View(
                screen=Screen.BROWSE,
                cards_offline=True,
                unavailable=Unavailable.CARDS_OFFLINE,
                notice=Notice.SOLD_OUT,
            ),
        ),
        ("empty-family", View(screen=Screen.BROWSE, family_id="no-such-family")),
    ]


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_state_fits_in_each_language_and_orientation(
    ui: ShopUi, lang: str, orientation: str
) -> None:
    ui.set(lang=lang, orientation=orientation)
    problems = []
    for name, view in states(ui.catalog):
        ui.show(view)
        assert ui.window.stack.currentWidget() is browse(ui)
        problems += ui.problems(name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_large_text_in_french_still_fits(ui: ShopUi, orientation: str) -> None:
    ui.set(lang="fr", orientation=orientation, large=True)
    problems = []
    for name, view in states(ui.catalog):
        ui.show(view)
        problems += ui.problems(name)
    assert not problems, "\n".join(problems)


def test_reach_mode_fits_with_every_control_in_the_lower_half(ui: ShopUi) -> None:
    ui.set(lang="fr")
    ui.ctx.settings.toggle_reach()
    ui.app.processEvents()
    problems = []
    for name, view in states(ui.catalog):
        ui.show(view)
        problems += ui.problems(name) + ui.controls_above_half(name)
    assert browse(ui).height() < SIZES["portrait"][1] // 2 + 50
    assert not problems, "\n".join(problems)


def test_every_text_is_translated_or_catalog_data(ui: ShopUi) -> None:
    """In pseudo-French every text lupdate extracted carries the marker; a text without it
    must be catalog data (names, houses) or a price."""
    ui.set(lang="fr")
    ui.show(View(screen=Screen.BROWSE, sold_out=sold_out_view(ui.catalog).sold_out))
    data = {p.name for p in ui.catalog.products} | {p.house for p in ui.catalog.products}
    data |= {f.name_in("fr") for f in ui.catalog.families}  # catalog data, in French
    untranslated = []
    for lab in browse(ui).findChildren(type(browse(ui).title)):
        text = lab.text()
        shown = lab.isVisibleTo(browse(ui)) and bool(text)
        is_price = any(ch.isdigit() for ch in text)
        if shown and "ŵ" not in text and text not in data and not is_price:
            untranslated.append(text)
    assert not untranslated


def test_portrait_shows_two_columns_and_landscape_four(ui: ShopUi) -> None:
    for orientation, columns in (("portrait", 2), ("landscape", 4)):
        ui.set(orientation=orientation)
        ui.show(View(screen=Screen.BROWSE))
        cards = shown_cards(browse(ui))
        first_row_y = cards[0].y()
        in_first_row = [c for c in cards if c.y() == first_row_y]
        assert len(in_first_row) == columns, orientation
        widths = {c.width() for c in in_first_row}
        assert max(widths) - min(widths) <= 1, "columns are equal"
        assert all(c.height() >= 300 for c in cards), "large cards"


def test_family_filter_shows_exactly_that_family_and_marks_its_tile(ui: ShopUi) -> None:
    screen = browse(ui)
    for family in ui.catalog.families:
        ui.show(View(screen=Screen.BROWSE, family_id=family.id))
        expected = [p.id for p in ui.catalog.products if p.family_id == family.id]
        assert expected, "the test catalog has every family"
        assert [c.product_id for c in shown_cards(screen)] == expected
        selected = [t.key for t in screen.tiles if t.selected]
        assert selected == [family.id]
    ui.show(View(screen=Screen.BROWSE))
    assert len(shown_cards(screen)) == len(ui.catalog.products)
    assert [t.key for t in screen.tiles if t.selected] == [None]


def test_tiles_are_all_families_then_all_and_finder_with_translated_names(ui: ShopUi) -> None:
    ui.set(lang="fr")
    ui.show(View(screen=Screen.BROWSE))
    tiles = browse(ui).tiles
    assert [t.key for t in tiles] == [None, *(f.id for f in ui.catalog.families), "finder"]
    names = [(t.caption.text(), f) for t, f in zip(tiles[1:-1], ui.catalog.families, strict=True)]
    assert all(text == family.name_in("fr") for text, family in names), "catalog French names"
    assert any(text != family.name for text, family in names)
    heights = {t.height() for t in tiles}
    assert len(heights) == 1, "tiles are even"


def test_sold_out_cards_are_marked_last_and_not_tappable(ui: ShopUi, qtbot: QtBot) -> None:
    view = sold_out_view(ui.catalog)
    ui.show(view)
    cards = shown_cards(browse(ui))
    sold = [c for c in cards if c.sold_out]
    assert [c.product_id for c in sold] == [p.id for p in ui.catalog.products[1:4]]
    assert cards[-len(sold) :] == sold, "sold-out perfumes come after the available ones"
    for c in sold:
        assert not c.isEnabled()
        assert c.pill.isVisibleTo(c) and c.pill.text() == "Sold out"
        assert not c.price.isVisibleTo(c)
        assert c.picture.dimmed
        c.click()
    assert ui.vm.calls == []
    assert all(c.isEnabled() and not c.pill.isVisibleTo(c) for c in cards if not c.sold_out)


def test_from_price_is_the_cheapest_offer_still_available(ui: ShopUi) -> None:
    product = next(p for p in ui.catalog.products if len(p.offers) >= 3)
    cheapest = min(product.offers, key=lambda o: o.list_price.amount_minor)
    rest = [o for o in product.offers if o is not cheapest]
    ui.show(View(screen=Screen.BROWSE))
    card = browse(ui).cards[product.id]
    assert card.price.text() == ui.ctx.languages.money(cheapest.list_price)
    assert card.from_.text() == "from"
    ui.show(View(screen=Screen.BROWSE, sold_out=frozenset({cheapest.sku})))
    next_cheapest = min(rest, key=lambda o: o.list_price.amount_minor)
    assert card.price.text() == ui.ctx.languages.money(next_cheapest.list_price)
    ui.show(View(screen=Screen.BROWSE, sold_out=frozenset(o.sku for o in product.offers[1:])))
    assert card.price.text() == ui.ctx.languages.money(product.offers[0].list_price)
    assert not card.from_.isVisibleTo(card), "a single offer left is not a 'from' price"


def test_prices_follow_the_language(ui: ShopUi) -> None:
    product = ui.catalog.products[0]
    cheapest = min(product.offers, key=lambda o: o.list_price.amount_minor)
    texts = {}
    for lang in LANGUAGES:
        ui.set(lang=lang)
        ui.show(View(screen=Screen.BROWSE))
        texts[lang] = browse(ui).cards[product.id].price.text()
        assert texts[lang] == ui.ctx.languages.money(cheapest.list_price)
    assert texts["en"] != texts["fr"], "French puts the symbol after, with a comma"


def test_offline_banner_only_when_cards_are_offline(ui: ShopUi) -> None:
    screen = browse(ui)
    ui.show(View(screen=Screen.BROWSE))
    assert not screen.banner.isVisibleTo(screen)
    ui.show(View(screen=Screen.BROWSE, cards_offline=True))
    assert screen.banner.isVisibleTo(screen)
    assert screen.banner_text.text() == messages.unavailable_text(Unavailable.CARDS_OFFLINE)
    assert not screen.notice.isVisibleTo(screen)
    ui.show(View(screen=Screen.BROWSE, cards_offline=True, notice=Notice.SALES_PAUSED))
    assert screen.notice.text() == messages.notice_text(Notice.SALES_PAUSED)


def test_taps_call_the_view_model(ui: ShopUi, qtbot: QtBot) -> None:
    screen = browse(ui)
    ui.show(View(screen=Screen.BROWSE))
    by_key = {t.key: t for t in screen.tiles}
    family = ui.catalog.families[2].id
    qtbot.mouseClick(by_key[family], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(by_key[None], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(by_key["finder"], Qt.MouseButton.LeftButton)
    product = ui.catalog.products[5]
    qtbot.mouseClick(screen.cards[product.id], Qt.MouseButton.LeftButton)
    assert ui.vm.calls == [
        ("browse", family),
        ("browse", None),
        ("open_finder", None),
        ("show_product", product.id),
    ]


def test_cards_are_built_once_and_only_re_placed(ui: ShopUi) -> None:
    screen = browse(ui)
    ui.show(View(screen=Screen.BROWSE))
    before = {pid: id(card) for pid, card in screen.cards.items()}
    count = len(screen.findChildren(ProductCard))
    for lang in LANGUAGES:
        ui.set(lang=lang, orientation="landscape")
        for family in [None, *(f.id for f in ui.catalog.families)]:
            ui.show(View(screen=Screen.BROWSE, family_id=family))
        ui.show(sold_out_view(ui.catalog))
    assert {pid: id(card) for pid, card in screen.cards.items()} == before
    assert len(screen.findChildren(ProductCard)) == count == len(ui.catalog.products)
    assert len(screen.findChildren(FamilyTile)) == len(ui.catalog.families) + 2


def test_a_new_catalog_rebuilds_the_cards(ui: ShopUi, qtbot: QtBot) -> None:
    ui.show(View(screen=Screen.BROWSE))
    data = catalog_data(30)
    data["version"] += 1
    data["products"][0]["name"] = "Renamed Veil"
    newer = Catalog.from_json(data)
    ui.ctx.catalog = newer
    ui.show(View(screen=Screen.BROWSE, family_id=None, notice=Notice.NONE))
    screen = browse(ui)
    assert len(screen.cards) == 30
    assert screen.cards[newer.products[0].id].name.text() == "Renamed Veil"
    assert len(shown_cards(screen)) == 30


def test_arabic_mirrors_tiles_and_aligns_names_to_the_right(ui: ShopUi) -> None:
    screen = browse(ui)
    for lang, rtl in (("en", False), ("ar", True)):
        ui.set(lang=lang)
        ui.show(View(screen=Screen.BROWSE))
        all_tile, first_family = screen.tiles[0], screen.tiles[1]
        assert (all_tile.x() > first_family.x()) is rtl
        name = shown_cards(screen)[0].name
        start = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
        assert name.alignment() & start
        assert name.alignment() & Qt.AlignmentFlag.AlignAbsolute


def test_big_catalog_has_enough_perfumes() -> None:
    catalog = big_catalog()
    assert len(catalog.products) >= 24
    assert len({p.id for p in catalog.products}) == len(catalog.products)
    assert {p.family_id for p in catalog.products} == {f.id for f in catalog.families}


def test_view_changes_keep_the_family_and_scroll_on_filter(ui: ShopUi) -> None:
    screen = browse(ui)
    ui.show(View(screen=Screen.BROWSE))
    bar = screen.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert bar.value() > 0
    ui.show(replace(ui.vm.view, cards_offline=True))
    assert bar.value() > 0, "a banner does not scroll the grid back"
    ui.show(View(screen=Screen.BROWSE, family_id=ui.catalog.families[0].id))
    assert bar.value() == 0, "a new filter starts at the top"


def test_cards_are_prebuilt_after_start_up_before_the_first_touch(ui: ShopUi, qtbot: QtBot) -> None:
    screen = browse(ui)
    assert screen.cards == {}, "nothing rendered yet"
    qtbot.waitUntil(lambda: len(screen.cards) == len(ui.catalog.products), timeout=10_000)
    built = dict(screen.cards)
    ui.show(View(screen=Screen.BROWSE))
    assert screen.cards == built, "the first touch reuses them"


def test_names_follow_the_direction_back_and_forth_and_prices_a_sold_out_change(
    ui: ShopUi,
) -> None:
    """What browse skips when nothing changed (re-aligning labels, re-setting card texts) is
    still done whenever the reading direction or a card's state does change."""
    screen = browse(ui)
    product = ui.catalog.products[0]
    for lang, rtl in (("en", False), ("ar", True), ("en", False), ("ar", True)):
        ui.set(lang=lang)
        ui.show(View(screen=Screen.BROWSE))
        ui.show(View(screen=Screen.BROWSE))  # again, unchanged
        start = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
        assert screen.cards[product.id].name.alignment() & start
    ui.set(lang="en")
    every = frozenset(o.sku for o in product.offers)
    for sold_out in (every, frozenset(), every):
        ui.show(View(screen=Screen.BROWSE, sold_out=sold_out))
        card = screen.cards[product.id]
        assert card.sold_out is bool(sold_out) and card.isEnabled() is not sold_out
