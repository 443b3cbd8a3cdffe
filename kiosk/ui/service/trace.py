"""The live hex trace of one device port: choose the port, start, watch the bytes scroll by
(time, direction, hex, printable text), stop or clear. Fed by the domain's
:class:`~kiosk.service.HexTrace` subscription (its hooks run on the loop thread, which is the
Qt thread); the domain redacts anything card-shaped and stops every trace at logout."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.service import HexTrace, TraceLine
from kiosk.ui.service.common import clock_time
from kiosk.ui.service.keypad import Choice
from kiosk.ui.service.texts import device_text
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import button, card, label

MAX_LINES = 500


def format_line(line: TraceLine) -> str:
    millis = int((line.at % 1) * 1000)
    return f"{clock_time(line.at)}.{millis:03d} {line.direction:<3} {line.hex}  |{line.text}|"


class TraceView(QWidget):
    def __init__(self, vm: ServiceViewModel) -> None:
        super().__init__()
        self.vm = vm
        self.setObjectName("traceView")
        self.frame = card()
        box = QVBoxLayout(self.frame)
        box.setContentsMargins(28, 24, 28, 24)
        box.setSpacing(14)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.frame)
        self.title = label(role="heading", name="traceTitle")
        self.hint = label(role="muted", name="traceHint")
        self.ports = Choice((), name="tracePorts")
        row = QHBoxLayout()
        row.setSpacing(16)
        self.start = button(role="primary", name="traceStart")
        self.stop = button(name="traceStop")
        self.clear = button(name="traceClear")
        for b in (self.start, self.stop, self.clear):
            row.addWidget(b, 1)
        self.text = QPlainTextEdit()
        self.text.setObjectName("hexTrace")
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_LINES)
        self.text.setMinimumHeight(360)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.ports_box = QVBoxLayout()
        self.ports_box.setContentsMargins(0, 0, 0, 0)
        self.ports_box.addWidget(self.ports)
        box.addWidget(self.title)
        box.addWidget(self.hint)
        box.addLayout(self.ports_box)
        box.addLayout(row)
        box.addWidget(self.text)
        self._unsubscribe: Callable[[], None] | None = None
        self._port = ""
        self.start.clicked.connect(self._on_start_clicked)
        self.stop.clicked.connect(self._on_stop_clicked)
        self.clear.clicked.connect(self.text.clear)
        self.ports.chosen.connect(self._on_ports_chosen)
        vm.traceDidStart.connect(self._on_vm_trace_did_start)
        vm.sessionDidEnd.connect(self._on_vm_session_did_end)

    def set_ports(self, ports: tuple[str, ...]) -> None:
        if tuple(self.ports.buttons) != ports:  # the ports wired at start-up: built once
            self.ports_box.removeWidget(self.ports)
            self.ports.deleteLater()
            self.ports = Choice(ports, columns=min(3, max(1, len(ports))), name="tracePorts")
            self.ports.chosen.connect(self._on_ports_chosen)
            self.ports_box.addWidget(self.ports)
        if ports and self._port not in ports:
            self._port = ports[0]
        self.ports.select(self._port)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Live hex trace"))
        if self.ports.buttons:
            self.hint.setText(
                self.tr("Choose a port, then start: every byte in and out shows here.")
            )
        else:
            self.hint.setText(self.tr("No port can be traced on this kiosk."))
        self.ports.set_texts({p: device_text(p) for p in self.ports.buttons})
        self.start.setText(self.tr("Start"))
        self.stop.setText(self.tr("Stop"))
        self.clear.setText(self.tr("Clear"))
        running = self._unsubscribe is not None
        self.start.setEnabled(bool(self._port) and not running)
        self.stop.setEnabled(running)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.retranslate()

    def _on_vm_session_did_end(self, _reason: str) -> None:
        self.detach()

    def _on_ports_chosen(self, port: str) -> None:
        if port != self._port:
            self._port = port
            self.vm.stop_trace()
            self.detach()

    def _on_vm_trace_did_start(self, trace: HexTrace) -> None:
        self.detach()
        self.text.clear()
        for line in trace.lines():
            self.text.appendPlainText(format_line(line))
        self._unsubscribe = trace.subscribe(self._on_trace_line)
        self.retranslate()

    def _on_trace_line(self, line: TraceLine) -> None:
        self.text.appendPlainText(format_line(line))

    @asyncSlot()
    async def _on_start_clicked(self) -> None:
        await self.vm.start_trace(self._port)

    def _on_stop_clicked(self) -> None:
        self.vm.stop_trace()
        self.detach()
