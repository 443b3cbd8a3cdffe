"""Catalog: the demo data (24 perfumes on the demo machine's board), strict validation (each bad
field names its path), lookups and the versioned-update rule."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path
from typing import Any

import pytest

from hardware.common.state import DeviceState
from hardware.config import HardwareConfig, open_configured_dispenser
from kiosk.catalog import (
    BottleOffer,
    Catalog,
    CatalogError,
    OfferKind,
    SprayOffer,
    StaleCatalogError,
    StockUnit,
    UnknownItemError,
    decode_json,
)
from kiosk.money import Money
from kiosk.pricing import TaxMode
from kiosk.promotions import PromotionType, Stacking, Weekday
from kiosk.purchase.items import dispensables
from kiosk.purchase.model import DispenseKind
from tests.support.waiting import until

DEMO = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "demo.json"
Data = dict[str, Any]


def demo_data() -> Data:
    data: Data = json.loads(DEMO.read_text(encoding="utf-8"))
    return data


def test_demo_catalog_loads() -> None:
    cat = Catalog.load(DEMO)
    assert cat.version >= 1 and cat.currency == "EUR" and cat.timezone == "Europe/Paris"
    assert {f.id for f in cat.families} == {
        "floral", "woody", "fresh", "amber", "citrus", "gourmand",
    }  # fmt: skip
    assert len(cat.products) == 24
    per_family = Counter(p.family_id for p in cat.products)
    assert min(per_family.values()) >= 3 and set(per_family) == {f.id for f in cat.families}
    for product in cat.products:
        sizes = [b.size_ml for b in product.bottles]
        assert sizes == sorted(set(sizes)) and len(sizes) <= 3
        assert 1 <= product.intensity <= 5 and product.description and product.house
        assert product.notes.top and product.notes.heart and product.notes.base
        assert product.image == f"assets/catalog/images/{product.id}.svg"
    assert sum(p.spray is not None for p in cat.products) == 16
    assert sum(len(p.bottles) >= 1 for p in cat.products) == 24
    for family in cat.families:
        assert family.colour is not None
        assert family.icon == f"assets/catalog/families/{family.id}.svg"
    kinds = {p.type for p in cat.promotions}
    assert kinds == {PromotionType.PERCENT_OFF, PromotionType.BUNDLE, PromotionType.MEMBER_PRICE}
    happy = next(p for p in cat.promotions if p.type is PromotionType.PERCENT_OFF)
    assert happy.windows and happy.windows[0].days >= {Weekday.MON, Weekday.FRI}
    assert happy.stacking is Stacking.EXCLUSIVE
    assert len(cat.loyalty.keys) == 1 and len(cat.loyalty.keys[0].public_key) == 32
    assert cat.tax_class("vat20").mode is TaxMode.INCLUSIVE


def test_demo_prices_are_plausible() -> None:
    """Sprays cost a few euros; a bottle costs more per ml the smaller it is, never > 200 EUR."""
    cat = Catalog.load(DEMO)
    for product in cat.products:
        if product.spray is not None:
            assert 150 <= product.spray.list_price.amount_minor <= 500
        per_ml = [b.list_price.amount_minor / b.size_ml for b in product.bottles]
        assert per_ml == sorted(per_ml, reverse=True)
        assert all(1500 <= b.list_price.amount_minor <= 20000 for b in product.bottles)


def _family_contrast(colour: str) -> float:
    """WCAG contrast ratio of white text on ``colour``."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_demo_family_colours_carry_white_text() -> None:
    cat = Catalog.load(DEMO)
    colours = [f.colour for f in cat.families]
    assert len(set(colours)) == len(colours)
    for family in cat.families:
        assert family.colour is not None
        assert _family_contrast(family.colour) >= 4.5, family.id  # WCAG AA, normal text
    assert _family_contrast("#ffffff") == pytest.approx(1.0)  # the check can fail
    assert _family_contrast("#000000") == pytest.approx(21.0)


