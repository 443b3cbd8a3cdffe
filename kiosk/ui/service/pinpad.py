"""The PIN pad: technician id and PIN, the gate's state, enrolment, and the PIN change.

Three modes: ``login`` (id on a letter keypad, PIN on large digit keys shown as dots),
``change`` (a one-time PIN must be replaced: new PIN twice; the domain refuses common PINs
with its message key) and ``not_enrolled`` (a fresh machine: how to enrol a technician).
While the domain's gate is shut the pad says for how long ("try again in 8 s", "locked for
30 min") and the sign-in button stays disabled; a one-second timer re-reads the gate while
the pad is shown. The PIN is checked off the loop thread by the domain, so the screen never
freezes. Cancel goes back to the shoppers (and signs out a technician who has not yet chosen
their PIN).
"""

from __future__ import annotations

import math
import string

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.service import LoginResult, LoginStatus
from kiosk.ui.service.forms import KEYS_WIDE_PX
from kiosk.ui.service.keypad import DIGITS, TEXT, EntryField, KeyboardPanel
from kiosk.ui.service.texts import error_text
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import button, card, label
from kiosk.ui.widgets_shop import set_role

ID_CHARS = string.ascii_letters + string.digits + "_.-"
LOGIN, CHANGE, NOT_ENROLLED = "login", "change", "not_enrolled"


