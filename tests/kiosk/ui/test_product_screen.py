"""The product screen in the real window: every state in English, French and Arabic (pseudo-
translations at least as long as the real ones), portrait and landscape, large text and reach
mode, with no overflow, small text or small targets; picture above or beside the details; one
large button per offer with today's price (a member price and the happy hour shown struck
through with their label), sold-out offers marked and not tappable; back and offer taps reach
the view-model."""

from __future__ import annotations

from dataclasses import astuple, replace
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsOpacityEffect, QLabel
from pytestqt.qtbot import QtBot

from kiosk.catalog import BottleOffer, Catalog, Product, SprayOffer
from kiosk.journey import Notice, Screen, View
from kiosk.journey.gallery import GALLERY_TIME, MEMBER
from kiosk.money import Money, div_round_half_up
from kiosk.pricing import Cart, quote
from kiosk.promotions import BP, PromotionType
from kiosk.ui import messages, widgets_shop
from kiosk.ui.screens.product import ProductScreen
from kiosk.ui.widgets_cards import OfferButton
from tests.kiosk.ui.shop_support import SIZES, ShopUi

LANGUAGES = ["en", "fr", "ar"]
SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # outside every happy hour


def product_screen(ui: ShopUi) -> ProductScreen:
    screen = ui.screen(Screen.PRODUCT)
    assert isinstance(screen, ProductScreen)
    return screen


def priced(catalog: Catalog, product: Product, at: datetime, **changes: object) -> View:
    """The view the journey shows for ``product``, priced at ``at``."""
    member = changes.get("member")
    q = quote(Cart.of([(product.offers[0].sku, 1)]), catalog, now=at, member=member)  # type: ignore[arg-type]
    return replace(View(screen=Screen.PRODUCT, product=product, quote=q), **changes)  # type: ignore[arg-type]


def member_promotion(catalog: Catalog) -> tuple[Product, BottleOffer, Money, str]:
    promo = next(p for p in catalog.promotions if p.type is PromotionType.MEMBER_PRICE)
    sku = next(iter(promo.target.skus))
    offer = catalog.offer(sku)
    assert isinstance(offer, BottleOffer) and promo.member_price is not None
    return catalog.product(offer.product_id), offer, promo.member_price, promo.label


def spray_product(catalog: Catalog) -> Product:
    return next(p for p in catalog.products if p.spray is not None and len(p.bottles) >= 2)


def states(catalog: Catalog) -> list[tuple[str, View]]:
    product = spray_product(catalog)
    member_product, *_ = member_promotion(catalog)
    assert product.spray is not None
    return [
        ("default", priced(catalog, product, SUNDAY_NOON)),
        ("happy-hour", priced(catalog, product, GALLERY_TIME)),
        (
            "sold-out",
            priced(
                catalog,
                product,
                GALLERY_TIME,
                sold_out=frozenset({product.spray.sku, product.bottles[0].sku}),
                notice=Notice.SOLD_OUT,
            ),
        ),
        (
            "member+offline",
            priced(catalog, member_product, GALLERY_TIME, member=MEMBER, cards_offline=True),
        ),
        ("unpriced", View(screen=Screen.PRODUCT, product=catalog.products[-1])),
    ]