async def test_demo_catalog_fits_the_demo_board() -> None:
    """The demo machine's dispenser has every channel and slot the demo catalog names, and
    reports them all (its STATUS reply must fit one frame)."""
    cat = Catalog.load(DEMO)
    items = dispensables(cat)
    dispenser_config = HardwareConfig.demo().dispenser
    assert dispenser_config is not None
    board = await open_configured_dispenser(dispenser_config)
    try:
        await until(lambda: board.state is DeviceState.READY)
        status = await board.read_status()
    finally:
        await board.close()
    sprays = {i.target for i in items.values() if i.kind is DispenseKind.SPRAY}
    bottles = {i.target for i in items.values() if i.kind is DispenseKind.BOTTLE}
    assert sprays == set(status.channels) and bottles == set(status.slots)


def test_demo_has_no_private_key() -> None:
    text = DEMO.read_text(encoding="utf-8").lower()
    assert "private" not in text and "seed" not in text


def test_lookups() -> None:
    cat = Catalog.load(DEMO)
    product = cat.product("ember-silk")
    spray = cat.offer("ember-silk:spray")
    assert isinstance(spray, SprayOffer) and spray is product.spray
    assert spray.kind is OfferKind.SPRAY and spray.unit is StockUnit.MICROLITRE
    assert spray.unit.value == "ul" and spray.stock_quantity(dose_ul=70) == spray.doses * 70
    bottle = cat.offer("ember-silk:30ml")
    assert isinstance(bottle, BottleOffer)
    assert bottle.unit.value == "unit" and bottle.size_ml == 30
    assert bottle.list_price == Money(5200, "EUR")
    assert product.offers == (spray, *product.bottles)
    assert len(cat.offers) == 16 + 30  # sprays on 16 channels, bottles in 30 slots
    assert cat.family("amber").name == "Amber" and product.family_id == "amber"
    with pytest.raises(UnknownItemError):
        cat.product("nope")
    with pytest.raises(UnknownItemError):
        cat.offer("ember-silk:100ml")
    with pytest.raises(UnknownItemError):
        cat.tax_class("vat99")
    with pytest.raises(UnknownItemError):
        cat.family("aquatic")
    assert cat.promotion("happy-hour").type is PromotionType.PERCENT_OFF
    with pytest.raises(UnknownItemError):
        cat.promotion("black-friday")
    with pytest.raises(UnknownItemError):
        cat.family_name("aquatic", "fr")


def test_version_update_rules() -> None:
    v1 = Catalog.load(DEMO)
    data = demo_data()
    data["version"] = v1.version + 1
    v2 = Catalog.from_json(data)
    assert v1.apply_update(v2) is v2
    with pytest.raises(StaleCatalogError) as info:
        v2.apply_update(v1)  # older
    assert info.value.path == "$.version"
    with pytest.raises(StaleCatalogError):
        v1.apply_update(Catalog.load(DEMO))  # equal version: a replayed push
    with pytest.raises(StaleCatalogError):
        v2.apply_update(v2)


def _set(path: str, value: object) -> Callable[[Data], None]:
    """A mutation setting ``path`` (dots and [i]) to ``value``; ``...`` deletes it."""

    def mutate(data: Data) -> None:
        node: Any = data
        parts = path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        key: Any = int(last) if last.isdigit() else last
        if value is ...:
            del node[key]
        else:
            node[key] = value

    return mutate


def _dup_sku(data: Data) -> None:
    data["products"][3]["bottles"][1]["sku"] = data["products"][0]["spray"]["sku"]


def _no_offers(data: Data) -> None:
    del data["products"][0]["spray"]
    del data["products"][0]["bottles"]


def _dup_promo(data: Data) -> None:
    data["promotions"][1]["id"] = data["promotions"][0]["id"]


