"""The window's systemd side in-process: READY=1 only once the window has been painted and
the machine runs (in either order), watchdog pings from a Qt timer at half the timeout (so they
stop when the loop stalls), and the scale that fits a 1080 × 1920 window on a smaller desktop."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from kiosk.sdnotify import SystemdNotifier
from kiosk.ui.startup import fit_factor
from kiosk.ui.systemd import SystemdBridge


def drain(sock: socket.socket) -> list[list[str]]:
    out = []
    while True:
        try:
            out.append(sock.recv(4096).decode().split("\n"))
        except BlockingIOError:
            return out


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_ready_is_sent_after_the_first_paint_and_only_once(
    qapp: QApplication, qtbot: QtBot, listener: tuple[socket.socket, str]
) -> None:
    """The machine already runs: READY=1 goes with the first painted frame."""
    sock, name = listener
    notifier = SystemdNotifier(name)
    bridge = SystemdBridge(notifier)
    window = QLabel("kiosk")
    qtbot.addWidget(window)
    counter = PaintCounter()
    window.installEventFilter(counter)
    bridge.watch_first_frame(window)
    bridge.machine_started()
    qapp.processEvents()
    assert drain(sock) == [] and bridge.first_frame_s is None  # not shown, not painted
    with qtbot.waitSignal(bridge.readyDidSend, timeout=10_000):
        window.show()
    assert counter.paints >= 1 and bridge.first_frame_s is not None
    assert bridge.ready_s is not None and bridge.ready_s >= bridge.first_frame_s
    assert drain(sock) == [["READY=1", f"STATUS={bridge.ready_status}"]]
    window.update()
    qtbot.waitUntil(lambda: counter.paints >= 2)
    bridge.machine_started()  # again: nothing more
    qapp.processEvents()
    assert drain(sock) == []  # later frames say nothing
    notifier.close()


def test_a_painted_frame_is_not_ready_until_the_machine_runs(
    qapp: QApplication, qtbot: QtBot, listener: tuple[socket.socket, str]
) -> None:
    """The kiosk paints its attract loop before its machine has started: the first frame is
    announced (the benchmark's moment) but READY=1 waits for the machine."""
    sock, name = listener
    notifier = SystemdNotifier(name)
    bridge = SystemdBridge(notifier)
    readies: list[float] = []
    bridge.readyDidSend.connect(readies.append)
    window = QLabel("kiosk")
    qtbot.addWidget(window)
    bridge.watch_first_frame(window)
    with qtbot.waitSignal(bridge.firstFrameDidShow, timeout=10_000):
        window.show()
    qapp.processEvents()
    assert bridge.first_frame_s is not None
    assert drain(sock) == [] and readies == [] and not notifier.ready_sent
    bridge.machine_started()
    assert drain(sock) == [["READY=1", f"STATUS={bridge.ready_status}"]]
    assert readies == [bridge.ready_s] and bridge.ready_s is not None
    assert bridge.ready_s >= bridge.first_frame_s
    notifier.close()


def test_watchdog_pings_at_half_the_timeout_from_the_qt_loop(
    qapp: QApplication, qtbot: QtBot, listener: tuple[socket.socket, str]
) -> None:
    sock, name = listener
    notifier = SystemdNotifier(name, watchdog_usec=200_000)
    bridge = SystemdBridge(notifier)
    bridge.start_watchdog()
    assert drain(sock) == [["WATCHDOG=1"]]  # one at once
    pings: list[list[str]] = []

    def three_pings() -> bool:
        pings.extend(drain(sock))
        return len(pings) >= 3

    qtbot.waitUntil(three_pings, timeout=10_000)
    assert all(p == ["WATCHDOG=1"] for p in pings)
    bridge.stop_watchdog()
    qapp.processEvents()
    drain(sock)
    qtbot.wait(300)  # longer than the interval: a stopped watchdog stays quiet
    assert drain(sock) == []
    notifier.close()


def test_no_watchdog_without_watchdog_usec(
    qapp: QApplication, listener: tuple[socket.socket, str]
) -> None:
    sock, name = listener
    notifier = SystemdNotifier(name)
    SystemdBridge(notifier).start_watchdog()
    assert drain(sock) == []
    notifier.close()


@pytest.mark.parametrize(
    ("available", "size", "factor"),
    [
        ((1920, 1200), (1080, 1920), 69 / 120),  # a laptop: 0.625 x 0.92, in 1/120 steps
        ((1080, 1920), (1080, 1920), 1.0),  # the kiosk's own panel
        ((3840, 2160), (1080, 1920), 1.0),  # large enough
        ((1920, 1080), (1920, 1080), 1.0),  # landscape on a landscape screen
        ((1366, 768), (1920, 1080), 78 / 120),  # 0.711 x 0.92: height-bound
    ],
)
def test_fit_factor(available: tuple[int, int], size: tuple[int, int], factor: float) -> None:
    assert fit_factor(available, size) == factor
    scaled = (size[0] * factor, size[1] * factor)
    assert all(abs(x - round(x)) < 1e-9 for x in scaled)  # whole device pixels
    assert scaled[0] <= available[0] and scaled[1] <= available[1]
