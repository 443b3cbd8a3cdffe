"""Pricing: turns a cart into a :class:`Quote` with promotions and taxes applied.

Offers :func:`quote`, the cart (:class:`Cart`, :class:`CartLine`), the quote
(:class:`Quote`, :class:`QuoteLine`, ``Quote.to_json`` for the ledger and middleware), tax
classes (:class:`TaxClass`, :func:`apply_tax`, :func:`parse_tax_class` for the catalog's
``taxClasses`` section). All amounts are integer minor units; every division rounds half up
(``kiosk.money.div_round_half_up``), once per line, and totals are sums of lines:

- a line's list total is ``unit price x quantity``; its discounts come from
  ``kiosk.promotions`` and never exceed the list total;
- the discounted amount is the taxable base. Inclusive tax: ``tax = base x r / (1 + r)``,
  the shopper pays ``base``. Exclusive tax: ``tax = base x r``, the shopper pays ``base + tax``;
- ``total = list - discounts + exclusive tax``, never negative.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.catalog import ID_RE, Catalog, FieldReader, OfferKind, UnknownItemError
from kiosk.loyalty import Member
from kiosk.money import Money, div_round_half_up
from kiosk.promotions import BP, LineDiscount, discount_lines

MAX_QUANTITY = 99


class PricingError(ValueError):
    """A cart or request that cannot be priced."""


class CartError(PricingError):
    """A malformed cart line (bad SKU text or quantity)."""


class TaxMode(enum.Enum):
    INCLUSIVE = "inclusive"  # list prices include the tax (EU VAT)
    EXCLUSIVE = "exclusive"  # tax is added on top (US sales tax)


@dataclass(frozen=True)
class TaxClass:
    id: str
    rate_bp: int  # basis points: 2000 = 20 %
    mode: TaxMode


@dataclass(frozen=True)
class TaxBreakdown:
    net: Money  # excluding tax
    tax: Money
    gross: Money  # what the shopper pays


def apply_tax(base: Money, tax_class: TaxClass) -> TaxBreakdown:
    """Tax on one line's discounted amount ``base``, rounded half up once."""
    amount, rate = base.amount_minor, tax_class.rate_bp
    if tax_class.mode is TaxMode.INCLUSIVE:
        tax = div_round_half_up(amount * rate, BP + rate)
        return TaxBreakdown(base - Money(tax, base.currency), Money(tax, base.currency), base)
    tax = div_round_half_up(amount * rate, BP)
    return TaxBreakdown(base, Money(tax, base.currency), base + Money(tax, base.currency))


def parse_tax_class(r: FieldReader) -> TaxClass:
    """Validate one entry of the catalog's ``taxClasses`` array."""
    r.obj({"id", "rateBp", "mode"})
    r.claim("id", "tax class", tax_id := r.ident("id"))
    return TaxClass(tax_id, r.integer("rateBp", lo=0, hi=BP), r.choice("mode", TaxMode))


@dataclass(frozen=True)
class CartLine:
    sku: str
    quantity: int

    def __post_init__(self) -> None:
        if not isinstance(self.sku, str) or not ID_RE.fullmatch(self.sku):
            raise CartError("bad SKU: 1-64 of letters, digits, '_', '.', ':', '-'")
        if type(self.quantity) is not int or not 1 <= self.quantity <= MAX_QUANTITY:
            raise CartError(f"quantity must be an integer in 1..{MAX_QUANTITY}")


@dataclass(frozen=True)
class Cart:
    lines: tuple[CartLine, ...] = ()

    @classmethod
    def of(cls, lines: Iterable[tuple[str, int]]) -> Cart:
        """``Cart.of([("aurora:spray", 1), ("aurora:30ml", 1)])``."""
        return cls(tuple(CartLine(sku, qty) for sku, qty in lines))


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    product_id: str
    kind: OfferKind
    quantity: int
    unit_price: Money  # list price of one unit
    list_total: Money  # unit_price x quantity
    discounts: tuple[LineDiscount, ...]
    discount_total: Money
    tax_class_id: str
    tax_rate_bp: int
    tax_mode: TaxMode
    tax: Money
    net: Money  # revenue excluding tax
    total: Money  # realized price: what the shopper pays for this line

    def to_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "productId": self.product_id,
            "kind": self.kind.value,
            "quantity": self.quantity,
            "unitPriceMinor": self.unit_price.amount_minor,
            "listMinor": self.list_total.amount_minor,
            "discounts": [
                {
                    "promotionId": d.promotion_id,
                    "label": d.label,
                    "amountMinor": d.amount.amount_minor,
                }
                for d in self.discounts
            ],
            "discountMinor": self.discount_total.amount_minor,
            "taxClass": self.tax_class_id,
            "taxRateBp": self.tax_rate_bp,
            "taxMode": self.tax_mode.value,
            "taxMinor": self.tax.amount_minor,
            "netMinor": self.net.amount_minor,
            "totalMinor": self.total.amount_minor,
        }


