"""Measuring instruments of the kiosk UI benchmarks: the Qt loop's stall probe (timer
lateness, each stall split into time on a CPU, runnable and asleep), a frame watch (when the
window repainted, which screen was shown when), a stall tracer (diagnosis), CPU time per
thread, RSS, and Qt's messages routed to logging.

Importing this module first sets the offscreen Qt platform and a scale factor of 1 (the
kiosk's 1080 x 1920 pixels), before any Qt application exists.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import statistics
import threading
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The kiosk's own pixels: 1080 x 1920 at scale 1, as on its panel (windowed on a small
# desktop, ``make_application`` would scale the window down and paint ~1/7 of the pixels).
os.environ.setdefault("QT_SCALE_FACTOR", "1")

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QWidget

from kiosk.ui.viewmodel import JourneyViewModel


def route_qt_messages() -> None:
    """Qt's own messages to logging (logger ``qt``), as ``kiosk.app.run_app`` does, instead
    of stderr (the offscreen platform warns about size hints at every window shown)."""
    log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        log.log(levels.get(kind, logging.ERROR), "%s", message)

    qInstallMessageHandler(handler)


# -- measuring ------------------------------------------------------------------------------------
class StallProbe(QObject):
    """A precise ``QTimer`` ticking every ``interval_ms`` on the Qt loop; each tick records how
    late it came (the gap since the previous tick minus the interval). A loop that is busy
    for 40 ms shows up as one tick ~36 ms late: Qt does not fire the ticks it missed.

    For each tick over 16 ms late it also splits the gap with the kernel's accounting of the
    main thread (``/proc/self/task/<tid>/schedstat``): time on a CPU (work on the loop: our
    code, Qt's painting), time runnable but waiting for a CPU (the machine busy with other
    threads and processes), and the rest, asleep (waiting for the GIL or another lock)."""

    def __init__(self, interval_ms: int = 4) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.lateness_ms: list[float] = []
        # (when the late tick was due, lateness ms, then the gap's ms on a CPU, runnable)
        self.late: list[tuple[float, float, float, float]] = []
        self._last = 0.0
        self._last_sched = (0, 0)
        self._schedstat = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", 0)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self.lateness_ms = []
        self.late = []
        self._last = time.perf_counter()
        self._last_sched = self._sched()
        self._timer.start()

    def stop(self) -> list[float]:
        self._timer.stop()
        return self.lateness_ms

    def _on_timer_timeout(self) -> None:
        now, sched = time.perf_counter(), self._sched()
        late = max(0.0, (now - self._last) * 1000.0 - self.interval_ms)
        self.lateness_ms.append(late)
        if late > 16.0:
            due = self._last + self.interval_ms / 1000.0
            on_cpu = (sched[0] - self._last_sched[0]) / 1e6
            runnable = (sched[1] - self._last_sched[1]) / 1e6
            self.late.append((due, late, on_cpu, runnable))
        self._last, self._last_sched = now, sched

    def _sched(self) -> tuple[int, int]:
        on_cpu, runnable, _slices = os.pread(self._schedstat, 128, 0).split()
        return int(on_cpu), int(runnable)

    def breakdown(self) -> dict[str, Any]:
        """The stalls over 16 ms, their time split into on a CPU / runnable (waiting for a
        CPU) / asleep (GIL, locks), summed; how many each part dominated; the worst of each."""
        parts: dict[str, list[float]] = {"on_cpu": [], "runnable": [], "asleep": []}
        for _due, late, on_cpu, runnable in self.late:
            gap = late + self.interval_ms
            parts["on_cpu"].append(on_cpu)
            parts["runnable"].append(runnable)
            parts["asleep"].append(max(0.0, gap - on_cpu - runnable))
        dominant = {k: 0 for k in parts}
        worst = {k: 0.0 for k in parts}
        for i, (_due, late, _c, _r) in enumerate(self.late):
            key = max(parts, key=lambda k: parts[k][i])
            dominant[key] += 1
            worst[key] = max(worst[key], late)
        return {
            "stalls": len(self.late),
            "ms": {k: round(sum(v), 1) for k, v in parts.items()},
            "dominated_by": dominant,
            "worst_ms": {k: round(v, 1) for k, v in worst.items()},
        }


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0..100), nearest-rank on the sorted sample."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def stalls_by_screen(probe: StallProbe, frames: FrameWatch) -> dict[str, dict[str, float]]:
    """The late ticks (> 16 ms) by the screen shown when each stall began: count, worst."""
    out: dict[str, dict[str, float]] = {}
    for due, late, cpu, _runnable in probe.late:
        row = out.setdefault(
            frames.screen_at(due), {"over_16ms": 0, "max_ms": 0.0, "max_cpu_ms": 0.0}
        )
        row["over_16ms"] += 1
        row["max_ms"] = round(max(row["max_ms"], late), 1)
        row["max_cpu_ms"] = round(max(row["max_cpu_ms"], cpu), 1)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["max_ms"]))


def lateness_summary(values: list[float]) -> dict[str, Any]:
    return {
        "ticks": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(max(values), 2) if values else float("nan"),
        "mean_ms": round(statistics.fmean(values), 2) if values else float("nan"),
        "over_16ms": sum(1 for v in values if v > 16.0),
        "over_50ms": sum(1 for v in values if v > 50.0),
    }


def thread_cpu_s() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each thread of this process, by name:
    Python's thread names where it knows the thread (``MainThread``, ``ledger_0``,
    ``mw-db_0``...), the kernel's otherwise (Qt's pool threads); same names are summed."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat", encoding="ascii", errors="replace") as f:
                head, rest = f.read().rsplit(")", 1)
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        fields = rest.split()
        name = names.get(int(task)) or head.split("(", 1)[1]
        name = name.rstrip("0123456789").rstrip("_-") or name  # ledger_0 -> ledger
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_since(before: dict[str, float]) -> dict[str, float]:
    now = thread_cpu_s()
    used = {k: round(v - before.get(k, 0.0), 2) for k, v in now.items()}
    return dict(sorted(((k, v) for k, v in used.items() if v > 0), key=lambda kv: -kv[1]))


def process_cpu_s(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system, all threads) used so far by each named process; a
    process that has gone is left out."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        out[name] = (int(fields[11]) + int(fields[12])) / tick
    return out


def rss_mb() -> float:
    """Resident set size of this process now (Linux ``/proc``), in MB (10^6 bytes)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


