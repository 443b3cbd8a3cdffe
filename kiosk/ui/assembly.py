"""The kiosk window and everything around it, for one journey (or none): :func:`build_ui`
(view-model, languages, display settings, screens, the window, the error overlay and its crash
guard) and :class:`Ui`, what :class:`kiosk.app.KioskApp`, the screenshots, the benchmarks and
the pytest-qt journeys hold on to."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from kiosk.catalog import Catalog
from kiosk.journey.view import Screen, View
from kiosk.ui.error_screen import CrashGuard, ErrorOverlay
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import ScreenBase, UiContext
from kiosk.ui.screens.registry import SCREENS, build_screen
from kiosk.ui.shell import KioskWindow
from kiosk.ui.startup import ScreensFactory, all_screens, build_window
from kiosk.ui.viewmodel import JourneyViewModel

if TYPE_CHECKING:
    from kiosk.journey import ShopperJourney
    from kiosk.ui.camera_capture import CameraCapture, FrameSink
    from kiosk.ui.widgets_camera import FrameSource

log = logging.getLogger(__name__)


@dataclass
class Ui:
    """The window and everything it shows, for one journey (or none)."""

    window: KioskWindow
    ctx: UiContext
    overlay: ErrorOverlay
    guard: CrashGuard

    @property
    def vm(self) -> JourneyViewModel:
        return self.ctx.vm

    @property
    def languages(self) -> Languages:
        return self.ctx.languages

    async def build_other_screens(self) -> None:
        """Every screen the window does not have yet, one per turn of the loop (a touch or a
        repaint can come in between), importing each screen's module as it goes."""
        for screen in SCREENS:
            if screen not in self.window.screens:
                self.window.add_screen(screen, build_screen(self.ctx, screen))
                await asyncio.sleep(0)

    async def warm_up(self, views: Iterable[View]) -> int:
        """Paint each hidden screen off screen in the given states, one per turn of the loop,
        so that the first shopper does not pay for what Qt and our widgets make once (enum
        classes, glow sprites, static art layers, pictures at their sizes, the QR code's
        module): measured as a 50-70 ms stall at the first purchase after a start
        (docs/benchmarks.md §3). A screen that is (or becomes) current is skipped: a screen
        is always rendered with the live view when it is switched to. Returns the states
        painted."""
        await asyncio.to_thread(importlib.import_module, "qrcode")  # off the loop thread
        painted = 0
        for view in views:
            screen = self.window.screens.get(view.screen)
            if screen is None or screen is self.window.current:
                continue
            screen.render(view)
            screen.grab()
            painted += 1
            await asyncio.sleep(0)
        return painted

    def set_camera(self, camera: FrameSource | None) -> None:
        """The camera scanner whose frames the loyalty screen previews (once it is built)."""
        if camera is None:
            return
        from kiosk.ui.screens.loyalty import LoyaltyScreen

        loyalty = self.window.screens.get(Screen.LOYALTY)
        if isinstance(loyalty, LoyaltyScreen):
            loyalty.set_camera(camera)

    def capture_camera(self, camera: FrameSink) -> CameraCapture | None:
        """The machine's camera feeding ``camera`` (the camera scanner) while the loyalty
        screen is shown; None when Qt Multimedia cannot be loaded (PySide6-Addons or libpulse0
        missing): logged once, and the kiosk sells without camera scans. The caller closes it."""
        try:
            from kiosk.ui.camera_capture import CameraCapture  # Qt Multimedia: only with a camera
        except ImportError as exc:
            log.error("no loyalty camera: Qt Multimedia cannot be loaded (%s)", exc)
            return None
        capture = CameraCapture(camera)
        capture.follow(self.vm)
        return capture

    def on_key(self, key: str, action: Callable[[], object]) -> QShortcut:
        """``action`` whenever ``key`` (a key sequence such as ``"F2"``) is pressed while the
        kiosk's window is active (the demo's keyboard helpers; a kiosk has no keyboard)."""
        shortcut = QShortcut(QKeySequence(key), self.window)
        shortcut.activated.connect(action)
        return shortcut

    def close(self) -> None:
        self.guard.uninstall()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.window.idle)
        self.window.close()
        self.window.deleteLater()


def default_screens(ctx: UiContext) -> Mapping[Screen, ScreenBase]:
    return all_screens(ctx)


def around(window: KioskWindow, ctx: UiContext, *, idle_s: float) -> Ui:
    """The error overlay and its crash guard (not installed yet) over a built window."""
    overlay = ErrorOverlay(window, auto_dismiss_s=idle_s)
    return Ui(window=window, ctx=ctx, overlay=overlay, guard=CrashGuard(ctx.vm, overlay))


def build_ui(
    app: QApplication,
    *,
    catalog: Catalog,
    journey: ShopperJourney | None,
    language: str = "en",
    idle_s: float = 60.0,
    prompt_s: int = 10,
    screens: ScreensFactory = default_screens,
    camera: FrameSource | None = None,
    starting: bool = False,
) -> Ui:
    """Build the kiosk window for ``journey`` (None: a view-model that only shows the views
    it is given, or with ``starting`` one that waits for :meth:`JourneyViewModel.attach`);
    ``camera``: the camera scanner whose frames the loyalty screen previews. Nothing is shown
    yet; the crash guard is built but not installed."""
    vm = JourneyViewModel(journey, starting=starting)
    window, ctx = build_window(
        app,
        vm,
        catalog=catalog,
        language=language,
        idle_s=idle_s,
        prompt_s=prompt_s,
        screens=screens,
    )
    ui = around(window, ctx, idle_s=idle_s)
    ui.set_camera(camera)
    return ui
