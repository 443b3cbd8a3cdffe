"""The running kiosk's first frame: the attract loop on screen before anything else loads.

``perfume-kiosk run`` (``kiosk/run.py``) checks its arguments, configuration and catalog, then
calls :func:`show_first_frame` here: the ``QApplication``, the window with the attract screen
alone (its view-model waits for a journey: ``starting=True``), shown, and Qt's own event loop
until that window's first paint has run, when ``{"kiosk": "first-frame", ...}`` goes to stdout
(what ``bench/startup.py`` times). Only then does it import ``kiosk/app.py`` (asyncio, qasync),
which starts the machine behind this window. So this module imports Qt, the views and the
attract screen, and none of asyncio, the drivers, the sync engine or the purchase flow.

It also holds what both halves need: :func:`make_application` (scaled down to fit a desktop in
windowed mode, no cursor in full-screen mode) and :func:`build_window` (languages, display
settings and the :class:`~kiosk.ui.shell.KioskWindow` for a view-model; ``kiosk.app.build_ui``
adds the error overlay around it).
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEventLoop, Qt, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from kiosk.catalog import Catalog
from kiosk.journey.view import Screen
from kiosk.launch import PORTRAIT, AppOptions
from kiosk.sdnotify import SystemdNotifier
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import ScreenBase, UiContext
from kiosk.ui.screens.registry import FIRST, build_screens
from kiosk.ui.shell import KioskWindow
from kiosk.ui.systemd import SystemdBridge
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel

log = logging.getLogger(__name__)

FIRST_FRAME_WAIT_S = 10.0  # the machine starts after the first frame, or after this at most
ScreensFactory = Callable[[UiContext], Mapping[Screen, ScreenBase]]


# -- the application object -----------------------------------------------------------------------
def fit_factor(available: tuple[int, int], size: tuple[int, int], margin: float = 0.92) -> float:
    """The scale that fits a ``size`` window on a desktop of ``available`` pixels (≤ 1), a
    multiple of 1/gcd(width, height) so that the scaled window has whole pixels (no rounding
    of the screens' 1080 × 1920 layout)."""
    factor = min(available[0] / size[0], available[1] / size[1])
    if factor >= 1.0:
        return 1.0
    steps = math.gcd(*size)
    return max(1, math.floor(factor * margin * steps)) / steps


def make_application(*, windowed: bool = False, size: tuple[int, int] = PORTRAIT) -> QApplication:
    """The process's QApplication (the existing one if there is one). Windowed on a desktop
    smaller than ``size``, Qt is started again with ``QT_SCALE_FACTOR`` so that the whole
    window fits; set ``QT_SCALE_FACTOR`` yourself to choose."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    argv = [sys.argv[0] if sys.argv else "perfume-kiosk"]
    app = QApplication(argv)
    if windowed and "QT_SCALE_FACTOR" not in os.environ:
        geometry = app.primaryScreen().availableGeometry()
        factor = fit_factor((geometry.width(), geometry.height()), size)
        if factor < 1.0:
            log.info(
                "desktop %dx%d: scaling the window by %.2f", *geometry.size().toTuple(), factor
            )
            app.shutdown()
            del app
            os.environ["QT_SCALE_FACTOR"] = str(factor)
            app = QApplication(argv)
    app.setApplicationName("perfume-kiosk")
    app.setQuitOnLastWindowClosed(False)  # the kiosk decides when to stop (orderly close)
    if not windowed:
        app.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
    return app


def qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    """Qt's own messages, into the log (``qInstallMessageHandler``)."""
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }.get(kind, logging.ERROR)
    logging.getLogger("qt").log(level, "%s", message)


# -- the window -----------------------------------------------------------------------------------
def all_screens(ctx: UiContext) -> Mapping[Screen, ScreenBase]:
    return build_screens(ctx)


def first_screens(ctx: UiContext) -> Mapping[Screen, ScreenBase]:
    """What the first frame needs: the attract loop (``kiosk.app`` builds the others)."""
    return build_screens(ctx, FIRST)