BAD: list[tuple[str, Callable[[Data], None], str]] = [
    ("$.schema", _set("schema", 2), "unsupported schema"),
    ("$.version", _set("version", 0), "integer"),
    ("$.version", _set("version", "2"), "integer"),
    ("$.version", _set("version", True), "integer"),
    ("$.currency", _set("currency", "eur"), "bad format"),
    ("$.timezone", _set("timezone", "Mars/Olympus_Mons"), "time zone"),
    ("$.timezone", _set("timezone", "../etc/passwd"), "time zone"),
    ("$.extra", _set("extra", 1), "unknown field"),
    ("$.products", _set("products", ...), "missing"),
    ("$.products", _set("products", []), "at least 1"),
    ("$.taxClasses[0].rateBp", _set("taxClasses[0].rateBp", 10001), "integer"),
    ("$.taxClasses[0].mode", _set("taxClasses[0].mode", "sometimes"), "one of"),
    ("$.families[1].id", _set("families[1].id", "floral"), "duplicate scent family"),
    ("$.families[0].name", _set("families[0].name", ""), "printable"),
    ("$.families[0].colour", _set("families[0].colour", "pink"), "bad format"),
    ("$.families[0].colour", _set("families[0].colour", "#12345"), "bad format"),
    ("$.families[0].colour", _set("families[0].colour", 0xFF00FF), "string"),
    ("$.families[0].icon", _set("families[0].icon", "assets/../x.svg"), "'..'"),
    ("$.families[0].icon", _set("families[0].icon", "/abs/x.svg"), "bad format"),
    ("$.families[0].icon", _set("families[0].icon", "icons/rose.gif"), "bad format"),
    ("$.families[0].glyph", _set("families[0].glyph", "x"), "unknown field"),
    ("$.products[0].family", _set("products[0].family", "aquatic"), "unknown scent family"),
    ("$.products[1].intensity", _set("products[1].intensity", 6), "integer"),
    ("$.products[1].intensity", _set("products[1].intensity", 2.0), "integer"),
    ("$.products[0].name", _set("products[0].name", "bad\x07name"), "printable"),
    ("$.products[0].id", _set("products[0].id", "has space"), "bad format"),
    ("$.products[1].id", _set("products[1].id", "aurora-veil"), "duplicate product"),
    ("$.products[0].notes.heart", _set("products[0].notes.heart", ["a", "a"]), "duplicate"),
    ("$.products[0].notes.top[0]", _set("products[0].notes.top", [1]), "string"),
    ("$.products[0].notes.base", _set("products[0].notes.base", ...), "missing"),
    ("$.products[0].image", _set("products[0].image", "assets/../../x.png"), "'..'"),
    ("$.products[0].image", _set("products[0].image", "/etc/x.png"), "bad format"),
    ("$.products[0].image", _set("products[0].image", "assets/x.exe"), "bad format"),
    ("$.products[2].spray.doses", _set("products[2].spray.doses", 0), "integer"),
    ("$.products[2].spray.sku", _set("products[2].spray.sku", "bad sku"), "bad format"),
    ("$.products[2].spray.sku", _set("products[2].spray.sku", "x" * 65), "printable"),
    ("$.products[2].spray.colour", _set("products[2].spray.colour", "red"), "unknown field"),
    ("$.products[2].spray.taxClass", _set("products[2].spray.taxClass", "vat5"), "unknown tax"),
    ("$.products[1].spray.channel", _set("products[1].spray.channel", 1), "duplicate spray"),
    ("$.products[3].bottles[1].priceMinor", _set("products[3].bottles[1].priceMinor", -1), "int"),
    ("$.products[3].bottles[1].priceMinor", _set("products[3].bottles[1].priceMinor", 9.5), "int"),
    ("$.products[3].bottles[1].sku", _dup_sku, "duplicate SKU"),
    ("$.products[1].bottles[0].slot", _set("products[1].bottles[0].slot", 1), "duplicate bottle"),
    ("$.products[1].bottles[0].sizeMl", _set("products[1].bottles[0].sizeMl", 0), "integer"),
    ("$.products[0]", _no_offers, "spray or at least one bottle"),
    ("$.promotions[0].type", _set("promotions[0].type", "bogo"), "one of"),
    ("$.promotions[0].percentBp", _set("promotions[0].percentBp", 0), "integer"),
    ("$.promotions[0].percentBp", _set("promotions[0].percentBp", 10001), "integer"),
    ("$.promotions[0].percentBp", _set("promotions[0].percentBp", ...), "missing"),
    ("$.promotions[0].stacking", _set("promotions[0].stacking", "always"), "one of"),
    ("$.promotions[0].windows[0].start", _set("promotions[0].windows[0].start", "25:00"), "form"),
    ("$.promotions[0].windows[0].end", _set("promotions[0].windows[0].end", "17:00"), "differ"),
    ("$.promotions[0].windows[0].days[1]", _set("promotions[0].windows[0].days[1]", "fun"), "mon"),
    ("$.promotions[0].windows[0].days", _set("promotions[0].windows[0].days", []), "one day"),
    ("$.promotions[0].appliesTo.kinds[0]", _set("promotions[0].appliesTo.kinds", ["candle"]), ""),
    ("$.promotions[1].trigger", _set("promotions[1].trigger", {}), "must name"),
    ("$.promotions[1].trigger", _set("promotions[1].trigger", ...), "missing"),
    ("$.promotions[1].amountOffMinor", _set("promotions[1].amountOffMinor", 5), "not used"),
    ("$.promotions[1].id", _dup_promo, "duplicate promotion"),
    ("$.promotions[2].membersOnly", _set("promotions[2].membersOnly", False), "members-only"),
    ("$.promotions[2].appliesTo", _set("promotions[2].appliesTo", {"kinds": ["bottle"]}), "SKU"),
    ("$.promotions[2].appliesTo.skus[0]", _set("promotions[2].appliesTo.skus", ["no:sku"]), "unk"),
    ("$.promotions[2].appliesTo.products[0]", _set("promotions[2].appliesTo.products", ["x"]), ""),
    ("$.promotions[2].priceMinor", _set("promotions[2].priceMinor", -5), "integer"),
    ("$.loyalty.keys[0].ed25519", _set("loyalty.keys[0].ed25519", "c2hvcnQ="), "32-byte"),
    ("$.loyalty.keys[0].ed25519", _set("loyalty.keys[0].ed25519", "not base64!"), "32-byte"),
    ("$.loyalty.keys[0].id", _set("loyalty.keys[0].id", ""), "printable"),
    ("$.loyalty.pointsPerCurrencyUnit", _set("loyalty.pointsPerCurrencyUnit", -1), "integer"),
    ("$.loyalty", _set("loyalty", []), "object"),
    ("$.products[0].i18n.en", _set("products[0].i18n.en", {"description": "x"}), "base text"),
    ("$.products[0].i18n.FR", _set("products[0].i18n.FR", {"description": "x"}), "language"),
    ("$.products[0].i18n.fr-CA", _set("products[0].i18n.fr-CA", {"description": "x"}), "code"),
    ("$.products[0].i18n.fr.name", _set("products[0].i18n.fr.name", "Voile"), "unknown field"),
    ("$.products[0].i18n.fr.description", _set("products[0].i18n.fr.description", ""), "print"),
    ("$.products[0].i18n.ar.description", _set("products[0].i18n.ar.description", 5), "string"),
    ("$.products[0].i18n.fr", _set("products[0].i18n.fr", {}), "at least one of description"),
    ("$.products[0].i18n", _set("products[0].i18n", ["fr"]), "object of languages"),
    ("$.families[0].i18n.ar.name", _set("families[0].i18n.ar.name", "x" * 81), "printable"),
    ("$.families[0].i18n.fr.colour", _set("families[0].i18n.fr.colour", "#fff"), "unknown"),
    ("$.promotions[0].i18n.fr.label", _set("promotions[0].i18n.fr.label", "a\x07"), "printable"),
    ("$.promotions[1].i18n.ar.title", _set("promotions[1].i18n.ar.title", "x"), "unknown field"),
    ("$.i18n.fr.notes.kryptonite", _set("i18n.fr.notes.kryptonite", "x"), "no product has"),
    ("$.i18n.fr.notes.pear", _set("i18n.fr.notes.pear", "x" * 41), "printable"),
    ("$.i18n.fr.notes", _set("i18n.fr.notes", {}), "note names"),
    ("$.i18n.fr.notes", _set("i18n.fr.notes", ["pear"]), "note names"),
    ("$.i18n.ar.descriptions", _set("i18n.ar.descriptions", {}), "unknown field"),
    ("$.i18n.fr", _set("i18n.fr", {}), "at least one of notes"),
    ("$.i18n.en", _set("i18n.en", {"notes": {"pear": "pear"}}), "base text"),
]