@pytest.mark.parametrize("orientation", list(SIZES))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_state_fits_in_each_language_and_orientation(
    ui: ShopUi, lang: str, orientation: str
) -> None:
    ui.set(lang=lang, orientation=orientation)
    problems = []
    for name, view in states(ui.catalog):
        ui.show(view)
        assert ui.window.stack.currentWidget() is product_screen(ui)
        problems += ui.problems(name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("orientation", list(SIZES))
def test_large_text_in_french_still_fits(ui: ShopUi, orientation: str) -> None:
    ui.set(lang="fr", orientation=orientation, large=True)
    problems = []
    for name, view in states(ui.catalog):
        ui.show(view)
        problems += ui.problems(name)
    assert not problems, "\n".join(problems)


def test_reach_mode_fits_with_every_control_in_the_lower_half(ui: ShopUi) -> None:
    ui.set(lang="ar")
    ui.ctx.settings.toggle_reach()
    problems = []
    for name, view in states(ui.catalog):
        ui.show(view)
        problems += ui.problems(name) + ui.controls_above_half(name)
    assert not problems, "\n".join(problems)


def test_every_text_is_translated_or_catalog_data(ui: ShopUi) -> None:
    ui.set(lang="fr")
    product = spray_product(ui.catalog)
    ui.show(priced(ui.catalog, product, GALLERY_TIME))
    screen = product_screen(ui)
    # catalog data, in French when the catalog has it (kiosk.localized)
    data = {product.name, product.house, product.text("description", "fr")}
    data.add(ui.catalog.family_name(product.family_id, "fr"))
    notes_fr = ui.catalog.notes_in(product, "fr")
    data |= {", ".join(n[:1].upper() + n[1:] for n in notes) for notes in astuple(notes_fr)}
    data |= {p.label_for("fr") for p in ui.catalog.promotions}
    untranslated = [
        lab.text()
        for lab in screen.findChildren(QLabel)
        if lab.isVisibleTo(screen)
        and lab.text()
        and "ŵ" not in lab.text()
        and lab.text() not in data
        and not any(ch.isdigit() for ch in lab.text())
    ]
    assert not untranslated
    assert "ŵ" in screen.back_button.text()


def test_picture_on_top_in_portrait_and_beside_in_landscape(ui: ShopUi) -> None:
    screen = product_screen(ui)
    view = priced(ui.catalog, spray_product(ui.catalog), SUNDAY_NOON)
    ui.set(orientation="portrait")
    ui.show(view)
    assert screen.hero.geometry().bottom() < screen.scroll_area.geometry().top()
    assert screen.hero.height() >= 300
    for lang, rtl in (("en", False), ("ar", True)):
        ui.set(lang=lang, orientation="landscape")
        ui.show(view)
        hero, details = screen.hero.geometry(), screen.scroll_area.geometry()
        if rtl:
            assert hero.left() > details.right()
        else:
            assert hero.right() < details.left()
        assert hero.height() > 600


def test_one_button_per_offer_with_its_words_and_list_price(ui: ShopUi, qtbot: QtBot) -> None:
    product = spray_product(ui.catalog)
    ui.show(priced(ui.catalog, product, SUNDAY_NOON))
    screen = product_screen(ui)
    assert list(screen.offers) == [o.sku for o in product.offers]
    assert len(screen.findChildren(OfferButton)) == len(product.offers)
    for offer in product.offers:
        b = screen.offers[offer.sku]
        assert b.isEnabled() and b.height() >= 80
        assert b.price.text() == ui.ctx.languages.money(offer.list_price)
        assert not b.was.isVisibleTo(b) and not b.badge.isVisibleTo(b)
        if isinstance(offer, SprayOffer):
            assert b.title.text() == "Spray"
            assert str(offer.doses) in b.detail.text()
        else:
            assert b.title.text() == f"{offer.size_ml} ml bottle"
    for offer in product.offers:
        qtbot.mouseClick(screen.offers[offer.sku], Qt.MouseButton.LeftButton)
    assert ui.vm.calls == [("choose_offer", o.sku) for o in product.offers]


def test_member_price_is_shown_struck_through_with_its_label(ui: ShopUi) -> None:
    product, offer, member_price, label = member_promotion(ui.catalog)
    screen = product_screen(ui)
    ui.show(priced(ui.catalog, product, SUNDAY_NOON, member=MEMBER))
    b = screen.offers[offer.sku]
    assert b.price.text() == ui.ctx.languages.money(member_price)
    assert b.was.isVisibleTo(b) and b.was.text() == ui.ctx.languages.money(offer.list_price)
    assert b.was.font().strikeOut()
    assert b.badge.isVisibleTo(b) and b.badge.text() == label
    ui.show(priced(ui.catalog, product, SUNDAY_NOON))  # no member, no member price
    assert b.price.text() == ui.ctx.languages.money(offer.list_price)
    assert not b.badge.isVisibleTo(b)


def test_happy_hour_discounts_sprays_only_during_its_window(ui: ShopUi) -> None:
    happy = next(
        p
        for p in ui.catalog.promotions
        if p.type is PromotionType.PERCENT_OFF and p.windows and not p.members_only
    )
    assert happy.percent_bp is not None
    product = spray_product(ui.catalog)
    assert product.spray is not None
    screen = product_screen(ui)
    ui.show(priced(ui.catalog, product, GALLERY_TIME))
    spray = screen.offers[product.spray.sku]
    list_minor = product.spray.list_price.amount_minor
    off = div_round_half_up(list_minor * happy.percent_bp, BP)
    expected = Money(list_minor - off, ui.catalog.currency)
    assert spray.price.text() == ui.ctx.languages.money(expected)
    assert spray.badge.text() == happy.label
    bottle = screen.offers[product.bottles[0].sku]
    assert not bottle.badge.isVisibleTo(bottle), "the happy hour is for sprays"
    ui.show(priced(ui.catalog, product, SUNDAY_NOON))
    assert spray.price.text() == ui.ctx.languages.money(product.spray.list_price)
    assert not spray.badge.isVisibleTo(spray)


def test_sold_out_offers_are_marked_disabled_and_the_notice_shows(ui: ShopUi, qtbot: QtBot) -> None:
    product = spray_product(ui.catalog)
    assert product.spray is not None
    gone = {product.spray.sku, product.bottles[0].sku}
    screen = product_screen(ui)
    ui.show(
        priced(ui.catalog, product, SUNDAY_NOON, sold_out=frozenset(gone), notice=Notice.SOLD_OUT)
    )
    for sku, b in screen.offers.items():
        sold = sku in gone
        assert b.isEnabled() is not sold
        assert b.sold.isVisibleTo(b) is sold
        assert b.price.isVisibleTo(b) is not sold
        if sold:
            assert b.sold.text() == "Sold out"
            assert "Sold out" in b.accessibleName()
        qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
    assert ui.vm.calls == [("choose_offer", s) for s in screen.offers if s not in gone]
    assert screen.notice.isVisibleTo(screen)
    assert screen.notice.text() == messages.notice_text(Notice.SOLD_OUT)
    ui.show(priced(ui.catalog, product, SUNDAY_NOON))
    assert not screen.banner.isVisibleTo(screen)


def test_details_show_the_product_data(ui: ShopUi) -> None:
    product = spray_product(ui.catalog)
    ui.show(priced(ui.catalog, product, SUNDAY_NOON))
    screen = product_screen(ui)
    assert screen.name.text() == product.name
    assert screen.house.text() == product.house
    assert screen.description.text() == product.description
    assert screen.family.text() == ui.catalog.family_name(product.family_id, "en")
    for value, notes in zip(
        screen.note_values,
        (product.notes.top, product.notes.heart, product.notes.base),
        strict=True,
    ):
        assert value.text().lower() == ", ".join(notes).lower()
    assert screen.meter.level == product.intensity
    assert f"{product.intensity} of 5" in screen.meter.accessibleName()


def test_arabic_lists_the_notes_with_the_arabic_comma(ui: ShopUi) -> None:
    product = spray_product(ui.catalog)
    ui.set(lang="ar")
    ui.show(priced(ui.catalog, product, SUNDAY_NOON))
    local = ui.catalog.notes_in(product, "ar")
    top = product_screen(ui).note_values[0].text()
    assert len(local.top) >= 2, "a product with one top note proves nothing"
    assert top == "، ".join(local.top) and "," not in top


def test_back_calls_the_view_model(ui: ShopUi, qtbot: QtBot) -> None:
    ui.show(priced(ui.catalog, spray_product(ui.catalog), SUNDAY_NOON))
    qtbot.mouseClick(product_screen(ui).back_button, Qt.MouseButton.LeftButton)
    assert ui.vm.calls == [("back", None)]


def test_another_product_replaces_the_offer_buttons(ui: ShopUi, qtbot: QtBot) -> None:
    screen = product_screen(ui)
    for product in ui.catalog.products[:6]:
        ui.show(priced(ui.catalog, product, SUNDAY_NOON))
        qtbot.waitUntil(
            lambda p=product: len(screen.findChildren(OfferButton)) == len(p.offers)  # type: ignore[misc]
        )
        assert list(screen.offers) == [o.sku for o in product.offers]
        assert screen.name.text() == product.name


def test_a_new_product_fades_in_and_leaves_no_effect_behind(
    ui: ShopUi, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = product_screen(ui)
    first, second = ui.catalog.products[:2]
    ui.show(priced(ui.catalog, first, SUNDAY_NOON))
    assert screen.details.graphicsEffect() is None, "no fades offscreen (screenshots)"
    monkeypatch.setattr(widgets_shop, "ANIMATE", True)
    ui.show(priced(ui.catalog, second, SUNDAY_NOON))
    effect = screen.details.graphicsEffect()
    assert isinstance(effect, QGraphicsOpacityEffect) and effect.opacity() < 1.0
    qtbot.waitUntil(lambda: screen.details.graphicsEffect() is None)