class FrameWatch(QObject):
    """Resolves :meth:`next_frame` when the window has repainted (its ``UpdateRequest`` ran,
    which paints and flushes the backing store), or after ``timeout_s`` if nothing changed.
    Also keeps which screen was shown since when (``screens``) and how long each frame took
    from its ``UpdateRequest`` to the next turn of the loop (``frame_ms``)."""

    def __init__(self, window: QWidget, vm: JourneyViewModel, *, record: bool = True) -> None:
        super().__init__()
        self._waiters: list[asyncio.Future[None]] = []
        self.frames = 0
        self.timeouts = 0
        self.record = record  # off for the memory benchmark: the lists would grow
        self.frame_ms: list[float] = []
        self.screens: list[tuple[float, str]] = [(time.perf_counter(), vm.view.screen.value)]
        self._painting_since: float | None = None
        vm.viewChanged.connect(self._on_vm_view_changed)
        window.installEventFilter(self)

    def _on_vm_view_changed(self, view: Any) -> None:
        if self.record and view.screen.value != self.screens[-1][1]:
            self.screens.append((time.perf_counter(), view.screen.value))

    def screen_at(self, when: float) -> str:
        shown = self.screens[0][1]
        for since, screen in self.screens:
            if since > when:
                break
            shown = screen
        return shown

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest:
            self.frames += 1
            if self._painting_since is None:
                self._painting_since = time.perf_counter()
            QTimer.singleShot(0, self._release)  # after the paint of this request
        return False

    def _release(self) -> None:
        if self._painting_since is not None and self.record:
            self.frame_ms.append((time.perf_counter() - self._painting_since) * 1000.0)
        self._painting_since = None
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def next_frame(self, timeout_s: float = 1.0) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout_s):
                await waiter
        except TimeoutError:
            self.timeouts += 1


# -- the kiosk and its outside world --------------------------------------------------------------


class StallTracer:
    """Diagnosis (``--trace-stalls``): a thread that, while the probe is running and its last
    tick is more than ``threshold_ms`` ago, samples the main thread's stack every ms and counts
    where it stands. The main thread's position during a stall: what runs or waits there."""

    def __init__(self, probe: StallProbe, threshold_ms: float = 12.0) -> None:
        import sys

        self.probe = probe
        self.threshold_s = threshold_ms / 1000.0
        self.stacks: dict[str, int] = {}
        self._main = threading.main_thread().ident or 0
        self._stat = f"/proc/self/task/{threading.main_thread().native_id}/stat"
        self._frames = sys._current_frames
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-tracer", daemon=True)

    def start(self) -> StallTracer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            if not self.probe._timer.isActive():
                continue
            if time.perf_counter() - self.probe._last < self.threshold_s:
                continue
            frame = self._frames().get(self._main)
            with open(self._stat, encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parts: list[str] = [f"[{fields[0]}]"]  # R running or runnable, S sleeping (GIL, poll)
            while frame is not None and len(parts) < 15:
                code = frame.f_code
                name = code.co_filename.rsplit("/", 2)
                parts.append(f"{'/'.join(name[-2:])}:{frame.f_lineno}:{code.co_name}")
                frame = frame.f_back
            key = " < ".join(parts)
            self.stacks[key] = self.stacks.get(key, 0) + 1

    def report(self, top: int = 25) -> str:
        total = sum(self.stacks.values()) or 1
        lines = [f"stall samples: {total}"]
        for key, n in sorted(self.stacks.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"{n:5d} {100 * n / total:5.1f}%  {key}")
        return "\n".join(lines)
