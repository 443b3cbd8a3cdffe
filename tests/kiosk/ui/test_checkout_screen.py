"""The checkout screen shows the real quote line by line: list price, each discount under its
promotion's label from the catalog (a points redemption as "Loyalty points"), inclusive VAT
under the total or exclusive tax added before it, the total, the member and the points; the
notice; "Pay by card" disabled only while cards are refused offline; the buttons wired to
``vm.pay()`` (awaited), ``vm.back()`` and ``vm.go_home()``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.catalog import Catalog
from kiosk.journey import Notice, Screen, View
from kiosk.pricing import TaxMode
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.checkout import CheckoutScreen
from kiosk.ui.shell import KioskWindow
from tests.kiosk.ui.pay_support import (
    SIZES,
    RecordingViewModel,
    bottle_sku,
    catalog,
    checkout_view,
    close_window,
    make_window,
    member,
    spray_sku,
)
from tests.support.waiting import until

MINUS = "\u2212"
Shown = tuple[KioskWindow, UiContext, RecordingViewModel, CheckoutScreen]


def open_checkout(app: QApplication, cat: Catalog) -> Shown:
    window, ctx, vm = make_window(app, cat)
    window.resize(*SIZES["portrait"])
    screen = window.screens[Screen.CHECKOUT]
    assert isinstance(screen, CheckoutScreen)
    return window, ctx, vm, screen


@pytest.fixture
def shown(qapp: QApplication) -> Iterator[Shown]:
    opened = open_checkout(qapp, catalog())
    yield opened
    close_window(opened[0], opened[1])


def rows(screen: CheckoutScreen) -> list[tuple[str, str]]:
    return [
        (r.what.text(), r.amount.text())
        for r in (screen.list_row, *screen.discount_rows, screen.tax_row, screen.total_row)
        if r.isVisible()
    ]


def test_happy_hour_spray_lists_price_discount_total_and_included_vat(
    qapp: QApplication, shown: Shown
) -> None:
    _, ctx, vm, screen = shown
    cat = ctx.catalog
    view = checkout_view(cat, spray_sku(cat))
    q = view.quote
    assert q is not None and q.discount_total.amount_minor > 0  # inside happy hour
    vm.show(view)
    qapp.processEvents()
    money = ctx.languages.money
    (discount,) = q.lines[0].discounts
    label = next(p.label for p in cat.promotions if p.id == discount.promotion_id)
    assert rows(screen) == [
        ("List price", money(q.list_total)),
        (label, MINUS + money(discount.amount)),
        ("Total", money(q.total)),
    ]
    assert screen.tax_note.isVisible()
    assert screen.tax_note.text() == f"incl. VAT 20%: {money(q.tax_total)}"
    assert screen.product_name.text() == view.product.name  # type: ignore[union-attr]
    assert screen.offer_name.text() == "Spray · 3 sprays"
    assert not screen.member.isVisible() and not screen.points.isVisible()
    assert screen.pay_button.isEnabled() and screen.pay_button.text() == "Pay by card"


def test_exclusive_tax_is_added_before_the_total(qapp: QApplication) -> None:
    cat = catalog(tax_mode="exclusive", rate_bp=825)
    window, ctx, vm, screen = open_checkout(qapp, cat)
    try:
        view = checkout_view(cat, bottle_sku(cat))
        q = view.quote
        assert q is not None and q.lines[0].tax_mode is TaxMode.EXCLUSIVE
        assert q.total == q.list_total - q.discount_total + q.tax_added_total
        vm.show(view)
        qapp.processEvents()
        money = ctx.languages.money
        assert rows(screen) == [
            ("List price", money(q.list_total)),
            ("Tax 8.25%", money(q.tax_added_total)),
            ("Total", money(q.total)),
        ]
        assert not screen.tax_note.isVisible()
    finally:
        close_window(window, ctx)


def test_member_price_and_points_redemption_use_their_labels(qapp: QApplication) -> None:
    cat = catalog(point_value_minor=5)
    window, ctx, vm, screen = open_checkout(qapp, cat)
    try:
        zoe = member(cat)
        view = checkout_view(cat, "ember-silk:30ml", who=zoe, redeem=100)
        q = view.quote
        assert q is not None and q.points_redeemed == 100
        vm.show(view)
        qapp.processEvents()
        money = ctx.languages.money
        labels = {p.id: p.label for p in cat.promotions}
        expected = [
            (
                "Loyalty points"
                if d.promotion_id == "loyalty-redemption"
                else labels[d.promotion_id],
                MINUS + money(d.amount),
            )
            for d in q.lines[0].discounts
        ]
        assert [w for w, _ in expected] == ["Member price", "Loyalty points"]
        assert rows(screen)[1:3] == expected
        assert rows(screen)[-1] == ("Total", money(q.total))
        assert screen.member.text() == "Member: Zoé · Gold"
        assert screen.points.text() == f"You earn {view.points_earned} points with this purchase."
    finally:
        close_window(window, ctx)


def _view_with(cat: Catalog, **over: object) -> View:
    return checkout_view(cat, bottle_sku(cat), **over)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("notice", "cards_offline", "can_pay"),
    [
        (Notice.CARDS_OFFLINE, True, False),
        (Notice.CARDS_OFFLINE, False, True),  # back online: the shopper may try again
        (Notice.NONE, True, True),
        (Notice.OFFLINE_LIMIT, False, True),
        (Notice.SOLD_OUT, False, True),
        (Notice.READER_UNAVAILABLE, False, True),
    ],
)
def test_notice_is_prominent_and_pay_is_disabled_only_when_cards_are_refused_offline(
    qapp: QApplication, shown: Shown, notice: Notice, cards_offline: bool, can_pay: bool
) -> None:
    _, ctx, vm, screen = shown
    vm.show(_view_with(ctx.catalog, notice=notice, cards_offline=cards_offline))
    qapp.processEvents()
    assert screen.notice.isVisible() == (notice is not Notice.NONE)
    assert screen.notice.text.text() == notice_text(notice)
    assert screen.pay_button.isEnabled() == can_pay
    banner = screen.notice.mapTo(screen, screen.notice.rect().topLeft()).y()
    assert banner < screen.pay_button.mapTo(screen, screen.pay_button.rect().topLeft()).y()


async def test_pay_back_and_cancel_call_the_view_model(qapp: QApplication, shown: Shown) -> None:
    _, ctx, vm, screen = shown
    vm.show(_view_with(ctx.catalog))
    screen.pay_button.click()
    await until(lambda: vm.calls == [("pay", None)], what="pay awaited")
    screen.back_button.click()
    screen.cancel_button.click()
    assert vm.calls == [("pay", None), ("back", None), ("go_home", None)]
    assert screen.pay_button.height() >= 80 and screen.pay_button.property("role") == "primary"