@pytest.mark.parametrize(("path", "mutate", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_bad_field_names_its_path(path: str, mutate: Callable[[Data], None], fragment: str) -> None:
    data = demo_data()
    mutate(data)
    with pytest.raises(CatalogError) as info:
        Catalog.from_json(data)
    assert info.value.path == path
    assert fragment in info.value.message
    assert str(info.value).startswith(path + ": ")
    Catalog.from_json(demo_data())  # and the untouched data still loads


def test_validation_does_not_modify_input() -> None:
    data = demo_data()
    before = copy.deepcopy(data)
    Catalog.from_json(data)
    assert data == before


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ("{", "not JSON"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_decode_json_rejects(text: str, fragment: str) -> None:
    with pytest.raises(CatalogError) as info:
        decode_json(text)
    assert info.value.path == "$" and fragment in info.value.message


@pytest.mark.parametrize("doc", [[], "catalog", 1, None])
def test_top_level_must_be_an_object(doc: object) -> None:
    with pytest.raises(CatalogError) as info:
        Catalog.from_json(doc)
    assert info.value.path == "$"


def test_optional_sections() -> None:
    data = demo_data()
    del data["promotions"]
    del data["i18n"]
    del data["families"][0]["i18n"]
    del data["products"][0]["i18n"]
    del data["products"][0]["bottles"]
    del data["products"][1]["spray"]
    del data["families"][0]["colour"]
    del data["families"][0]["icon"]
    cat = Catalog.from_json(data)
    assert cat.promotions == ()
    assert cat.families[0].colour is None and cat.families[0].icon is None
    assert cat.product("aurora-veil").bottles == ()
    assert cat.product("cedar-lantern").spray is None
    # without translations everything reads in English
    aurora = cat.product("aurora-veil")
    assert aurora.text("description", "fr") == aurora.description
    assert cat.family_name("floral", "ar") == "Floral"
    assert cat.notes_in(aurora, "fr") == aurora.notes
    assert cat.family_name("woody", "fr") == "Boisé"  # the others keep theirs


def test_equal_data_gives_equal_catalogs() -> None:
    assert Catalog.from_json(demo_data()) == Catalog.from_json(demo_data())


ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")


def test_demo_catalog_speaks_french_and_arabic() -> None:
    """Every family name, description, promotion label and note has French and Arabic text;
    brand names (perfume and house) are never translated."""
    cat = Catalog.load(DEMO)
    texts: list[tuple[str, str, str]] = []  # (english, french, arabic)
    texts += [(f.name, f.name_in("fr"), f.name_in("ar")) for f in cat.families]
    for p in cat.products:
        texts.append((p.description, p.text("description", "fr"), p.text("description", "ar")))
        assert p.i18n.languages == {"fr", "ar"} and not p.i18n.has("name", "fr")
    texts += [(p.label, p.label_for("fr"), p.label_for("ar")) for p in cat.promotions]
    notes = sorted({n for p in cat.products for layer in astuple(p.notes) for n in layer})
    assert len(notes) >= 60
    texts += [(n, cat.note_name(n, "fr"), cat.note_name(n, "ar")) for n in notes]
    assert len(texts) == 6 + 24 + 3 + len(notes)
    for english, french, arabic in texts:
        assert arabic != english and french, english
        assert ARABIC_LETTER.search(arabic) and not re.search("[A-Za-z]", arabic), arabic
        assert not ARABIC_LETTER.search(french) and "'" not in french, french  # typographic ’
    descriptions = [(p.description, p.text("description", "fr")) for p in cat.products]
    assert all(en != fr for en, fr in descriptions)
    assert (
        cat.family_name("citrus", "fr") == "Agrumes" and cat.family_name("citrus", "en") == "Citrus"
    )
    assert cat.promotion("member-ember-silk-30").label_for("ar") == "سعر الأعضاء"


def test_language_fallback() -> None:
    """A region or an unknown language: the bare language's text, else English."""
    cat = Catalog.load(DEMO)
    product = cat.product("honey-brioche")
    french = product.text("description", "fr")
    assert product.text("description", "fr-CA") == product.text("description", "fr_BE") == french
    assert product.text("description", "de") == product.description
    assert product.text("description", "en") == product.description
    assert cat.note_name("honey", "FR") == "miel" and cat.note_name("honey", "es") == "honey"
    assert cat.note_name("not a note", "fr") == "not a note"
    happy = cat.promotion("happy-hour")
    assert happy.label_for("ar") != happy.label and happy.label_for("it") == happy.label
    notes_ar = cat.notes_in(product, "ar")
    assert len(notes_ar.top) == len(product.notes.top) and notes_ar.top != product.notes.top
    assert hash(product) == hash(Catalog.load(DEMO).product("honey-brioche"))
