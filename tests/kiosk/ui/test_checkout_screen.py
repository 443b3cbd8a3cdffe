"""The checkout screen shows the real quote line by line: list price, each discount under its
promotion's label from the catalog (a points redemption as "Loyalty points"), inclusive VAT
under the total or exclusive tax added before it, the total, the member and the points; the
notice; "Pay by card" disabled only while cards are refused offline; the buttons wired to
``vm.pay()`` (awaited), ``vm.back()`` and ``vm.go_home()``. A member whose points may pay part
of the price sees the balance (locale digits) and the large points toggle, wired to
``vm.use_points(on)``; no offer, no toggle."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.catalog import Catalog
from kiosk.journey import Notice, Screen, View
from kiosk.pricing import TaxMode
from kiosk.ui.i18n_build import compile_translations
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.checkout import CheckoutScreen
from kiosk.ui.shell import KioskWindow
from tests.kiosk.ui.audit import audit
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


# -- paying with points -------------------------------------------------------------------------
def _points_view(cat: Catalog, *, balance: int, use: bool) -> View:
    """A member's checkout with ``balance`` points, offered (and with ``use``, spending) the
    most the quote can take, priced by the real pricing."""
    zoe = member(cat)
    sku = bottle_sku(cat)
    most = checkout_view(cat, sku, who=zoe, redeem=balance).quote
    assert most is not None and most.points_redeemed > 0
    offer = {
        "points_balance": balance,
        "points_usable": most.points_redeemed,
        "points_discount": most.redemption_total,
    }
    if not use:
        return checkout_view(cat, sku, who=zoe, **offer)
    return checkout_view(cat, sku, who=zoe, redeem=balance, points_used=most.points_redeemed,
                         **offer)  # fmt: skip


@pytest.fixture
def pointed(qapp: QApplication) -> Iterator[Shown]:
    """The checkout over a catalog where 1 point = 1 cent, at most half the price."""
    opened = open_checkout(qapp, catalog(point_value_minor=1, max_redeem_share_bp=5000))
    yield opened
    close_window(opened[0], opened[1])


def test_points_are_offered_with_the_balance_and_their_value(
    qapp: QApplication, pointed: Shown
) -> None:
    _, ctx, vm, screen = pointed
    view = _points_view(ctx.catalog, balance=1240, use=False)
    vm.show(view)
    qapp.processEvents()
    n, value = view.points_usable, view.points_discount
    assert value is not None and 0 < n <= 1240
    toggle = screen.use_points_button
    assert toggle.objectName() == "checkoutUsePoints" and toggle.isVisible()
    assert toggle.text() == f"Use {n:,} points ({MINUS}{ctx.languages.money(value)})"
    assert toggle.height() >= 80 and toggle.isEnabled() and not toggle.isChecked()
    assert screen.points_balance.isVisible()
    assert screen.points_balance.text() == "You have 1,240 points"
    assert [w for w, _ in rows(screen)] == ["List price", "Total"]  # nothing taken off yet
    assert screen.pay_button.text() == "Pay by card"


def test_points_in_use_show_as_loyalty_points_and_the_toggle_turns_them_off(
    qapp: QApplication, pointed: Shown
) -> None:
    _, ctx, vm, screen = pointed
    view = _points_view(ctx.catalog, balance=1240, use=True)
    q = view.quote
    assert q is not None and q.points_redeemed == view.points_used > 0
    vm.show(view)
    qapp.processEvents()
    money = ctx.languages.money
    assert rows(screen) == [
        ("List price", money(q.list_total)),
        ("Loyalty points", MINUS + money(q.redemption_total)),
        ("Total", money(q.total)),
    ]
    assert screen.use_points_button.text() == "Don't use my points"
    assert screen.use_points_button.isChecked()
    assert screen.points_balance.text() == "You have 1,240 points"
    assert screen.points.text() == f"You earn {view.points_earned} points with this purchase."


def test_the_toggle_asks_the_view_model_for_the_other_state(
    qapp: QApplication, pointed: Shown
) -> None:
    _, ctx, vm, screen = pointed
    vm.show(_points_view(ctx.catalog, balance=300, use=False))
    screen.use_points_button.click()
    vm.show(_points_view(ctx.catalog, balance=300, use=True))
    screen.use_points_button.click()
    assert vm.calls == [("use_points", True), ("use_points", False)]


@pytest.mark.parametrize(
    ("over", "why"),
    [
        ({"points_usable": 0, "points_balance": 500}, "nothing usable (offline, or no points)"),
        ({"member": None, "points_usable": 250, "points_balance": 500}, "no member"),
    ],
)
def test_no_offer_no_toggle(
    qapp: QApplication, pointed: Shown, over: dict[str, object], why: str
) -> None:
    _, ctx, vm, screen = pointed
    vm.show(_points_view(ctx.catalog, balance=1240, use=False))
    qapp.processEvents()
    assert screen.use_points_button.isVisible()
    base = checkout_view(ctx.catalog, bottle_sku(ctx.catalog), who=member(ctx.catalog))
    vm.show(replace(base, **over))  # type: ignore[arg-type]
    qapp.processEvents()
    assert not screen.use_points_button.isVisible(), why
    assert not screen.points_balance.isVisible(), why


def test_a_balance_not_known_yet_shows_no_line_but_points_in_use_keep_their_toggle(
    qapp: QApplication, pointed: Shown
) -> None:
    _, ctx, vm, screen = pointed
    view = replace(_points_view(ctx.catalog, balance=1240, use=True), points_balance=None)
    vm.show(view)
    qapp.processEvents()
    assert screen.use_points_button.isVisible() and not screen.points_balance.isVisible()


def test_points_paying_everything_say_so_on_the_pay_button(qapp: QApplication) -> None:
    cat = catalog(point_value_minor=1, max_redeem_share_bp=10_000)  # up to the whole price
    window, ctx, vm, screen = open_checkout(qapp, cat)
    try:
        view = _points_view(cat, balance=100_000, use=True)
        assert view.quote is not None and view.quote.total_minor == 0
        vm.show(view)
        qapp.processEvents()
        assert screen.pay_button.text() == "Pay with points" and screen.pay_button.isEnabled()
    finally:
        close_window(window, ctx)


@pytest.fixture(scope="module")
def qm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qm")
    compile_translations(out, force=True)
    return out


@pytest.mark.parametrize(
    ("code", "balance", "toggle_off"),
    [
        ("fr", "Vous avez 1\u202f240 points", "Ne pas utiliser mes points"),
        ("ar", "لديك 1,240 نقطة", "عدم استخدام نقاطي"),
    ],
)
def test_points_speak_the_shoppers_language_with_its_numbers(
    qapp: QApplication, qm_dir: Path, code: str, balance: str, toggle_off: str
) -> None:
    cat = catalog(point_value_minor=1, max_redeem_share_bp=5000)
    window, ctx, vm = make_window(qapp, cat, qm_dir=qm_dir)
    screen = window.screens[Screen.CHECKOUT]
    assert isinstance(screen, CheckoutScreen)
    try:
        window.resize(*SIZES["landscape"])
        ctx.languages.set(code)
        offer = _points_view(cat, balance=1240, use=False)
        vm.show(offer)
        qapp.processEvents()
        assert screen.points_balance.text().replace("\u00a0", "\u202f") == balance
        n, value = offer.points_usable, offer.points_discount
        assert value is not None
        number, price = ctx.languages.number(n), ctx.languages.money(value)
        assert number in screen.use_points_button.text()
        assert MINUS + price in screen.use_points_button.text()
        vm.show(_points_view(cat, balance=1240, use=True))
        qapp.processEvents()
        assert screen.use_points_button.text() == toggle_off
        assert not audit(window), audit(window)
    finally:
        close_window(window, ctx)