@dataclass(frozen=True)
class Quote:
    currency: str
    catalog_version: int
    member_id: str | None
    priced_at: datetime  # UTC
    lines: tuple[QuoteLine, ...]
    list_total: Money
    discount_total: Money
    tax_total: Money  # all tax, included or added
    tax_added_total: Money  # the exclusive part, added on top of prices
    total: Money

    @property
    def total_minor(self) -> int:
        """What the shopper pays, in minor units (the purchase flow's view of a quote)."""
        return self.total.amount_minor

    @property
    def promotion_ids(self) -> tuple[str, ...]:
        """Every promotion that gave a discount, sorted."""
        return tuple(sorted({d.promotion_id for line in self.lines for d in line.discounts}))

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (ints and strings only) for the ledger and the middleware."""
        return {
            "currency": self.currency,
            "catalogVersion": self.catalog_version,
            "memberId": self.member_id,
            "pricedAt": self.priced_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "lines": [line.to_json() for line in self.lines],
            "promotionIds": list(self.promotion_ids),
            "totals": {
                "listMinor": self.list_total.amount_minor,
                "discountMinor": self.discount_total.amount_minor,
                "taxMinor": self.tax_total.amount_minor,
                "taxAddedMinor": self.tax_added_total.amount_minor,
                "totalMinor": self.total.amount_minor,
            },
        }


def quote(cart: Cart, catalog: Catalog, *, now: datetime, member: Member | None) -> Quote:
    """Price ``cart`` at instant ``now`` (timezone-aware) for ``member`` (a verified member,
    or None). Deterministic: the same arguments always give an equal quote.

    Raises :class:`PricingError` for a naive ``now`` or a SKU the catalog does not hold."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise PricingError("now must be timezone-aware")
    try:
        offers = [(catalog.offer(line.sku), line.quantity) for line in cart.lines]
    except UnknownItemError as exc:
        raise PricingError(str(exc)) from None
    local = now.astimezone(ZoneInfo(catalog.timezone))
    active = [p for p in catalog.promotions if p.is_active(local, has_member=member is not None)]
    currency = catalog.currency
    zero = Money.zero(currency)
    lines = []
    for (offer, qty), discounts in zip(
        offers, discount_lines(offers, active, currency), strict=True
    ):
        tax_class = catalog.tax_class(offer.tax_class_id)
        list_total = offer.list_price * qty
        discount_total = sum((d.amount for d in discounts), zero)
        taxed = apply_tax(list_total - discount_total, tax_class)
        lines.append(
            QuoteLine(
                sku=offer.sku,
                product_id=offer.product_id,
                kind=offer.kind,
                quantity=qty,
                unit_price=offer.list_price,
                list_total=list_total,
                discounts=discounts,
                discount_total=discount_total,
                tax_class_id=tax_class.id,
                tax_rate_bp=tax_class.rate_bp,
                tax_mode=tax_class.mode,
                tax=taxed.tax,
                net=taxed.net,
                total=taxed.gross,
            )
        )
    return Quote(
        currency=currency,
        catalog_version=catalog.version,
        member_id=member.member_id if member else None,
        priced_at=now.astimezone(UTC),
        lines=tuple(lines),
        list_total=sum((line.list_total for line in lines), zero),
        discount_total=sum((line.discount_total for line in lines), zero),
        tax_total=sum((line.tax for line in lines), zero),
        tax_added_total=sum(
            (line.tax for line in lines if line.tax_mode is TaxMode.EXCLUSIVE), zero
        ),
        total=sum((line.total for line in lines), zero),
    )
