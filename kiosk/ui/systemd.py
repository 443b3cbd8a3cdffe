"""The window's side of systemd's notification protocol (:mod:`kiosk.sdnotify`).

:class:`SystemdBridge` tells when the window has really been painted for the first time (its
first paint event has run and the frame is flushed: one turn of the event loop after it:
``firstFrameDidShow``), and sends ``READY=1`` once that frame is up *and* the machine runs
(:meth:`SystemdBridge.machine_started`: devices open, recovery done, the journey attached), in
whichever order they come: READY means the kiosk shows its real state and can sell. The
running kiosk paints its attract loop first and starts the machine behind it, so the two
moments differ. ``WATCHDOG=1`` comes from a Qt timer at half the watchdog timeout, so the pings
stop when the event loop stalls, which is exactly what the watchdog is for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from kiosk.sdnotify import SystemdNotifier

log = logging.getLogger(__name__)


class SystemdBridge(QObject):
    firstFrameDidShow = Signal(float)  # seconds since start
    readyDidSend = Signal(float)  # seconds since start, when READY=1 went

    def __init__(
        self,
        notifier: SystemdNotifier,
        *,
        clock: Callable[[], float] = time.monotonic,
        started_at: float | None = None,
    ) -> None:
        super().__init__()
        self.notifier = notifier
        self._clock = clock
        self._started_at = clock() if started_at is None else started_at
        self._window: QWidget | None = None
        self.first_frame_s: float | None = None
        self.ready_s: float | None = None
        self._machine_started = False
        self._watchdog = QTimer(self)
        self._watchdog.timeout.connect(self._on_watchdog_timeout)
        self.ready_status = "showing the shopper screens"

    def start_watchdog(self) -> None:
        """Ping the watchdog from now on (a no-op when systemd armed none)."""
        interval = self.notifier.watchdog_interval_s
        if interval is None or self._watchdog.isActive():
            return
        self._watchdog.start(max(1, int(interval * 1000)))
        self.notifier.watchdog()
        log.info("pinging the systemd watchdog every %.1f s", interval)

    def stop_watchdog(self) -> None:
        self._watchdog.stop()

    def watch_first_frame(self, window: QWidget) -> None:
        """Notice ``window``'s first paint (call before ``show()``)."""
        self._window = window
        window.installEventFilter(self)

    def machine_started(self) -> None:
        """The machine runs: READY=1 now, or as soon as the first frame has been painted."""
        self._machine_started = True
        self._send_ready_if_due()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            self._window = None
            QTimer.singleShot(0, self._on_first_frame)
        return False

    def _on_first_frame(self) -> None:
        self.first_frame_s = self._clock() - self._started_at
        log.info("first frame painted %.2f s after start", self.first_frame_s)
        self.firstFrameDidShow.emit(self.first_frame_s)
        self._send_ready_if_due()

    def _send_ready_if_due(self) -> None:
        if self.ready_s is not None or self.first_frame_s is None or not self._machine_started:
            return
        self.ready_s = self._clock() - self._started_at
        log.info("ready %.2f s after start", self.ready_s)
        self.readyDidSend.emit(self.ready_s)  # listeners first: READY comes last
        self.notifier.ready(self.ready_status)

    def _on_watchdog_timeout(self) -> None:
        self.notifier.watchdog()
