"""The pinned PySide6 must not drop references to None/True (6.12.0 on Python 3.11 did: every
void Qt call and every Signal.emit() lost one, and the kiosk aborted with "none_dealloc"
within minutes). A PySide6 bump that brings the bug back fails here, not in a mall."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel


class _Emitter(QObject):
    fired = Signal()


def test_void_calls_and_emits_keep_their_references(qapp: QApplication) -> None:
    label = QLabel()
    emitter = _Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        label.setText("x")
        emitter.fired.emit()
    assert sys.getrefcount(None) >= none_before - 50
    assert sys.getrefcount(True) >= true_before - 50
