"""The recoverable error screen and the application's exception hooks.

:class:`ErrorOverlay` covers the window with "Something went wrong — touch to continue"; a
touch (or ``auto_dismiss_s`` without one) hides it and sends the journey home to the attract
loop. :class:`CrashGuard` installs ``sys.excepthook`` (what PySide6 and qasync's ``asyncSlot``
call for an exception raised in a slot) and the asyncio loop's exception handler: each logs the
error with its traceback and shows the overlay, except while a payment or a dispense is in
progress, when it only logs and leaves the screen alone (and a loop report without an exception,
such as a task destroyed while pending, is only logged). The kiosk never exits on an exception.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.ui.viewmodel import JourneyViewModel
from kiosk.ui.widgets import card, label

log = logging.getLogger(__name__)
ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


class ErrorOverlay(QWidget):
    """A dimmed full-window card; touching anywhere dismisses it."""

    dismissed = Signal()

    def __init__(self, parent: QWidget, *, auto_dismiss_s: float = 60.0) -> None:
        super().__init__(parent)
        self._host = parent
        self.setObjectName("errorOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#errorOverlay { background: rgba(0, 0, 0, 190); }")
        outer = QVBoxLayout(self)
        box = card()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(56, 56, 56, 56)
        inner.setSpacing(24)
        self.title = label(role="heading", name="errorTitle")
        self.detail = label(role="muted", name="errorDetail")
        for w in (self.title, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            inner.addWidget(w)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        box.setMinimumWidth(640)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(auto_dismiss_s * 1000))
        self._timer.timeout.connect(self.dismiss)
        parent.installEventFilter(self)
        self.hide()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Something went wrong"))
        self.detail.setText(self.tr("Touch to continue"))

    def show_error(self) -> None:
        self.retranslate()
        self.setGeometry(self._host.rect())
        self.raise_()
        self.show()
        self._timer.start()

    def dismiss(self) -> None:
        if self.isVisible():
            self._timer.stop()
            self.hide()
            self.dismissed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.dismiss()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self._host.rect())
        elif event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False


class CrashGuard(QObject):
    """Logs unexpected exceptions and shows the error overlay; never lets the kiosk exit."""

    errorDidShow = Signal()

    def __init__(self, vm: JourneyViewModel, overlay: ErrorOverlay) -> None:
        super().__init__()
        self.vm = vm
        self.overlay = overlay
        self.errors = 0  # how many were caught (tests, telemetry)
        self._previous_hook: ExceptHook | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_handler: Any = None
        self._handling = False
        overlay.dismissed.connect(self._on_overlay_dismissed)

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if self._previous_hook is None:
            self._previous_hook = sys.excepthook
            sys.excepthook = self.excepthook
        if loop is not None and self._loop is None:
            self._loop = loop
            self._previous_handler = loop.get_exception_handler()
            loop.set_exception_handler(self.loop_exception)

    def uninstall(self) -> None:
        if self._previous_hook is not None and sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_hook
        self._previous_hook = None
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(self._previous_handler)
        self._loop, self._previous_handler = None, None

    def excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if not issubclass(kind, Exception):  # KeyboardInterrupt, SystemExit: not ours
            (self._previous_hook or sys.__excepthook__)(kind, error, tb)
            return
        self._caught("unexpected error", (kind, error, tb))

    def loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        message = context.get("message", "error in the event loop")
        if isinstance(error, BaseException) and not isinstance(error, Exception):
            loop.default_exception_handler(context)
            return
        if isinstance(error, Exception):
            self._caught(message, (type(error), error, error.__traceback__))
        else:  # no exception ("task destroyed while pending"): worth a log line, not a screen
            log.error("%s: %r", message, context)

    def _caught(self, what: str, exc_info: Any) -> None:
        log.error("%s", what, exc_info=exc_info)  # logging reports its own failures
        if self._handling:
            return  # an error while showing the overlay: logged, nothing more
        self._handling = True
        try:
            self.errors += 1
            if self.vm.view.busy:
                log.warning("a payment or dispense is in progress: the screen stays as it is")
                return
            self.overlay.show_error()
            self.errorDidShow.emit()
        except Exception:
            log.exception("showing the error screen failed")
        finally:
            self._handling = False

    def _on_overlay_dismissed(self) -> None:
        self.vm.go_home()
