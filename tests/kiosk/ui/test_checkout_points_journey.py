"""Paying with points through the whole kiosk in-process (tests.kiosk.ui.journey_support: the
real window over the real runtime, drivers on simulators, the demo's broker, middleware and
sandbox gateway): the checkout screen's points toggle wired through the view-model, the
journey and the flow to the middleware's points account. (Its own module: these tests run on
a qasync loop, the checkout screen's tests on pytest-asyncio's.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.journey import Screen
from sync.middleware.loyalty_rpc import LoyaltyBook
from tests.kiosk.ui.journey_support import (
    CATALOG,
    eventually,
    member_code,
    run_on_qasync,
    running_kiosk,
)
from tests.support.waiting import until

MINUS = "\u2212"


def test_a_member_pays_part_with_points_through_the_whole_kiosk(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """The real kiosk online (the demo's broker, middleware and sandbox gateway; the MDB
    reader): a member with 700 points scans in, the checkout offers them (the runtime's balance
    look-up), the toggle lowers the member price by 7 €, the reader charges the rest and the
    middleware takes the points once and adds what the purchase earned."""
    ember = CATALOG.product("ember-silk")
    ember_30 = next(b for b in ember.bottles if b.size_ml == 30)  # member price 44 €

    async def scenario() -> None:
        async with running_kiosk(qtbot, tmp_path, online=True) as k:
            assert k.services is not None and k.services.db is not None
            book = LoyaltyBook(k.services.db)
            await asyncio.to_thread(book.adjust, "M-8", 700, reason="welcome", operator_id="op")
            await k.to_checkout(ember.id, ember_30.sku, skip_loyalty=False)
            k.sims.scanner.scan(member_code("M-8", "Noor"))
            await k.until_on(Screen.CHECKOUT)
            assert k.visible_text("checkoutTotalAmount") == k.money(4400)
            await until(lambda: k.widget("checkoutUsePoints").isVisible(), 20, "the offer")
            assert k.visible_text("checkoutPointsBalance") == "You have 700 points"
            assert k.visible_text("checkoutUsePoints") == f"Use 700 points ({MINUS}{k.money(700)})"
            k.tap("checkoutUsePoints")
            assert k.visible_text("checkoutTotalAmount") == k.money(3700)
            assert k.visible_text("checkoutDiscount1Label") == "Loyalty points"
            assert k.visible_text("checkoutUsePoints") == "Don't use my points"
            assert k.visible_text("checkoutPoints") == "You earn 37 points with this purchase."
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            txn = k.journey.view.txn_id
            assert txn is not None
            sale = await k.sale(txn)
            assert (sale.amount_minor, sale.data["points_redeemed"]) == (3700, 700)
            assert k.sims.mdb.sales[-1].amount == 3700  # what the card reader charged
            await eventually(
                lambda: asyncio.to_thread(lambda: book.balance("M-8").balance), 37, "the debit"
            )
            assert [h["state"] for h in book.holds("M-8")] == ["final"]

    run_on_qasync(qapp, scenario)