def build_window(
    app: QApplication,
    vm: JourneyViewModel,
    *,
    catalog: Catalog,
    language: str = "en",
    idle_s: float = 60.0,
    prompt_s: int = 10,
    screens: ScreensFactory = all_screens,
) -> tuple[KioskWindow, UiContext]:
    """The kiosk window over ``vm``, not shown; every touch anywhere restarts its idle clock."""
    languages = Languages(app)
    languages.set(language)
    ctx = UiContext(vm, languages, DisplaySettings(), catalog)
    window = KioskWindow(ctx, screens(ctx), idle_s=idle_s, prompt_s=prompt_s)
    app.installEventFilter(window.idle)
    return window, ctx


def window_report(window: KioskWindow) -> dict[str, object]:
    """The window's size in the screens' own pixels and its scale (the stdout lines)."""
    return {
        "window": list(window.size().toTuple()),
        "scale": round(window.devicePixelRatioF(), 3),
    }


# -- the first frame ------------------------------------------------------------------------------
class EarlyStop:
    """SIGTERM and SIGINT before the asyncio loop handles them (``KioskApp.run``) are
    remembered, not fatal: the kiosk then stops in order as soon as its loop runs."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> EarlyStop:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        return self

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info("%s while starting: stopping once the event loop runs", signal.strsignal(signum))
        self.requested = True


@dataclass
class FirstFrame:
    """The attract loop's window, shown before the machine's side is loaded; ``kiosk.app``
    takes it over (``KioskApp(first=...)``)."""

    app: QApplication
    window: KioskWindow
    ctx: UiContext
    bridge: SystemdBridge
    early_stop: EarlyStop | None = None

    @property
    def painted(self) -> bool:
        return self.bridge.first_frame_s is not None

    def wait_until_painted(self, timeout_s: float = FIRST_FRAME_WAIT_S) -> None:
        """Run Qt's own event loop until the first frame is painted (at most ``timeout_s``)."""
        if self.painted:
            return
        loop = QEventLoop()
        self.bridge.firstFrameDidShow.connect(loop.quit)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        self.bridge.firstFrameDidShow.disconnect(loop.quit)
        if not self.painted:
            log.warning("no frame painted in %.0f s: starting the machine anyway", timeout_s)


def show_attract_loop(app: QApplication, options: AppOptions, bridge: SystemdBridge) -> FirstFrame:
    """The window with the attract screen alone over a view-model that waits for its journey,
    shown; at its first paint ``{"kiosk": "first-frame", ...}`` goes to stdout."""
    bridge.notifier.status("showing the attract loop")
    window, ctx = build_window(
        app,
        JourneyViewModel(None, starting=True),
        catalog=options.catalog,
        language=options.language,
        idle_s=options.idle_s,
        prompt_s=options.prompt_s,
        screens=first_screens,
    )

    def report(seconds: float) -> None:
        line = {"kiosk": "first-frame", "firstFrameS": round(seconds, 3)} | window_report(window)
        print(json.dumps(line), flush=True)

    bridge.firstFrameDidShow.connect(report)
    bridge.watch_first_frame(window)
    if options.windowed:
        window.resize(*options.size)
        window.show()
    else:
        window.showFullScreen()
    return FirstFrame(app=app, window=window, ctx=ctx, bridge=bridge)


def show_first_frame(options: AppOptions, notifier: SystemdNotifier | None = None) -> FirstFrame:
    """The ``run`` command's start: the application, the attract loop shown and painted."""
    early_stop = EarlyStop().install()
    qInstallMessageHandler(qt_message)
    app = make_application(windowed=options.windowed, size=options.size)
    bridge = SystemdBridge(notifier or SystemdNotifier(None), started_at=options.started_at)
    first = show_attract_loop(app, options, bridge)
    first.early_stop = early_stop
    first.wait_until_painted()
    return first
