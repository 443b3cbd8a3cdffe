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
- ``total = list - discounts + exclusive tax``, never negative;
- a loyalty-points redemption (``quote(..., redeem_points=n)``) is a retailer-funded discount
  (id ``loyalty-redemption``) taken after the promotions and *before* tax, so it reduces the
  taxable amount; it is spread over the lines in proportion to what is left of each (largest
  remainder, cart order on ties) and never exceeds ``maxRedeemShareBp`` of the cart.
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
from kiosk.promotions import BP, LOYALTY_REDEMPTION_ID, LineDiscount, discount_lines

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
    points_redeemed: int = 0  # loyalty points this quote spends (its redemption discounts)
    point_value_minor: int = 0  # what one point was worth when priced

    @property
    def total_minor(self) -> int:
        """What the shopper pays, in minor units (the purchase flow's view of a quote)."""
        return self.total.amount_minor

    @property
    def redemption_total(self) -> Money:
        """The value of the redeemed points (part of ``discount_total``)."""
        return sum(
            (
                d.amount
                for line in self.lines
                for d in line.discounts
                if d.promotion_id == LOYALTY_REDEMPTION_ID
            ),
            Money.zero(self.currency),
        )

    @property
    def promotion_ids(self) -> tuple[str, ...]:
        """Every promotion that gave a discount, sorted (a points redemption is not one)."""
        ids = {d.promotion_id for line in self.lines for d in line.discounts}
        return tuple(sorted(ids - {LOYALTY_REDEMPTION_ID}))

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (ints and strings only) for the ledger and the middleware; a quote
        that spends points also has ``redemption`` (points, their value, the point value)."""
        doc = {
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
        if self.points_redeemed:
            doc["redemption"] = {
                "points": self.points_redeemed,
                "amountMinor": self.redemption_total.amount_minor,
                "pointValueMinor": self.point_value_minor,
            }
        return doc


def max_redeemable_points(bases: Iterable[Money], catalog: Catalog) -> int:
    """The most points a cart whose lines have these after-promotion amounts can spend: enough
    to reach ``maxRedeemShareBp`` of it (the last point may be worth less than its value)."""
    settings = catalog.loyalty
    if not settings.redemption_enabled:
        return 0
    cap = _redemption_cap(sum(b.amount_minor for b in bases), settings.max_redeem_share_bp)
    return -(-cap // settings.point_value_minor)


def _redemption_cap(base_minor: int, share_bp: int) -> int:
    return base_minor * share_bp // BP  # floored: never more than the share


def _spread(amount: int, bases: list[int]) -> list[int]:
    """``amount`` (≤ sum of ``bases``) in proportion to ``bases``: floors, then one minor unit
    each to the largest remainders (cart order on ties). Each part ≤ its base."""
    total = sum(bases)
    if amount <= 0 or total <= 0:
        return [0] * len(bases)
    parts = [amount * b // total for b in bases]
    order = sorted(range(len(bases)), key=lambda i: (-(amount * bases[i] % total), i))
    for i in order[: amount - sum(parts)]:
        parts[i] += 1
    return parts


def quote(
    cart: Cart,
    catalog: Catalog,
    *,
    now: datetime,
    member: Member | None,
    redeem_points: int = 0,
) -> Quote:
    """Price ``cart`` at instant ``now`` (timezone-aware) for ``member`` (a verified member,
    or None), spending up to ``redeem_points`` of the member's loyalty points (fewer when the
    cart cannot use them all: ``Quote.points_redeemed`` says how many). Deterministic: the
    same arguments always give an equal quote.

    Raises :class:`PricingError` for a naive ``now``, a SKU the catalog does not hold, or
    points to redeem without a member or with a catalog that has no point value."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise PricingError("now must be timezone-aware")
    if type(redeem_points) is not int or redeem_points < 0:
        raise PricingError("redeem_points must be an integer >= 0")
    if redeem_points and member is None:
        raise PricingError("redeeming points needs a verified member")
    if redeem_points and not catalog.loyalty.redemption_enabled:
        raise PricingError("this catalog does not allow redeeming points")
    try:
        offers = [(catalog.offer(line.sku), line.quantity) for line in cart.lines]
    except UnknownItemError as exc:
        raise PricingError(str(exc)) from None
    local = now.astimezone(ZoneInfo(catalog.timezone))
    active = [p for p in catalog.promotions if p.is_active(local, has_member=member is not None)]
    currency = catalog.currency
    zero = Money.zero(currency)
    promoted = discount_lines(offers, active, currency)
    bases = [
        offer.list_price * qty - sum((d.amount for d in discounts), zero)
        for (offer, qty), discounts in zip(offers, promoted, strict=True)
    ]
    points = min(redeem_points, max_redeemable_points(bases, catalog))
    value = catalog.loyalty.point_value_minor
    redeemed = min(
        points * value,
        _redemption_cap(sum(b.amount_minor for b in bases), catalog.loyalty.max_redeem_share_bp),
    )
    shares = _spread(redeemed, [b.amount_minor for b in bases])
    lines = []
    for (offer, qty), promos, share in zip(offers, promoted, shares, strict=True):
        discounts = promos
        if share:
            label = "Loyalty points"
            discounts = (
                *promos,
                LineDiscount(LOYALTY_REDEMPTION_ID, label, Money(share, currency)),
            )
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
        points_redeemed=points,
        point_value_minor=value if points else 0,
    )
