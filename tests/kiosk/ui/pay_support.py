"""Shared by the tests of the loyalty, checkout, payment, dispensing, done and unavailable
screens: the real kiosk window showing only those screens, a view-model that records the
shopper's actions (its coroutines too), the views to render (every state of the gallery for
these screens, and more), a real member from a signed loyalty QR, and the pseudo-translations
(``tests.kiosk.ui.shop_support``: compiled through lupdate/lrelease, French 40 % longer,
Arabic script) so the layout checks see texts at least as long as the real ones."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.catalog import Catalog
from kiosk.journey import Notice, PaymentPhase, Screen, View
from kiosk.journey.gallery import GALLERY_TIME, gallery
from kiosk.loyalty import Member, encode_public_key, issue_member_qr, points_for, verify_member_qr
from kiosk.pricing import Cart, quote
from kiosk.purchase.model import PurchaseResult
from kiosk.purchase.states import PurchaseState
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import ScreenBase, UiContext
from kiosk.ui.screens.checkout import CheckoutScreen
from kiosk.ui.screens.dispensing import DispensingScreen
from kiosk.ui.screens.done import DoneScreen
from kiosk.ui.screens.loyalty import LoyaltyScreen
from kiosk.ui.screens.payment import PaymentScreen
from kiosk.ui.screens.unavailable import UnavailableScreen
from kiosk.ui.shell import KioskWindow
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel

ROOT = Path(__file__).parents[3]
DEMO = ROOT / "assets/catalog/demo.json"
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
PAY_SCREENS: dict[Screen, type[ScreenBase]] = {
    Screen.LOYALTY: LoyaltyScreen,
    Screen.CHECKOUT: CheckoutScreen,
    Screen.PAYMENT: PaymentScreen,
    Screen.DISPENSING: DispensingScreen,
    Screen.DONE: DoneScreen,
    Screen.UNAVAILABLE: UnavailableScreen,
}
MEMBER_KEY = Ed25519PrivateKey.generate()  # generated per run; no private key is stored


def catalog(
    *,
    tax_mode: str = "inclusive",
    rate_bp: int = 2000,
    point_value_minor: int = 0,
    max_redeem_share_bp: int | None = None,
) -> Catalog:
    """The demo catalog with a loyalty key this test run signs member codes with, its tax
    class switched to ``tax_mode`` at ``rate_bp``, and points worth ``point_value_minor``
    (else the demo's) paying at most ``max_redeem_share_bp`` of a price (else the demo's)."""
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    data["loyalty"]["keys"] = [
        {"id": "ui-test", "ed25519": encode_public_key(MEMBER_KEY.public_key())}
    ]
    if point_value_minor:
        data["loyalty"]["pointValueMinor"] = point_value_minor
    if max_redeem_share_bp is not None:
        data["loyalty"]["maxRedeemShareBp"] = max_redeem_share_bp
    for tax in data["taxClasses"]:
        tax.update(mode=tax_mode, rateBp=rate_bp)
    return Catalog.from_json(data)


def member_code(name: str = "Zoé", tier: str = "gold") -> str:
    """A signed member QR text, as the shopper's app shows it."""
    return issue_member_qr(
        MEMBER_KEY,
        "ui-test",
        member_id="M-2001",
        display_name=name,
        tier=tier,
        issued_at=GALLERY_TIME,
    )


def member(cat: Catalog, name: str = "Zoé", tier: str = "gold") -> Member:
    """The member the journey would identify from :func:`member_code` (really verified)."""
    return verify_member_qr(member_code(name, tier), cat.loyalty.keys, now=GALLERY_TIME)


def checkout_view(
    cat: Catalog, sku: str, *, who: Member | None = None, redeem: int = 0, **over: Any
) -> View:
    """A checkout view for one SKU, priced by the real pricing at the gallery's time (inside
    the demo's happy hour), for ``who`` if given, spending ``redeem`` points."""
    offer = cat.offer(sku)
    q = quote(Cart.of([(sku, 1)]), cat, now=GALLERY_TIME, member=who, redeem_points=redeem)
    view = View(
        screen=Screen.CHECKOUT,
        product=cat.product(offer.product_id),
        offer=offer,
        quote=q,
        member=who,
        points_earned=points_for(q, cat) if who else 0,
        purchase=PurchaseState.QUOTED,
    )
    return replace(view, **over)


