"""The composition root: one qasync loop runs the screens, the drivers and the sync engine.

Three layers, each reusable on its own:

* :func:`make_application` — the ``QApplication`` (scaled down to fit a desktop in windowed
  mode, no cursor in full-screen mode);
* :func:`build_ui` — view-model, languages, display settings, screens, the
  :class:`~kiosk.ui.shell.KioskWindow`, the error overlay and its :class:`CrashGuard`, for a live
  :class:`~kiosk.journey.ShopperJourney` or for none (screenshots, previews);
* :class:`KioskApp` — the running kiosk: the Qt-free :class:`~kiosk.runtime.KioskRuntime`
  (devices, machine with start-up recovery, journey, scanners), the UI, demo services
  (``--demo``: started after the first frame, the device connecting to them when they are
  up), systemd notifications (READY after the first frame, watchdog pings, STOPPING) and an
  orderly stop on SIGTERM/SIGINT, ``--duration`` or the window closing.

:func:`run_app` is what ``perfume-kiosk run`` calls (``kiosk/run.py`` parses the arguments and
checks the configuration before Qt is even imported).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import qasync
from PySide6.QtCore import Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from kiosk.catalog import Catalog
from kiosk.demo import OFFLINE_BROKER, DemoServices, demo_config, demo_hardware, seed_stock
from kiosk.journey import Screen, ShopperJourney, View
from kiosk.runtime import PORTRAIT, AppOptions, KioskRuntime
from kiosk.sdnotify import SystemdNotifier
from kiosk.ui.error_screen import CrashGuard, ErrorOverlay
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import ScreenBase, UiContext
from kiosk.ui.screens.loyalty import LoyaltyScreen
from kiosk.ui.screens.registry import build_screens
from kiosk.ui.shell import KioskWindow
from kiosk.ui.systemd import SystemdBridge
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel
from kiosk.ui.widgets_camera import FrameSource

log = logging.getLogger(__name__)

STOP_GRACE_S = 30.0  # how long a stop waits for a payment or dispense in progress
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


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }.get(kind, logging.ERROR)
    logging.getLogger("qt").log(level, "%s", message)


# -- the screens ----------------------------------------------------------------------------------
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

    def close(self) -> None:
        self.guard.uninstall()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.window.idle)
        self.window.close()
        self.window.deleteLater()


def default_screens(ctx: UiContext) -> Mapping[Screen, ScreenBase]:
    return build_screens(ctx)


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
) -> Ui:
    """Build the kiosk window for ``journey`` (None: a view-model that only shows the views
    it is given); ``camera``: the camera scanner whose frames the loyalty screen previews.
    Nothing is shown yet; the crash guard is built but not installed."""
    vm = JourneyViewModel(journey)
    languages = Languages(app)
    languages.set(language)
    ctx = UiContext(vm, languages, DisplaySettings(), catalog)
    window = KioskWindow(ctx, screens(ctx), idle_s=idle_s, prompt_s=prompt_s)
    loyalty = window.screens.get(Screen.LOYALTY)
    if camera is not None and isinstance(loyalty, LoyaltyScreen):
        loyalty.set_camera(camera)
    app.installEventFilter(window.idle)  # every touch anywhere restarts the idle clock
    overlay = ErrorOverlay(window, auto_dismiss_s=idle_s)
    return Ui(window=window, ctx=ctx, overlay=overlay, guard=CrashGuard(vm, overlay))


# -- the running kiosk ----------------------------------------------------------------------------
class KioskApp:
    def __init__(
        self, app: QApplication, options: AppOptions, notifier: SystemdNotifier | None = None
    ) -> None:
        app.setQuitOnLastWindowClosed(False)  # the kiosk decides when to stop (orderly close)
        self.app = app
        self.options = options
        self.notifier = notifier or SystemdNotifier(None)
        self.bridge = SystemdBridge(self.notifier, started_at=options.started_at)
        self.services: DemoServices | None = None
        self._starting_services: asyncio.Task[None] | None = None
        self.runtime: KioskRuntime | None = None
        self.ui: Ui | None = None
        self.stop_requested = asyncio.Event()
        self._selling_state = ""

    @property
    def journey(self) -> ShopperJourney:
        assert self.runtime is not None
        return self.runtime.journey

    def request_stop(self) -> None:
        self.stop_requested.set()

    def set_maintenance(self, on: bool) -> None:
        """The service menu's switch (shoppers see "temporarily unavailable" while on)."""
        assert self.runtime is not None
        self.runtime.set_maintenance(on)

    async def run(self) -> int:
        """Start, run until asked to stop, close everything; 0 after an orderly stop."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        if self.options.duration_s > 0:
            loop.call_later(self.options.duration_s, self.request_stop)
        self.bridge.start_watchdog()
        starting = asyncio.ensure_future(self.start())
        stopping = asyncio.ensure_future(self.stop_requested.wait())
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done():
                starting.result()  # a start-up error is raised here
                await stopping
            else:
                log.info("stop requested while starting")
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
        finally:
            stopping.cancel()
            await self.close()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        return 0

    async def start(self) -> None:
        opts = self.options
        config, hardware = opts.config, opts.hardware
        if opts.demo is not None:
            # Only the broker's address now: the broker, gateway and middleware start after
            # the first frame (``_start_services``), and the device connects when they are up.
            self.services = DemoServices(opts.demo.data_dir)
            config = demo_config(
                opts.demo.data_dir,
                self.services.reserve(),
                card_policy=opts.demo.card_policy,
                language=opts.demo.language,
            )
            hardware = demo_hardware(opts.catalog, opts.demo.data_dir, reader=opts.demo.reader)
        assert config is not None and hardware is not None
        self.runtime = KioskRuntime(config, hardware, opts.catalog, on_status=self._status)
        journey = await self.runtime.start()
        if opts.demo is not None:
            assert self.runtime.machine is not None
            if await seed_stock(self.runtime.machine, self.runtime.items):
                await journey.refresh()
        self.notifier.status("building the shopper screens")
        self.ui = ui = build_ui(
            self.app,
            catalog=opts.catalog,
            journey=journey,
            language=config.language,
            idle_s=config.idle_s,
            prompt_s=config.prompt_s,
            camera=self.runtime.camera_frames(),
        )
        ui.guard.install(asyncio.get_running_loop())
        journey.add_listener(self._on_journey_view)
        self._on_journey_view(journey.view)
        self.app.lastWindowClosed.connect(self.request_stop)
        self.bridge.firstFrameDidShow.connect(self._on_first_frame)
        self.bridge.watch_first_frame(ui.window)
        if opts.windowed:
            ui.window.resize(*opts.size)
            ui.window.show()
        else:
            ui.window.showFullScreen()

    def _on_journey_view(self, view: View) -> None:
        """Keep systemd's STATUS on whether the machine can sell (``systemctl status``)."""
        state = view.unavailable.value if view.unavailable is not None else "selling"
        if state != self._selling_state:
            self._selling_state = state
            self.bridge.ready_status = f"showing the shopper screens: {state}"
            if self.notifier.ready_sent:
                self.notifier.status(self.bridge.ready_status)

    def _status(self, text: str) -> None:
        log.info("%s", text)
        self.notifier.status(text)

    def _on_first_frame(self, seconds: float) -> None:
        report: dict[str, object] = {"kiosk": "ready", "firstFrameS": round(seconds, 3)}
        if self.ui is not None:
            report["window"] = list(self.ui.window.size().toTuple())
            report["scale"] = round(self.ui.window.devicePixelRatioF(), 3)
        if self.services is not None:
            online = self.services.broker_url != OFFLINE_BROKER  # its services are starting
            report |= {"broker": self.services.broker_url, "online": online}
            report["dataDir"] = str(self.options.demo.data_dir) if self.options.demo else None
            if online and self._starting_services is None:
                self._starting_services = asyncio.ensure_future(self._start_services())
        print(json.dumps(report), flush=True)

    async def _start_services(self) -> None:
        """The demo's broker, gateway and middleware, behind the first frame; if they fail the
        kiosk carries on offline, as it does without mosquitto."""
        assert self.services is not None
        log.info("starting the demo broker, middleware and payment gateway")
        try:
            await self.services.start()
        except Exception:
            log.exception("the demo services did not start: the kiosk runs offline")

    async def close(self) -> None:
        """Stop in reverse order; waits up to STOP_GRACE_S for a payment or dispense."""
        self.notifier.stopping("stopping")
        await self._let_purchase_finish()
        self.bridge.stop_watchdog()
        with contextlib.suppress(TypeError, RuntimeError):
            self.app.lastWindowClosed.disconnect(self.request_stop)
        if self.runtime is not None:  # the window stays up (out of service) while it stops
            await self.runtime.close()
            self.runtime = None
        if self.ui is not None:
            self.ui.close()
            self.ui = None
        if self._starting_services is not None:
            self._starting_services.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting_services
            self._starting_services = None
        if self.services is not None:
            await self.services.close()
            self.services = None
        self.notifier.close()

    async def _let_purchase_finish(self) -> None:
        if self.runtime is None or self.ui is None or not self.ui.vm.view.busy:
            return
        log.warning("stopping: waiting up to %.0f s for the purchase in progress", STOP_GRACE_S)
        vm, finished = self.ui.vm, asyncio.Event()

        def on_view(view: View) -> None:
            if not view.busy:
                finished.set()

        vm.viewChanged.connect(on_view)
        try:
            async with asyncio.timeout(STOP_GRACE_S):
                await finished.wait()
        except TimeoutError:
            log.error("stopping with a purchase still in progress (recovery will finish it)")
        finally:
            vm.viewChanged.disconnect(on_view)


def run_app(options: AppOptions, notifier: SystemdNotifier | None = None) -> int:
    """Run the kiosk on a qasync loop until it is stopped (the ``run`` command)."""
    qInstallMessageHandler(_qt_message)
    app = make_application(windowed=options.windowed, size=options.size)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    kiosk = KioskApp(app, options, notifier)
    try:
        return int(loop.run_until_complete(kiosk.run()))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
