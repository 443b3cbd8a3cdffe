"""Idle handling: after ``idle_s`` without a touch on a screen where the shopper is choosing,
ask "Still there?" for ``prompt_s``; no answer sends the journey back to the attract loop.
Never during a payment or a dispense (the journey refuses, and the prompt is not shown); a
payment that ended without a charge (declined, timed out, cancelled, failed) waits for the
shopper's choice, so it is ended like a choosing screen."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from kiosk.journey.view import IDLE_ENDABLE, PaymentPhase, Screen
from kiosk.ui.viewmodel import JourneyViewModel

_ACTIVITY = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
    }
)
_PAYMENT_ENDED = frozenset(
    {PaymentPhase.DECLINED, PaymentPhase.TIMED_OUT, PaymentPhase.CANCELLED, PaymentPhase.FAILED}
)


class IdleWatcher(QObject):
    promptDidShow = Signal(int)  # seconds left to answer
    promptDidTick = Signal(int)
    promptDidHide = Signal()

    def __init__(self, vm: JourneyViewModel, *, idle_s: float = 60.0, prompt_s: int = 10) -> None:
        super().__init__()
        self.vm = vm
        self.prompt_s = prompt_s
        self.prompting = False
        self.suspended = False  # the technician's service menu is open (kiosk.ui.service)
        self._left = 0
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(idle_s * 1000))
        self._idle.timeout.connect(self._on_idle_timeout)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        vm.viewChanged.connect(lambda _view: self.poke())
        self._idle.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.poke()
        return False

    def poke(self) -> None:
        """Shopper activity: restart the idle clock and withdraw the prompt."""
        if self.prompting:
            self.prompting = False
            self._tick.stop()
            self.promptDidHide.emit()
        if not self.suspended:
            self._idle.start()

    def suspend(self) -> None:
        """No prompt until :meth:`resume` (the service menu covers the shopper screens)."""
        self.poke()
        self.suspended = True
        self._idle.stop()

    def resume(self) -> None:
        self.suspended = False
        self.poke()

    def _endable(self) -> bool:
        view = self.vm.view
        if view.busy:
            return False
        if view.screen is Screen.PAYMENT:
            return view.payment in _PAYMENT_ENDED
        return view.screen in IDLE_ENDABLE

    def _on_idle_timeout(self) -> None:
        if not self._endable():
            self._idle.start()
            return
        self.prompting = True
        self._left = self.prompt_s
        self.promptDidShow.emit(self._left)
        self._tick.start()

    def _on_tick_timeout(self) -> None:
        self._left -= 1
        if not self._endable():
            self.poke()
            return
        if self._left > 0:
            self.promptDidTick.emit(self._left)
            return
        self.prompting = False
        self._tick.stop()
        self.promptDidHide.emit()
        self.vm.idle_timeout()
        self._idle.start()
