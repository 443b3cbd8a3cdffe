"""The loyalty screen: instructions and the order while waiting, the member found by a real
signed QR code, every refusal notice, Skip/Continue and Back wired to the view-model, and the
camera: real frames from a real ``CameraLoyaltyScanner`` shown in the preview (mirrored, at
most 10 redraws a second, only while the screen is shown), decoded codes reaching ``vm.scan``
the way the app wires them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hardware.scanner.camera import CameraLoyaltyScanner, Frame
from hardware.scanner.camera_sim import ImageFrameSource, blank_frame, render_qr
from hardware.scanner.events import ScanDidDecode, ScannerEvent
from kiosk.catalog import BottleOffer
from kiosk.journey import Notice, Screen, View
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.loyalty import LoyaltyScreen
from kiosk.ui.shell import KioskWindow
from kiosk.ui.widgets_camera import PREVIEW_FPS
from tests.kiosk.ui.pay_support import (
    SIZES,
    RecordingViewModel,
    bottle_sku,
    catalog,
    checkout_view,
    close_window,
    make_window,
    member,
    member_code,
)

CAT = catalog()
Shown = tuple[KioskWindow, UiContext, RecordingViewModel, LoyaltyScreen]


@pytest.fixture
def shown(qapp: QApplication) -> Iterator[Shown]:
    window, ctx, vm = make_window(qapp, CAT)
    window.resize(*SIZES["portrait"])
    screen = window.screens[Screen.LOYALTY]
    assert isinstance(screen, LoyaltyScreen)
    yield window, ctx, vm, screen
    screen.set_camera(None)
    close_window(window, ctx)


def waiting_view(**over: Any) -> View:
    return replace(checkout_view(CAT, bottle_sku(CAT)), screen=Screen.LOYALTY, **over)


def test_waiting_shows_instructions_the_order_and_skip(qapp: QApplication, shown: Shown) -> None:
    _, ctx, vm, screen = shown
    view = waiting_view()
    vm.show(view)
    qapp.processEvents()
    assert screen.isVisible()
    assert screen.title.text() == "Scan your loyalty code"
    assert "QR code" in screen.subtitle.text()
    product, q, offer = view.product, view.quote, view.offer
    assert product is not None and q is not None and isinstance(offer, BottleOffer)
    assert screen.product_name.text() == product.name
    assert screen.price.text() == ctx.languages.money(q.total)
    assert screen.offer_name.text() == f"{offer.size_ml} ml bottle"
    assert not screen.result.isVisible()
    assert not screen.notice.isVisible()
    assert not screen.preview.isVisible()  # no camera configured
    assert screen.art.isVisible()
    assert screen.skip_button.text() == "Skip"
    assert screen.skip_button.height() >= 80 and screen.back_button.height() >= 80


def test_a_member_found_by_a_real_code_shows_name_tier_and_points(
    qapp: QApplication, shown: Shown
) -> None:
    _, _, vm, screen = shown
    zoe = member(CAT, "Zoé", "gold")
    view = replace(checkout_view(CAT, bottle_sku(CAT), who=zoe), screen=Screen.LOYALTY)
    assert view.points_earned > 1
    vm.show(view)
    qapp.processEvents()
    assert screen.result.isVisible()
    assert screen.member_name.text() == "Welcome, Zoé"
    assert screen.member_tier.text() == "Gold member"
    assert screen.member_points.text() == (f"This purchase earns you {view.points_earned} points.")
    assert screen.skip_button.text() == "Continue"
    vm.show(replace(view, points_earned=1))
    assert screen.member_points.text() == "This purchase earns you 1 point."


@pytest.mark.parametrize(
    ("lang", "tier", "text"),
    [
        ("fr", "gold", "Membre Or"),
        ("ar", "silver", "عضو فضي"),
        ("fr", "rose_club", "Membre Rose club"),  # a tier the kiosk does not know: as written
    ],
)
def test_the_tier_is_named_in_the_shoppers_language(
    qapp: QApplication, shown: Shown, lang: str, tier: str, text: str
) -> None:
    _, ctx, vm, screen = shown
    ctx.languages.set(lang)
    try:
        who = member(CAT, "Zoé", tier)
        vm.show(replace(checkout_view(CAT, bottle_sku(CAT), who=who), screen=Screen.LOYALTY))
        qapp.processEvents()
        assert screen.member_tier.text() == text
    finally:
        ctx.languages.set("en")


@pytest.mark.parametrize(
    "notice",
    [
        Notice.LOYALTY_INVALID,
        Notice.LOYALTY_EXPIRED,
        Notice.LOYALTY_UNKNOWN_KEY,
        Notice.NOT_A_LOYALTY_CODE,
    ],
)
def test_refused_codes_say_why(qapp: QApplication, shown: Shown, notice: Notice) -> None:
    _, _, vm, screen = shown
    vm.show(waiting_view(notice=notice))
    qapp.processEvents()
    assert screen.notice.isVisible()
    assert screen.notice.text.text() == notice_text(notice) != ""
    assert not screen.result.isVisible()
    vm.show(waiting_view())
    assert not screen.notice.isVisible()


def test_skip_continue_and_back_call_the_view_model(
    qapp: QApplication, shown: Shown, qtbot: QtBot
) -> None:
    _, _, vm, screen = shown
    vm.show(waiting_view())
    qapp.processEvents()
    screen.skip_button.click()
    screen.back_button.click()
    vm.show(replace(checkout_view(CAT, bottle_sku(CAT), who=member(CAT)), screen=Screen.LOYALTY))
    screen.skip_button.click()
    assert vm.calls == [("skip_loyalty", None), ("back", None), ("skip_loyalty", None)]


def test_without_a_camera_entering_and_leaving_is_harmless(
    qapp: QApplication, shown: Shown
) -> None:
    _, _, vm, screen = shown
    vm.show(waiting_view())
    vm.show(checkout_view(CAT, bottle_sku(CAT)))
    vm.show(waiting_view())
    assert not screen.preview.active and not screen.preview.isVisible()


@pytest.fixture
async def camera() -> AsyncIterator[CameraLoyaltyScanner]:
    scanner = CameraLoyaltyScanner(debounce=5.0)
    await scanner.start()
    yield scanner
    await scanner.close()


async def test_camera_frames_show_and_scans_reach_the_view_model(
    qapp: QApplication, shown: Shown, camera: CameraLoyaltyScanner, qtbot: QtBot
) -> None:
    _, _, vm, screen = shown

    def on_scanner_event(event: ScannerEvent) -> None:  # what the app wires
        if isinstance(event, ScanDidDecode):
            vm.scan(event.scan.text)

    camera.add_listener(on_scanner_event)
    screen.set_camera(camera)
    vm.show(waiting_view())
    assert screen.preview.isVisible() and screen.preview.active
    code = member_code("Zoé")
    source = ImageFrameSource([render_qr(code, width=640, height=480, noise=8)])
    await source.play(camera, count=3, fps=0)
    await camera.wait_idle()
    assert vm.calls == [("scan", code)]
    qtbot.waitUntil(lambda: screen.preview.frames_shown >= 1)
    pixmap = screen.preview.pixmap()
    picture = screen.preview.picture_rect()
    assert (pixmap.width(), pixmap.height()) == (round(picture.width()), round(picture.height()))
    assert picture.width() / picture.height() == pytest.approx(640 / 480, rel=0.02)  # uncropped
    assert screen.preview.rect().contains(picture.toRect())
    # The journey turns the scan into a member; the screen shows who it found.
    vm.show(replace(checkout_view(CAT, bottle_sku(CAT), who=member(CAT)), screen=Screen.LOYALTY))
    assert screen.member_name.text() == "Welcome, Zoé"


async def test_preview_redraws_only_the_newest_frame_at_most_10_times_a_second(
    qapp: QApplication, shown: Shown, camera: CameraLoyaltyScanner, qtbot: QtBot
) -> None:
    _, _, vm, screen = shown
    screen.set_camera(camera)
    vm.show(waiting_view())
    assert PREVIEW_FPS == 10
    assert screen.preview._timer.interval() == 1000 // PREVIEW_FPS
    for level in range(0, 250, 10):  # 25 frames before the next redraw
        camera.submit_frame(blank_frame(160, 120, level=level))
    waiting = [screen.preview.waiting]
    qtbot.waitUntil(lambda: screen.preview.frames_shown == 1)
    waiting.append(screen.preview.waiting)
    assert waiting == [True, False]
    image = screen.preview.pixmap().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert abs(centre.red() - 240) <= 2  # the newest frame, not an older one
    await camera.wait_idle()


async def test_preview_is_mirrored(
    qapp: QApplication, shown: Shown, camera: CameraLoyaltyScanner, qtbot: QtBot
) -> None:
    _, _, vm, screen = shown
    screen.set_camera(camera)
    vm.show(waiting_view())
    width, height = 160, 120
    half_dark = bytes(([0] * (width // 2) + [255] * (width // 2)) * height)
    camera.submit_frame(Frame(width, height, half_dark))  # dark on the camera's left
    qtbot.waitUntil(lambda: screen.preview.frames_shown == 1)
    image = screen.preview.pixmap().toImage()
    y = image.height() // 2
    assert image.pixelColor(image.width() // 8, y).red() > 200  # light on the screen's left
    assert image.pixelColor(image.width() * 7 // 8, y).red() < 50
    await camera.wait_idle()


async def test_preview_listens_only_while_the_screen_is_shown(
    qapp: QApplication, shown: Shown, camera: CameraLoyaltyScanner
) -> None:
    _, _, vm, screen = shown
    vm.show(checkout_view(CAT, bottle_sku(CAT)))
    screen.set_camera(camera)
    active = [screen.preview.active]  # attached, but another screen is shown
    vm.show(waiting_view())
    active.append(screen.preview.active)
    vm.show(checkout_view(CAT, bottle_sku(CAT)))  # the shopper moved on
    active.append(screen.preview.active)
    camera.submit_frame(blank_frame())
    waiting = [screen.preview.waiting]
    vm.show(waiting_view())
    active.append(screen.preview.active)
    screen.set_camera(None)
    active.append(screen.preview.active)
    assert not screen.preview.isVisible()
    camera.submit_frame(blank_frame())
    waiting.append(screen.preview.waiting)
    assert active == [False, True, False, True, False]
    assert waiting == [False, False]
    await camera.wait_idle()
