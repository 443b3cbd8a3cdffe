"""What ties the service menu to the kiosk window: the hidden entry, the overlay, the
technician's session and the shopper side.

* the long press (kiosk.ui.service.entry) opens the PIN pad — not while a shopper's payment or
  dispense is running; the shopper's idle prompt is suspended while the menu is open;
* the service menu follows its own language choice (English or French, as the technicians
  speak): a shopper language it does not offer (Arabic) switches to English while it is open
  and comes back when it closes;
* a tap anywhere counts as activity (``session.touch()``); a timer asks the domain to end an
  idle session (15 minutes) and the menu closes when the session ends, whatever ended it
  (logout, idle, another login, the technician revoked);
* on closing, the shopper journey goes back to its start screen (or stays "unavailable"
  while maintenance mode is on).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from kiosk.service import LoginResult, LoginStatus
from kiosk.ui.service.entry import CORNER_PX, HOLD_MS, HiddenEntry
from kiosk.ui.service.overlay import ServiceOverlay
from kiosk.ui.service.results import PinChanged
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.shell import KioskWindow

log = logging.getLogger(__name__)
SERVICE_LANGUAGES = ("en", "fr")
IDLE_CHECK_S = 30.0


class ServiceController(QObject):
    openedChanged = Signal(bool)

    def __init__(
        self,
        window: KioskWindow,
        vm: ServiceViewModel,
        *,
        hold_ms: int = HOLD_MS,
        corner_px: int = CORNER_PX,
        idle_check_s: float = IDLE_CHECK_S,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.vm = vm
        self.overlay = ServiceOverlay(window, vm, window.ctx)
        self.entry = HiddenEntry(window, hold_ms=hold_ms, corner_px=corner_px)
        self._shopper_language: str | None = None
        self._tasks: set[asyncio.Future[object]] = set()
        self._idle = QTimer(self)
        self._idle.setInterval(int(idle_check_s * 1000))
        self._idle.timeout.connect(self._on_idle_timeout)
        self.entry.didTrigger.connect(self.open)
        self.entry.didTouch.connect(vm.touch)
        self.overlay.cancelRequested.connect(self._on_overlay_cancel_requested)
        self.overlay.logoutRequested.connect(self._on_overlay_logout_requested)
        vm.loginDidFinish.connect(self._on_vm_login_did_finish)
        vm.didSucceed.connect(self._on_vm_did_succeed)
        vm.sessionDidEnd.connect(self._on_vm_session_did_end)

    @property
    def opened(self) -> bool:
        return self.overlay.isVisible()

    def install(self) -> None:
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self.entry)

    def uninstall(self) -> None:
        """Remove the event filter and stop listening to the domain (the window closes)."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.entry)
        self._idle.stop()
        for task in self._tasks:
            task.cancel()
        self.vm.stop_trace()
        self.vm.close()

    # -- opening and closing -------------------------------------------------------------------
    def open(self) -> None:
        if self.opened:
            return
        if self.window.ctx.vm.view.busy:
            log.info("service menu not opened: a purchase is in progress")
            return
        languages = self.window.ctx.languages
        self._shopper_language = languages.code
        if languages.code not in SERVICE_LANGUAGES:
            languages.set("en")
        self.window.idle.suspend()
        self.entry.active = True
        self.overlay.open()
        if self.vm.session is not None:
            self.overlay.show_home()
        self._idle.start()
        self._check_enrolment()
        log.info("service menu opened")
        self.openedChanged.emit(True)

    def close(self) -> None:
        """Back to the shoppers (the PIN pad's cancel, or the end of the session)."""
        if not self.opened:
            return
        self.overlay.hide()
        self.entry.active = False
        self._idle.stop()
        self.vm.stop_trace()
        languages = self.window.ctx.languages
        if self._shopper_language and languages.code != self._shopper_language:
            languages.set(self._shopper_language)
        self._shopper_language = None
        self.window.idle.resume()
        self.window.ctx.vm.go_home()
        log.info("service menu closed")
        self.openedChanged.emit(False)

    # -- the controller's own tasks (cancelled by uninstall) ----------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Future[object]) -> None:
        self._tasks.discard(task)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:  # like asyncSlot: the app's excepthook logs it and shows the overlay
            sys.excepthook(type(exc), exc, exc.__traceback__)

    async def _cancel_and_close(self) -> None:
        await self.vm.logout()  # signs out one who has not yet chosen their own PIN
        self.close()

    # -- slots ---------------------------------------------------------------------------------
    def _check_enrolment(self) -> None:
        self._spawn(self.vm.load_enrolment())

    def _on_idle_timeout(self) -> None:
        self._spawn(self.vm.expire_idle())

    def _on_overlay_cancel_requested(self) -> None:
        self._spawn(self._cancel_and_close())

    def _on_overlay_logout_requested(self) -> None:
        self._spawn(self.vm.logout())

    def _on_vm_login_did_finish(self, result: LoginResult) -> None:
        if result.status is LoginStatus.OK and self.opened:
            self.overlay.show_home()

    def _on_vm_did_succeed(self, result: object) -> None:
        if isinstance(result, PinChanged) and self.opened:
            self.overlay.show_home()

    def _on_vm_session_did_end(self, _reason: str) -> None:
        self.close()
