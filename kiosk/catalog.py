"""The versioned product catalog: perfumes, their spray and bottle offers, taxes, promotions
and loyalty keys, loaded from JSON data (schema in ``docs/pricing.md``).

Offers :class:`Catalog` (``load``/``loads``/``from_json``, lookups by product id and SKU,
``apply_update`` for versioned pushes) and its frozen parts. Validation is strict: the first
bad field raises one :class:`CatalogError` naming its JSON path (``$.products[2].spray.doses``);
the reading itself (:class:`FieldReader`, :func:`decode_json`, also used by the pricing,
promotions, loyalty and finder parsers) is in ``kiosk.catalog_fields`` and re-exported here.
Shopper text is English with optional translations (``kiosk.localized``):
``product.text("description", lang)``, ``catalog.family_name(id, lang)``,
``catalog.notes_in(product, lang)``, ``promotion.label_for(lang)``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.catalog_fields import ID_RE as ID_RE  # re-exported, like the three below
from kiosk.catalog_fields import CatalogError as CatalogError
from kiosk.catalog_fields import FieldReader as FieldReader
from kiosk.catalog_fields import decode_json as decode_json
from kiosk.localized import NO_TRANSLATIONS, Localized, parse_i18n, parse_note_glossary
from kiosk.money import CURRENCY_RE, Money
from sync.protocol import Unit

if TYPE_CHECKING:
    from kiosk.loyalty import LoyaltySettings
    from kiosk.pricing import TaxClass
    from kiosk.promotions import Promotion

SCHEMA = 1
_IMAGE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}\.(png|jpg|jpeg|webp|svg)")
_COLOUR_RE = re.compile(r"#[0-9A-Fa-f]{6}")
StockUnit = Unit  # the ledger's unit of a SKU: "ul" for spray channels, "unit" for bottles


class StaleCatalogError(CatalogError):
    """An update whose version is not strictly higher than the applied catalog's."""


class UnknownItemError(LookupError):
    """A product id or SKU the catalog does not hold."""


class OfferKind(enum.Enum):
    SPRAY = "spray"
    BOTTLE = "bottle"


@dataclass(frozen=True)
class ScentFamily:
    id: str
    name: str
    colour: str | None = None  # "#rrggbb" tile colour for the browse screen
    icon: str | None = None  # asset path of a one-colour line icon, like Product.image
    i18n: Localized = NO_TRANSLATIONS  # "name" in other languages

    def name_in(self, language: str) -> str:
        return self.i18n.get("name", language, self.name)


@dataclass(frozen=True)
class Notes:
    top: tuple[str, ...]
    heart: tuple[str, ...]
    base: tuple[str, ...]


@dataclass(frozen=True)
class _OfferBase:
    sku: str
    product_id: str
    list_price: Money  # per unit of quantity
    tax_class_id: str


@dataclass(frozen=True)
class SprayOffer(_OfferBase):
    """A paid spray: ``doses`` sprays from tester ``channel``; stock moves in microlitres."""

    channel: int
    doses: int
    kind: OfferKind = field(default=OfferKind.SPRAY, init=False)
    unit: StockUnit = field(default=StockUnit.MICROLITRE, init=False)

    def stock_quantity(self, dose_ul: int) -> int:
        """Microlitres one purchase uses, given the channel's calibrated dose in µl."""
        return self.doses * dose_ul


@dataclass(frozen=True)
class BottleOffer(_OfferBase):
    """A bottle of ``size_ml`` from ``slot``; stock moves in units."""

    slot: int
    size_ml: int
    kind: OfferKind = field(default=OfferKind.BOTTLE, init=False)
    unit: StockUnit = field(default=StockUnit.UNIT, init=False)


Offer = SprayOffer | BottleOffer


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    house: str
    family_id: str
    notes: Notes
    intensity: int  # 1 (skin scent) .. 5 (loud)
    description: str
    image: str  # asset path relative to the application root
    spray: SprayOffer | None
    bottles: tuple[BottleOffer, ...]
    i18n: Localized = NO_TRANSLATIONS  # "description" in other languages (names are brands)

    @property
    def offers(self) -> tuple[Offer, ...]:
        return ((self.spray,) if self.spray else ()) + self.bottles

    def text(self, field_name: Literal["description"], language: str) -> str:
        """A translatable field in ``language`` (``"fr"``), falling back to English."""
        return self.i18n.get(field_name, language, getattr(self, field_name))


