"""Paying with loyalty points in a quote: the catalog's point value and share cap, the
``loyalty-redemption`` discount taken before tax (inclusive and exclusive), its spread over
the lines, the points actually spent, and Hypothesis properties of every such quote."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.catalog import Catalog, CatalogError
from kiosk.loyalty import points_for
from kiosk.money import Money
from kiosk.pricing import (
    Cart,
    PricingError,
    Quote,
    TaxMode,
    apply_tax,
    max_redeemable_points,
    quote,
)
from kiosk.promotions import LOYALTY_REDEMPTION_ID
from tests.kiosk.test_pricing import MEMBER, NOW, WED_OFF_PEAK, base_data, carts, catalogs, q

REDEEM = LOYALTY_REDEMPTION_ID


def loyal(value: int = 1, share: int | None = None, data: dict[str, Any] | None = None) -> Catalog:
    doc = data or base_data()
    doc["loyalty"]["pointValueMinor"] = value
    if share is not None:
        doc["loyalty"]["maxRedeemShareBp"] = share
    return Catalog.from_json(doc)


def redemption(line: Any) -> int:
    return sum(d.amount.amount_minor for d in line.discounts if d.promotion_id == REDEEM)


def rq(
    *lines: tuple[str, int], points: int, catalog: Catalog, at: datetime = WED_OFF_PEAK
) -> Quote:
    return quote(Cart.of(lines), catalog, now=at, member=MEMBER, redeem_points=points)


# --- journeys ------------------------------------------------------------------------------


def test_points_reduce_the_taxable_amount_inclusive() -> None:
    res = rq(("rose:spray", 1), points=100, catalog=loyal(1))
    (line,) = res.lines
    assert res.points_redeemed == 100 and res.redemption_total == Money(100, "EUR")
    assert [(d.promotion_id, d.amount.amount_minor) for d in line.discounts] == [(REDEEM, 100)]
    assert line.tax == Money(25, "EUR")  # 150 x 20/120, on what is left after the points
    assert line.total == res.total == Money(150, "EUR")
    assert res.promotion_ids == ()  # a redemption is not a promotion


def test_points_reduce_the_taxable_amount_exclusive() -> None:
    res = rq(("musk:spray", 1), points=400, catalog=loyal(1))
    (line,) = res.lines
    assert line.tax_mode is TaxMode.EXCLUSIVE
    assert line.tax == Money(50, "EUR")  # 600 x 8.25 % = 49.5 -> 50
    assert res.total == Money(650, "EUR")


def test_points_can_pay_everything_and_no_more_points_are_taken() -> None:
    cat = loyal(10)
    res = rq(("rose:spray", 1), points=1000, catalog=cat)
    assert (res.points_redeemed, res.total, res.tax_total) == (25, Money(0, "EUR"), Money(0, "EUR"))
    assert points_for(res, cat) == 0  # nothing paid, nothing earned


def test_the_last_point_may_be_worth_less_than_its_value() -> None:
    res = rq(("rose:spray", 1), points=9, catalog=loyal(100))
    assert res.points_redeemed == 3 and res.redemption_total == Money(250, "EUR")
    assert res.total.is_zero


def test_the_share_cap_limits_what_points_pay() -> None:
    cat = loyal(1, share=5000)
    res = rq(("rose:spray", 1), points=400, catalog=cat)
    assert (res.points_redeemed, res.total) == (125, Money(125, "EUR"))
    assert max_redeemable_points([Money(250, "EUR")], cat) == 125


def test_points_spread_over_lines_after_promotions() -> None:
    # the bundle frees the rose spray (0 left); the member pays 4400 for rose:30ml; cedar 300.
    # 1001 over [0, 4400, 300]: floors 937 and 63 (remainders 500 and 4200), +1 to cedar
    res = rq(("rose:spray", 1), ("rose:30ml", 1), ("cedar:spray", 1), points=1001, catalog=loyal(1))
    assert res.points_redeemed == 1001
    assert [redemption(line) for line in res.lines] == [0, 937, 64]
    assert res.redemption_total == Money(1001, "EUR")
    doc = res.to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["redemption"] == {"points": 1001, "amountMinor": 1001, "pointValueMinor": 1}
    assert doc["promotionIds"] == ["member-rose-30", "spray-with-bottle"]
    assert doc["totals"]["discountMinor"] == res.discount_total.amount_minor
    assert "redemption" not in rq(("rose:spray", 1), points=0, catalog=loyal(1)).to_json()


def test_refusals() -> None:
    assert q(("rose:spray", 1), catalog=loyal(1)).points_redeemed == 0  # no points asked
    with pytest.raises(PricingError, match="member"):
        quote(
            Cart.of([("rose:spray", 1)]), loyal(1), now=WED_OFF_PEAK, member=None, redeem_points=5
        )
    with pytest.raises(PricingError, match="does not allow"):
        rq(("rose:spray", 1), points=5, catalog=Catalog.from_json(base_data()))
    for bad in (-1, True, 1.5):
        with pytest.raises(PricingError):
            rq(("rose:spray", 1), points=bad, catalog=loyal(1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [("pointValueMinor", -1), ("pointValueMinor", 10**7), ("maxRedeemShareBp", 10_001)],
)
def test_catalog_rejects_bad_point_settings(field: str, value: int) -> None:
    data = base_data()
    data["loyalty"][field] = value
    with pytest.raises(CatalogError) as err:
        Catalog.from_json(data)
    assert err.value.path == f"$.loyalty.{field}"


def test_no_promotion_may_take_the_redemption_id() -> None:
    data = base_data()
    data["promotions"][0]["id"] = REDEEM
    with pytest.raises(CatalogError, match="reserved"):
        Catalog.from_json(data)


def test_a_catalog_without_point_value_cannot_redeem() -> None:
    cat = Catalog.from_json(base_data())
    assert (cat.loyalty.point_value_minor, cat.loyalty.redemption_enabled) == (0, False)
    assert max_redeemable_points([Money(500, "EUR")], cat) == 0


# --- properties ----------------------------------------------------------------------------


@st.composite
def loyal_catalogs(draw: st.DrawFn) -> Catalog:
    catalog = draw(catalogs())
    settings_ = replace(
        catalog.loyalty,
        point_value_minor=draw(st.integers(1, 5000)),
        max_redeem_share_bp=draw(st.integers(1, 10_000)),
    )
    return replace(catalog, loyalty=settings_)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), now=NOW, points=st.integers(0, 10**6))
def test_redemption_invariants(data: st.DataObject, now: datetime, points: int) -> None:
    catalog = data.draw(loyal_catalogs())
    cart: Cart = data.draw(carts(catalog))
    plain = quote(cart, catalog, now=now, member=MEMBER)
    res = quote(cart, catalog, now=now, member=MEMBER, redeem_points=points)
    value, share = catalog.loyalty.point_value_minor, catalog.loyalty.max_redeem_share_bp
    bases = [line.list_total - line.discount_total for line in plain.lines]
    base_sum = sum(b.amount_minor for b in bases)
    redeemed = res.redemption_total.amount_minor
    # never negative, never more than the share of what is left after the promotions
    assert res.total.amount_minor >= 0
    assert 0 <= redeemed <= base_sum * share // 10_000
    # points: never more than asked or needed, each worth its value except maybe the last
    assert 0 <= res.points_redeemed <= min(points, max_redeemable_points(bases, catalog))
    assert redeemed <= res.points_redeemed * value
    if res.points_redeemed:
        assert redeemed > (res.points_redeemed - 1) * value
    assert res.total.amount_minor <= plain.total.amount_minor
    assert res.tax_total.amount_minor <= plain.tax_total.amount_minor
    for before, line in zip(plain.lines, res.lines, strict=True):
        assert line.discounts[: len(before.discounts)] == before.discounts  # promotions first
        assert 0 <= redemption(line) <= (before.list_total - before.discount_total).amount_minor
        assert 0 <= line.discount_total.amount_minor <= line.list_total.amount_minor
        again = apply_tax(
            line.list_total - line.discount_total, catalog.tax_class(line.tax_class_id)
        )
        assert (again.tax, again.net, again.gross) == (line.tax, line.net, line.total)
    assert res.total == res.list_total - res.discount_total + res.tax_added_total
    assert res.total.amount_minor == sum(line.total.amount_minor for line in res.lines)
    if points == 0:
        assert res == plain
    # asking for every point the cart can take pays the whole share
    full = quote(
        cart, catalog, now=now, member=MEMBER, redeem_points=max_redeemable_points(bases, catalog)
    )
    assert full.redemption_total.amount_minor == base_sum * share // 10_000
    if share == 10_000:
        assert full.total.is_zero
