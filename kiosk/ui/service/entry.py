"""The hidden way in: a long press in the kiosk window's top-right corner.

:class:`HiddenEntry` is an application-wide event filter (a press lands on whatever child is
under the finger, so the window alone would not see it). A press inside the corner square
(``corner_px``, 120 px) arms a single-shot timer of ``hold_ms`` (3 s); moving out of the
square or lifting the finger disarms it. When it fires while the finger is still down,
``didTrigger`` is emitted and, if the menu opened, the release that follows is swallowed, so
the shopper widget under the finger (the header's language button) does not act on it.
Nothing is drawn and no event is taken before that: a shopper pressing the corner sees the
normal behaviour of what is there.

The corner is the *physical* top-right one in every language, Arabic (right-to-left)
included: technicians learn one place. Touch screens reach it through the mouse events Qt
synthesises from unhandled touches (none of the shopper widgets takes raw touch events).
While the service menu is open (``active``), every press inside the window is reported as
``didTouch`` (activity that keeps the technician's session alive) and nothing is armed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QWidget

HOLD_MS = 3000
CORNER_PX = 120

_PRESS, _MOVE, _RELEASE = (
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.MouseButtonRelease,
)


class HiddenEntry(QObject):
    didTrigger = Signal()
    didTouch = Signal()

    def __init__(
        self, window: QWidget, *, hold_ms: int = HOLD_MS, corner_px: int = CORNER_PX
    ) -> None:
        super().__init__(window)
        self.window = window
        self.corner_px = corner_px
        self.active = False  # the service menu is open
        self.armed = False
        self._swallow = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer fires 5 % early
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def in_corner(self, global_pos: QPoint) -> bool:
        pos = self.window.mapFromGlobal(global_pos)
        w = self.window.width()
        return w - self.corner_px <= pos.x() < w and 0 <= pos.y() < self.corner_px

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (_PRESS, _MOVE, _RELEASE) or not isinstance(event, QMouseEvent):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self.window:
            return False
        if kind == _RELEASE and self._swallow:
            self._swallow = False  # the release of the press that opened the menu
            return True
        if self.active:
            if kind == _PRESS:
                self.didTouch.emit()
            return False
        inside = self.in_corner(event.globalPosition().toPoint())
        if kind == _PRESS and inside and not self.armed:
            self.armed = True
            self._timer.start()
        elif (kind == _MOVE and not inside) or kind == _RELEASE:
            self._disarm()
        return False

    def _disarm(self) -> None:
        self.armed = False
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        self.armed = False
        self.didTrigger.emit()
        self._swallow = self.active  # only if the menu did open (not during a payment)
