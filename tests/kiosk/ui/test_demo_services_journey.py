"""The demo kiosk with its outside world in child processes (``kiosk.demo.DemoServices``): a
shopper buys online through the middleware and sandbox gateway processes; then the middleware
is killed -9, which is reported, the other services stop, and the kiosk carries on offline
(cards refused with the "unavailable offline" banner, as when the broker is away)."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hardware.config import ReaderKind
from kiosk.journey import Screen, Unavailable
from kiosk.purchase.journal import Step
from kiosk.purchase.policy import CardPolicy
from kiosk.ui.messages import unavailable_title
from sync.protocol import EventType
from tests.kiosk.ui.journey_support import CATALOG, eventually, run_on_qasync, running_kiosk
from tests.support.waiting import until

AURORA = CATALOG.product("aurora-veil")
assert AURORA.spray is not None
AURORA_SPRAY = AURORA.spray


def test_sells_through_the_child_services_then_carries_on_offline_when_one_is_killed(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with running_kiosk(
            qtbot,
            tmp_path,
            reader=ReaderKind.TERMINAL,
            online=True,
            card_policy=CardPolicy.REQUIRE_ONLINE,
        ) as k:
            services = k.services
            assert services is not None and services.middleware is not None
            assert services.middleware.pid not in (None, os.getpid())  # its own process
            # Online: paid through the middleware process and the gateway process.
            await k.to_checkout(AURORA.id, AURORA_SPRAY.sku)
            k.tap("checkoutPay")
            await k.until_on(Screen.DONE)
            txn = k.journey.view.txn_id
            assert txn is not None
            await eventually(lambda: k.final_step(txn), Step.CAPTURED.value, "the capture")
            await eventually(lambda: k.settlement_status(txn), "captured", "the middleware")
            assert await k.middleware_sales(txn) == 1
            k.tap("doneDone")
            await k.until_on(Screen.ATTRACT)
            # The middleware dies: reported, the rest stopped, the kiosk offline.
            middleware_pid = services.middleware.pid
            assert middleware_pid is not None
            with caplog.at_level(logging.ERROR, logger="kiosk"):
                os.kill(middleware_pid, signal.SIGKILL)
                await until(lambda: services.lost is not None, 30, "the loss to be noticed")
                await until(lambda: not k.engine.connected, 30, "the kiosk to go offline")
            assert "middleware" in (services.lost or "")
            assert any(
                "carries on offline" in r.getMessage()
                for r in caplog.records
                if r.levelno >= logging.ERROR
            )
            await until(lambda: k.journey.view.cards_offline, 10, "cards offline")
            k.touch_attract()
            k.on(Screen.BROWSE)
            assert k.visible_text("browseBannerTitle") == unavailable_title(
                Unavailable.CARDS_OFFLINE
            )
            assert await k.count(EventType.SALE) == 1  # the ledger carries on, nothing lost

    run_on_qasync(qapp, scenario)
