"""The composition root: one qasync loop runs the screens, the drivers and the sync engine.

* :func:`build_ui` (:mod:`kiosk.ui.assembly`) — view-model, languages, display settings,
  screens, the :class:`~kiosk.ui.shell.KioskWindow` (:func:`kiosk.ui.startup.build_window`),
  the error overlay and its :class:`CrashGuard`, for a live
  :class:`~kiosk.journey.ShopperJourney`, for one attached later (``starting=True``) or for
  none (screenshots, previews);
* :class:`KioskApp` — the running kiosk. The attract loop is on screen first: the window
  holding the attract screen alone, shown and painted (:mod:`kiosk.ui.startup`; ``run`` does
  it on Qt's own event loop before this module, asyncio and qasync are even imported). Behind
  that frame the machine's modules are imported and the Qt-free
  :class:`~kiosk.runtime.KioskRuntime` starts (devices, machine with start-up recovery,
  journey, scanners) while the other screens are built in the loop's idle turns; with
  ``--demo`` its services (broker, gateway, middleware) start then too, the device connecting
  when they are up. Then the view-model is attached to the journey (until then a touch starts
  nothing: the attract loop says "one moment") and READY=1 goes to systemd with
  ``{"kiosk": "ready"}`` on stdout: READY means the kiosk shows its real state and can sell.
  Watchdog pings, STOPPING, and an orderly stop on SIGTERM/SIGINT, ``--duration`` or the
  window closing, also while the machine is still starting.
* the technician's service menu (:func:`kiosk.ui.service.install_service_menu`) over the same
  window, once the runtime has built its :class:`~kiosk.service.ServiceMenu`
  (``kiosk/service/assembly.py``); its "restart" stops the kiosk in order and starts it again
  (:func:`restart_process`: systemd's ``Restart=always`` under the unit, an exec otherwise);
* with a ``camera://`` scanner, the camera's capture (:mod:`kiosk.ui.camera_capture`), running
  while the loyalty step is shown.

:func:`run_app` is what ``perfume-kiosk run`` calls (``kiosk/run.py`` parses the arguments and
checks the configuration before Qt is even imported; see docs/benchmarks.md, "startup").
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from kiosk.journey.view import View
from kiosk.launch import AppOptions, restart_process
from kiosk.sdnotify import SystemdNotifier
from kiosk.ui.assembly import Ui, around, build_ui
from kiosk.ui.startup import (
    FIRST_FRAME_WAIT_S,
    FirstFrame,
    fit_factor,
    make_application,
    show_attract_loop,
    show_first_frame,
    window_report,
)
from kiosk.ui.systemd import SystemdBridge

if TYPE_CHECKING:  # the machine's side: imported after the first frame
    from kiosk.demo import DemoServices
    from kiosk.demo_members import DemoScanner
    from kiosk.journey import ShopperJourney
    from kiosk.runtime import KioskRuntime
    from kiosk.ui.camera_capture import CameraCapture
    from kiosk.ui.service import ServiceController

__all__ = [
    "KioskApp",
    "Ui",
    "build_ui",
    "fit_factor",
    "make_application",
    "restart_process",
    "run_app",
]
log = logging.getLogger(__name__)

STOP_GRACE_S = 30.0  # how long a stop waits for a payment or dispense in progress


# -- the running kiosk ----------------------------------------------------------------------------
class KioskApp:
    """The running kiosk; ``first``: its attract loop already shown (``run_app``), else
    :meth:`start` shows it."""

    def __init__(
        self,
        app: QApplication,
        options: AppOptions,
        notifier: SystemdNotifier | None = None,
        *,
        first: FirstFrame | None = None,
    ) -> None:
        app.setQuitOnLastWindowClosed(False)  # the kiosk decides when to stop (orderly close)
        self.app = app
        self.options = options
        self._first = first
        if first is not None:
            self.bridge = first.bridge
            self.notifier = first.bridge.notifier
        else:
            self.notifier = notifier or SystemdNotifier(None)
            self.bridge = SystemdBridge(self.notifier, started_at=options.started_at)
        self.services: DemoServices | None = None
        self._starting_services: asyncio.Task[None] | None = None
        self.runtime: KioskRuntime | None = None
        self.ui: Ui | None = None
        self.stop_requested = asyncio.Event()
        self.first_frame = asyncio.Event()  # the attract loop is painted
        self.machine_started = asyncio.Event()  # the journey is attached: READY
        self.service: ServiceController | None = None  # the technician's menu, once started
        self.capture: CameraCapture | None = None  # the loyalty camera's frames, if configured
        self.demo_scanner: DemoScanner | None = None  # the demo's scanner (F2: a member code)
        self.restart_requested = False
        self._warming: asyncio.Task[int] | None = None
        self._selling_state = ""

    @property
    def journey(self) -> ShopperJourney:
        assert self.runtime is not None
        return self.runtime.journey

    def request_stop(self) -> None:
        self.stop_requested.set()

    def request_restart(self) -> None:
        """The service menu's "restart the app": an orderly stop, then :func:`run_app`'s
        caller starts the kiosk again (:func:`restart_process`)."""
        log.warning("restart requested from the service menu")
        self.restart_requested = True
        self.request_stop()

    def set_maintenance(self, on: bool) -> None:
        """The service menu's switch (shoppers see "temporarily unavailable" while on)."""
        assert self.runtime is not None
        self.runtime.set_maintenance(on)

    async def run(self) -> int:
        """Start, run until asked to stop, close everything; 0 after an orderly stop."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        early = self._first.early_stop if self._first is not None else None
        if early is not None and early.requested:  # a signal came while the frame was painted
            self.request_stop()
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
        """The attract loop first, then the machine behind it, then READY."""
        ui = self._take_over_attract_loop()
        if self._first is None:  # else run_app waited for its paint already
            try:
                async with asyncio.timeout(FIRST_FRAME_WAIT_S):
                    await self.first_frame.wait()
            except TimeoutError:  # recovery must not wait for a screen that never paints
                log.warning(
                    "no frame painted in %.0f s: starting the machine anyway", FIRST_FRAME_WAIT_S
                )
        building = asyncio.ensure_future(ui.build_other_screens())
        try:
            journey = await self._start_machine()
            await building
        finally:
            building.cancel()
        ui.vm.attach(journey)  # from now on a touch reaches the journey
        self._on_machine_started(journey)
        self.machine_started.set()
        self.bridge.machine_started()  # READY=1 (the first frame is painted)
        camera = self.runtime.camera_frames() if self.runtime is not None else None
        if camera is not None:  # behind READY (Qt Multimedia loads its backend); it runs
            self.capture = ui.capture_camera(camera)  # while the loyalty step is shown
        self._warming = asyncio.ensure_future(self._warm_up(ui))

    async def _warm_up(self, ui: Ui) -> int:
        """Behind READY: every hidden screen painted once in each of its gallery states."""
        from kiosk.journey.gallery import gallery

        try:
            painted = await ui.warm_up(view for _s, _state, view in gallery(self.options.catalog))
        except Exception:  # a warm-up only saves time later: never worth a crash
            log.exception("warming up the screens failed")
            return 0
        log.info("screens warmed up: %d states painted off screen", painted)
        return painted

    def _take_over_attract_loop(self) -> Ui:
        """The attract loop's window (shown now unless ``run_app`` did), with the error
        overlay and crash guard around it; nothing of the machine is loaded yet."""
        first = self._first or show_attract_loop(self.app, self.options, self.bridge)
        self.ui = ui = around(first.window, first.ctx, idle_s=self.options.idle_s)
        ui.guard.install(asyncio.get_running_loop())
        self.app.lastWindowClosed.connect(self.request_stop)
        self.bridge.firstFrameDidShow.connect(self._on_first_frame)
        self.bridge.readyDidSend.connect(self._on_ready)
        return ui

    async def _start_machine(self) -> ShopperJourney:
        """Behind the first frame: the machine's modules, the demo's services (started while
        the machine starts: the device connects when the broker is up), devices, recovery,
        the journey."""
        from kiosk.runtime import KioskRuntime

        opts = self.options
        config, hardware, catalog = opts.config, opts.hardware, opts.catalog
        if opts.demo is not None:
            from kiosk.demo import DemoServices, demo_config, demo_hardware
            from kiosk.demo_members import start_demo_loyalty
            from kiosk.service.assembly import demo_settings

            demo = opts.demo.options()
            self.services = DemoServices(demo.data_dir)
            config = demo_config(
                demo.data_dir,
                self.services.reserve(),
                card_policy=demo.card_policy,
                language=demo.language,
            )
            config = dataclasses.replace(config, service=demo_settings(demo.data_dir))
            hardware = demo_hardware(opts.catalog, demo.data_dir, reader=demo.reader)
            self.demo_scanner, catalog, hardware = await start_demo_loyalty(
                demo.data_dir, catalog, hardware
            )
            if self._demo_online():
                self._starting_services = asyncio.ensure_future(self._start_services())
        assert config is not None and hardware is not None
        self.runtime = runtime = KioskRuntime(
            config, hardware, catalog, on_status=self._status, restart=self.request_restart
        )
        journey = await runtime.start()
        if opts.demo is not None:
            from kiosk.demo import seed_stock

            assert runtime.machine is not None
            if await seed_stock(runtime.machine, runtime.items):
                await journey.refresh()
        return journey

    def _on_machine_started(self, journey: ShopperJourney) -> None:
        """The runtime is started and the journey attached; READY=1 follows this. What needs
        both the window and the running machine is wired here."""
        assert self.ui is not None and self.runtime is not None
        self.ui.set_camera(self.runtime.camera_frames())
        if self.demo_scanner is not None:
            self.ui.on_key("F2", self.demo_scanner.present_next)
        journey.add_listener(self._on_journey_view)
        self._on_journey_view(journey.view)
        if self.runtime.service is not None:
            from kiosk.ui.service import install_service_menu

            self.service = install_service_menu(self.ui.window, self.runtime.service)

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

    def _on_first_frame(self, _seconds: float) -> None:
        """The attract loop is painted (its stdout line is printed by kiosk.ui.startup)."""
        self.first_frame.set()

    def _on_ready(self, seconds: float) -> None:
        """The machine runs behind a painted window (printed just before READY=1 goes)."""
        first = self.bridge.first_frame_s
        report: dict[str, object] = {
            "kiosk": "ready",
            "firstFrameS": round(first, 3) if first is not None else None,
            "readyS": round(seconds, 3),
        }
        if self.ui is not None:
            report |= window_report(self.ui.window)
        if self.services is not None:
            report |= {"broker": self.services.broker_url, "online": self._demo_online()}
            report["dataDir"] = str(self.services.data_dir)
        print(json.dumps(report), flush=True)

    def _demo_online(self) -> bool:
        """Whether the demo's services are there or starting (mosquitto is installed)."""
        from kiosk.demo import OFFLINE_BROKER

        return self.services is not None and self.services.broker_url != OFFLINE_BROKER

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
        if self._warming is not None:
            self._warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warming
            self._warming = None
        if self.service is not None:  # before the menu closes (it ends a technician's session)
            self.service.uninstall()
            self.service = None
        if self.capture is not None:  # no frames to a scanner that is closing
            self.capture.close()
            self.capture = None
        if self.runtime is not None:  # the window stays up (out of service) while it stops
            await self.runtime.close()
            self.runtime = None
        if self.demo_scanner is not None:  # after its driver
            await self.demo_scanner.close()
            self.demo_scanner = None
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


def run_app(
    options: AppOptions, notifier: SystemdNotifier | None = None, first: FirstFrame | None = None
) -> int:
    """Run the kiosk on a qasync loop until it is stopped (the ``run`` command); ``first``: its
    attract loop already painted (:func:`kiosk.ui.startup.show_first_frame`), else shown here
    first in the same way."""
    import qasync  # after PySide6: qasync looks for PyQt5, PyQt6 and PySide2 first otherwise

    if first is None:
        first = show_first_frame(options, notifier)
    loop = qasync.QEventLoop(first.app)
    asyncio.set_event_loop(loop)
    kiosk = KioskApp(first.app, options, first=first)
    try:
        code = int(loop.run_until_complete(kiosk.run()))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
    if kiosk.restart_requested:
        restart_process()
    return code