def spray_sku(cat: Catalog) -> str:
    return next(p.spray.sku for p in cat.products if p.spray is not None)


def bottle_sku(cat: Catalog) -> str:
    return next(p.bottles[-1].sku for p in cat.products if p.bottles)


def pay_views(cat: Catalog) -> list[tuple[str, str, View]]:
    """Every gallery state of these six screens, and the other states they must show."""
    mine = {s.value for s in PAY_SCREENS}
    views = [(s, state, v) for s, state, v in gallery(cat) if s in mine]
    zoe = member(cat)
    bottle = checkout_view(cat, bottle_sku(cat), who=zoe)
    loyalty = replace(bottle, screen=Screen.LOYALTY)
    views += [
        ("loyalty", "member", loyalty),
        ("loyalty", "long-name", replace(loyalty, member=member(cat, "Anne-Sophie de La Tour"))),
        *(
            ("loyalty", f"notice-{n.value}", replace(loyalty, member=None, notice=n))
            for n in (Notice.LOYALTY_EXPIRED, Notice.LOYALTY_UNKNOWN_KEY, Notice.NOT_A_LOYALTY_CODE)
        ),
        *(
            ("checkout", f"notice-{n.value}", replace(bottle, notice=n))
            for n in (Notice.OFFLINE_LIMIT, Notice.SOLD_OUT, Notice.READER_UNAVAILABLE)
        ),
        (
            "payment",
            "idle",
            replace(bottle, screen=Screen.PAYMENT, payment=PaymentPhase.TIMED_OUT, reason="idle"),
        ),
        (
            "payment",
            "reader-fault",
            replace(
                bottle, screen=Screen.PAYMENT, payment=PaymentPhase.FAILED, reason="reader_fault"
            ),
        ),
        ("unavailable", "recovering", View(screen=Screen.UNAVAILABLE, unavailable=None)),
        (
            "done",
            "no-last4",
            replace(
                bottle,
                screen=Screen.DONE,
                purchase=PurchaseState.COMPLETED,
                receipt_url="https://receipts.example/r/pk/t1",
                txn_id="t1",
            ),
        ),
    ]
    return views


class RecordingViewModel(JourneyViewModel):
    """No journey: records each shopper action, in order (the coroutines when awaited)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.calls: list[tuple[str, Any]] = []

    def scan(self, text: str) -> bool:
        self.calls.append(("scan", text))
        return True

    def skip_loyalty(self) -> None:
        self.calls.append(("skip_loyalty", None))

    def use_points(self, on: bool) -> None:
        self.calls.append(("use_points", on))

    def back(self) -> None:
        self.calls.append(("back", None))

    def retry(self) -> None:
        self.calls.append(("retry", None))

    def go_home(self) -> None:
        self.calls.append(("go_home", None))

    async def pay(self) -> PurchaseResult | None:
        self.calls.append(("pay", None))
        return None

    async def cancel(self) -> None:
        self.calls.append(("cancel", None))


def make_window(
    app: QApplication, cat: Catalog, *, qm_dir: Path | None = None
) -> tuple[KioskWindow, UiContext, RecordingViewModel]:
    """The real kiosk window with the six screens of this module, shown."""
    vm = RecordingViewModel()
    ctx = UiContext(vm, Languages(app, qm_dir=qm_dir), DisplaySettings(), cat)
    window = KioskWindow(ctx, {s: cls(ctx) for s, cls in PAY_SCREENS.items()})
    window.show()
    return window, ctx, vm


def close_window(window: KioskWindow, ctx: UiContext) -> None:
    ctx.languages.set("en")
    window.close()
    window.deleteLater()


def enabled_buttons(widget: QWidget) -> list[QAbstractButton]:
    return [
        b for b in widget.findChildren(QAbstractButton) if b.isVisibleTo(widget) and b.isEnabled()
    ]