@dataclass(frozen=True)
class Catalog:
    version: int
    currency: str
    timezone: str  # IANA name; promotion windows are in this zone
    tax_classes: tuple[TaxClass, ...]
    families: tuple[ScentFamily, ...]
    products: tuple[Product, ...]
    promotions: tuple[Promotion, ...]
    loyalty: LoyaltySettings
    note_names: Localized = NO_TRANSLATIONS  # note (English) -> name, per language
    _by_product: Mapping[str, Product] = field(init=False, repr=False, compare=False)
    _by_sku: Mapping[str, Offer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_product", {p.id: p for p in self.products})
        offers = {o.sku: o for p in self.products for o in p.offers}
        object.__setattr__(self, "_by_sku", offers)

    @classmethod
    def from_json(cls, data: object) -> Catalog:
        """Validate decoded JSON data and build the catalog (raises :class:`CatalogError`)."""
        return _parse_catalog(FieldReader(data, "$"))

    @classmethod
    def loads(cls, text: str) -> Catalog:
        """Parse JSON text (duplicate keys and NaN/Infinity are errors) and validate it."""
        return cls.from_json(decode_json(text))

    @classmethod
    def load(cls, path: Path) -> Catalog:  # UTF-8 JSON file
        return cls.loads(path.read_text(encoding="utf-8"))

    @property
    def offers(self) -> tuple[Offer, ...]:
        return tuple(self._by_sku.values())

    def product(self, product_id: str) -> Product:
        try:
            return self._by_product[product_id]
        except KeyError:
            raise UnknownItemError(f"unknown product {product_id!r}") from None

    def offer(self, sku: str) -> Offer:
        try:
            return self._by_sku[sku]
        except KeyError:
            raise UnknownItemError(f"unknown SKU {sku!r}") from None

    def family(self, family_id: str) -> ScentFamily:
        found = next((f for f in self.families if f.id == family_id), None)
        if found is None:
            raise UnknownItemError(f"unknown scent family {family_id!r}")
        return found

    def promotion(self, promotion_id: str) -> Promotion:
        found = next((p for p in self.promotions if p.id == promotion_id), None)
        if found is None:
            raise UnknownItemError(f"unknown promotion {promotion_id!r}")
        return found

    def family_name(self, family_id: str, language: str) -> str:
        """The scent family's name in ``language``, falling back to English."""
        return self.family(family_id).name_in(language)

    def note_name(self, note: str, language: str) -> str:
        """A note (as the products write it, in English) in ``language``, else as written."""
        return self.note_names.get(note, language, note)

    def notes_in(self, product: Product, language: str) -> Notes:
        """``product.notes`` with each note named in ``language``."""
        return Notes(*(tuple(self.note_name(n, language) for n in layer) for layer in (
            product.notes.top, product.notes.heart, product.notes.base)))  # fmt: skip

    def tax_class(self, tax_class_id: str) -> TaxClass:
        found = next((t for t in self.tax_classes if t.id == tax_class_id), None)
        if found is None:
            raise UnknownItemError(f"unknown tax class {tax_class_id!r}")
        return found

    def apply_update(self, newer: Catalog) -> Catalog:
        """``newer`` if its version is higher, else :class:`StaleCatalogError` (no rollback)."""
        if newer.version <= self.version:
            raise StaleCatalogError(
                "$.version",
                f"update version {newer.version} is not newer than applied {self.version}",
            )
        return newer


def _parse_catalog(r: FieldReader) -> Catalog:
    # Sections parsed by the modules that give them meaning (they import this module).
    from kiosk.loyalty import parse_loyalty_settings
    from kiosk.pricing import parse_tax_class
    from kiosk.promotions import parse_promotion

    r.obj({"schema", "version", "currency", "timezone", "taxClasses", "families", "products",
           "loyalty"}, frozenset({"promotions", "i18n"}))  # fmt: skip
    if r.integer("schema", lo=0) != SCHEMA:
        r.fail(f"unsupported schema, expected {SCHEMA}", "schema")
    version = r.integer("version", lo=1)
    currency = r.text("currency", max_len=3, pattern=CURRENCY_RE)
    try:
        ZoneInfo(timezone := r.text("timezone", max_len=64))
    except (ZoneInfoNotFoundError, ValueError):
        r.fail(f"unknown IANA time zone {timezone!r}", "timezone")
    taxes = tuple(parse_tax_class(t) for t in r.items("taxClasses", min_len=1))
    families = tuple(_parse_family(f) for f in r.items("families", min_len=1))
    products = tuple(_parse_product(p, currency) for p in r.items("products", min_len=1))
    offers = {o.sku: o for p in products for o in p.offers}
    promos = tuple(
        parse_promotion(p, currency=currency, offers=offers)
        for p in r.items("promotions", default=[])
    )
    return Catalog(
        version=version,
        currency=currency,
        timezone=timezone,
        tax_classes=taxes,
        families=families,
        products=products,
        promotions=promos,
        loyalty=parse_loyalty_settings(r.child("loyalty")),
        note_names=parse_note_glossary(r, {n for p in products for n in _all_notes(p)}),
    )


def _all_notes(product: Product) -> tuple[str, ...]:
    return product.notes.top + product.notes.heart + product.notes.base


def _asset_path(r: FieldReader, key: str) -> str:
    path = r.text(key, max_len=200, pattern=_IMAGE_RE)
    if ".." in path.split("/"):
        r.fail("must not contain '..'", key)
    return path


def _parse_family(r: FieldReader) -> ScentFamily:
    r.obj({"id", "name"}, frozenset({"colour", "icon", "i18n"}))
    r.claim("id", "scent family", family_id := r.ident("id"))
    colour = r.text("colour", max_len=7, pattern=_COLOUR_RE) if r.has("colour") else None
    icon = _asset_path(r, "icon") if r.has("icon") else None
    name, i18n = r.text("name"), parse_i18n(r, {"name": 80})
    return ScentFamily(family_id, name, colour, icon, i18n)


def _parse_product(r: FieldReader, currency: str) -> Product:
    r.obj({"id", "name", "house", "family", "notes", "intensity", "description", "image"},
          frozenset({"spray", "bottles", "i18n"}))  # fmt: skip
    r.claim("id", "product", product_id := r.ident("id"))
    r.require("family", "scent family", family := r.ident("family"))
    image = _asset_path(r, "image")
    notes = r.child("notes").obj({"top", "heart", "base"})
    spray = _parse_spray(r.child("spray"), product_id, currency) if r.has("spray") else None
    bottles = tuple(_parse_bottle(b, product_id, currency) for b in r.items("bottles", default=[]))
    if spray is None and not bottles:
        r.fail("a product needs a spray or at least one bottle offer")
    return Product(
        id=product_id,
        name=r.text("name"),
        house=r.text("house"),
        family_id=family,
        notes=Notes(*(notes.texts(k) for k in ("top", "heart", "base"))),
        intensity=r.integer("intensity", lo=1, hi=5),
        description=r.text("description", max_len=1000, min_len=0),
        image=image,
        spray=spray,
        bottles=bottles,
        i18n=parse_i18n(r, {"description": 1000}),
    )


def _offer_common(r: FieldReader, currency: str) -> tuple[str, Money, str]:
    r.claim("sku", "SKU", sku := r.ident("sku"))
    r.require("taxClass", "tax class", tax := r.ident("taxClass"))
    return sku, Money(r.integer("priceMinor", lo=0), currency), tax


def _parse_spray(r: FieldReader, product_id: str, currency: str) -> SprayOffer:
    r.obj({"sku", "channel", "doses", "priceMinor", "taxClass"})
    sku, price, tax = _offer_common(r, currency)
    r.claim("channel", "spray channel", channel := r.integer("channel", lo=1, hi=255))
    return SprayOffer(sku, product_id, price, tax, channel, r.integer("doses", lo=1, hi=20))


def _parse_bottle(r: FieldReader, product_id: str, currency: str) -> BottleOffer:
    r.obj({"sku", "slot", "sizeMl", "priceMinor", "taxClass"})
    sku, price, tax = _offer_common(r, currency)
    r.claim("slot", "bottle slot", slot := r.integer("slot", lo=1, hi=255))
    return BottleOffer(sku, product_id, price, tax, slot, r.integer("sizeMl", lo=1, hi=1000))