class PinPage(QWidget):
    cancelled = Signal()

    def __init__(self, vm: ServiceViewModel) -> None:
        super().__init__()
        self.vm = vm
        self.setObjectName("pinPage")
        self.mode = LOGIN
        self._message = ""  # the last refusal, shown when the gate has nothing to say
        self._setup_ui()
        vm.loginDidFinish.connect(self._on_vm_login_did_finish)
        vm.enrolmentDidLoad.connect(self._on_vm_enrolment_did_load)
        vm.didFail.connect(self._on_vm_did_fail)
        vm.busyDidChange.connect(self._on_vm_busy_did_change)

    def _setup_ui(self) -> None:
        self.box = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self.box.setContentsMargins(0, 16, 0, 16)
        self.box.setSpacing(40)
        self.form = card()
        form = QVBoxLayout(self.form)
        form.setContentsMargins(40, 40, 40, 40)
        form.setSpacing(20)
        self.title = label(role="title", name="pinTitle")
        self.hint = label(role="muted", name="pinHint")
        self.tech = EntryField(kind=TEXT, name="techField", allowed=ID_CHARS, max_len=32)
        self.pin = EntryField(kind=DIGITS, name="pinField", masked=True, max_len=12)
        self.repeat = EntryField(kind=DIGITS, name="repeatField", masked=True, max_len=12)
        self.status = label(role="muted", name="pinStatus")
        self.status.setMinimumHeight(40)
        actions = QHBoxLayout()
        actions.setSpacing(20)
        self.cancel = button(name="pinCancel")
        self.submit = button(role="primary", name="pinSubmit")
        actions.addWidget(self.cancel, 1)
        actions.addWidget(self.submit, 2)
        for w in (self.title, self.hint, self.tech, self.pin, self.repeat, self.status):
            form.addWidget(w)
        form.addSpacing(8)
        form.addLayout(actions)
        self.keys = KeyboardPanel((DIGITS, TEXT))
        self.keys.setObjectName("pinKeys")
        self.keys.attach(self.tech, self.pin, self.repeat)
        self.box.addWidget(self.form, 0, Qt.AlignmentFlag.AlignTop)
        self.box.addWidget(self.keys, 0, Qt.AlignmentFlag.AlignTop)
        self.box.addStretch(1)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update)
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.submit.clicked.connect(self._on_submit_clicked)
        for f in (self.tech, self.pin, self.repeat):
            f.textChanged.connect(lambda _t: self._update())

    # -- modes ---------------------------------------------------------------------------------
    def reset(self, mode: str = LOGIN) -> None:
        """Empty fields, no message, ``mode``; the id keeps its value for a retry."""
        self.mode = mode
        self._message = ""
        if mode != LOGIN:
            self.tech.setText("")
        self.pin.setText("")
        self.repeat.setText("")
        self.tech.setVisible(mode == LOGIN)
        self.pin.setVisible(mode != NOT_ENROLLED)
        self.repeat.setVisible(mode == CHANGE)
        self.keys.setVisible(mode != NOT_ENROLLED)
        self.submit.setVisible(mode != NOT_ENROLLED)
        first = self.tech if mode == LOGIN and not self.tech.text() else self.pin
        self.keys.activate(first if mode != NOT_ENROLLED else None)
        self.retranslate()

    def retranslate(self) -> None:
        if self.mode == CHANGE:
            self.title.setText(self.tr("Choose your own PIN"))
            self.hint.setText(
                self.tr(
                    "Your one-time PIN must be replaced. Use 6 to 12 digits: not a date, "
                    "a run or a repeated pattern."
                )
            )
            self.pin.set_caption(self.tr("New PIN"))
            self.submit.setText(self.tr("Save my PIN"))
        elif self.mode == NOT_ENROLLED:
            self.title.setText(self.tr("No technician enrolled"))
            self.hint.setText(
                self.tr(
                    "This machine has no technician yet. Enrol the first one with a "
                    "provisioning file or from the middleware, then come back."
                )
            )
        else:
            self.title.setText(self.tr("Technician sign-in"))
            self.hint.setText(self.tr("Enter your technician ID and your PIN."))
            self.pin.set_caption(self.tr("PIN"))
            self.submit.setText(self.tr("Sign in"))
        self.tech.set_caption(self.tr("Technician ID"))
        self.repeat.set_caption(self.tr("New PIN again"))
        self.cancel.setText(self.tr("Cancel"))
        self.keys.retranslate()
        self._update()

    # -- state ---------------------------------------------------------------------------------
    def _update(self) -> None:
        """Re-read the gate: the countdown, the lock, what the button may do."""
        if self.mode == NOT_ENROLLED:
            self._set_status("", "muted")
            return
        gate = self.vm.gate()
        wait = math.ceil(gate.retry_after_s)
        if self.mode == LOGIN and wait > 0:
            if gate.locked:
                minutes = math.ceil(wait / 60)
                text = self.tr(
                    "Locked after too many wrong PINs. Try again in %n minute(s).", "", minutes
                )
            else:
                text = self.tr("Too many attempts. Try again in %n second(s).", "", wait)
            self._set_status(text, "error")
        elif self._message:
            self._set_status(self._message, "error")
        else:
            self._set_status("", "muted")
        ready = len(self.pin.text()) >= 6 and not self.vm.busy
        if self.mode == LOGIN:
            ready = ready and bool(self.tech.text()) and wait <= 0
        else:
            ready = ready and len(self.repeat.text()) >= 6
        self.submit.setEnabled(ready)

    def _set_status(self, text: str, role: str) -> None:
        self.status.setText(text)
        set_role(self.status, role)

    def _failure_text(self, result: LoginResult) -> str:
        left = result.attempts_left
        if left <= 0:
            return self.tr("Wrong ID or PIN. The next wrong PIN locks the menu for 30 minutes.")
        return self.tr("Wrong ID or PIN. %n attempt(s) left before a 30-minute lock.", "", left)

    # -- slots ---------------------------------------------------------------------------------
    def _on_vm_login_did_finish(self, result: LoginResult) -> None:
        status = result.status
        if status is LoginStatus.NOT_ENROLLED:
            self.reset(NOT_ENROLLED)
            return
        if status is LoginStatus.PIN_CHANGE_REQUIRED:
            self.reset(CHANGE)
            return
        self.pin.setText("")
        self.keys.activate(self.pin)
        self._message = self._failure_text(result) if status is LoginStatus.WRONG_PIN else ""
        self._update()

    def _on_vm_busy_did_change(self, _busy: bool) -> None:
        self._update()

    def _on_vm_enrolment_did_load(self, enrolled: bool) -> None:
        if not enrolled:
            self.reset(NOT_ENROLLED)
        elif self.mode == NOT_ENROLLED:
            self.reset(LOGIN)

    def _on_vm_did_fail(self, key: str) -> None:
        if self.isVisible():
            self._message = error_text(key)
            self.pin.setText("")
            self.repeat.setText("")
            self.keys.activate(self.pin)
            self._update()

    def _on_cancel_clicked(self) -> None:
        self.cancelled.emit()

    @asyncSlot()
    async def _on_submit_clicked(self) -> None:
        await self.vm.submit_pin(
            self.mode == CHANGE, self.tech.text(), self.pin.text(), self.repeat.text()
        )

    # -- layout --------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self._tick.start()
        self._update()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._tick.stop()
        super().hideEvent(event)

    def set_wide(self, wide: bool, width: int) -> None:
        """The keys beside the form (landscape) or under it, for a page ``width`` px wide."""
        self.box.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )
        self.keys.setFixedWidth(KEYS_WIDE_PX if wide else width)
        self.box.setStretch(0, 1 if wide else 0)  # the form takes the width beside the keys
        self.box.setStretch(2, 0 if wide else 1)  # or the space under them
