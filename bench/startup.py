"""Benchmark: process start to the first painted attract frame of ``perfume-kiosk run --demo
--windowed``, vs a bare PySide6 window process, in the same run.

- **kiosk**: ``.venv/bin/perfume-kiosk run --demo --windowed --data-dir D`` with the offscreen
  Qt platform, as a user starts it. Timed from ``Popen`` to the ``{"kiosk": "first-frame",
  ...}`` line on its stdout, which the kiosk prints when the attract loop's first paint event
  has run (``kiosk.ui.systemd.SystemdBridge``, one turn of the loop after the paint): the
  moment issue #5 asks about, "process start to first painted attract frame". The kiosk paints
  the attract loop first and starts its machine behind it (demo services: Mosquitto, sandbox
  gateway, middleware; every device on its simulator; recovery; the other screens), so the
  bench then waits for the ``{"kiosk": "ready", ...}`` line too (printed as READY=1 goes to
  systemd: the machine runs and the shopper can buy) and reports that time beside the
  headline, not in the ratio. Then SIGTERM; the next process starts only after this one has
  exited (it stops its Mosquitto). The kiosk's own ``firstFrameS`` (from ``run``'s start,
  after the interpreter and the command's imports) is reported too.
- **bare** (the baseline): a ``python -c`` script that imports PySide6, makes a
  ``QApplication`` and a 1080 x 1920 ``QWidget``, shows it and prints a line at the same
  moment (after its first paint event, one turn of the loop later).

The project's modules are byte-compiled first (``compileall``), as an installed kiosk has
them. The data dir is reused, as on a machine that restarts (one untimed warm-up start creates
the ledger, the middleware database and the stock first; that cold start is reported too). Runs
alternate kiosk/bare, the order swapped every other pair; the headline ratio is the median of
the per-pair ratios. Target (issue #5): <= 2.5. Prints human-readable lines, then one JSON
line; exit code 0 whether or not the target is met.

Run: ``.venv/bin/python bench/startup.py [--quick]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _support import emit, install_signal_cleanup, machine, median, spread

TARGET = 2.5
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parents[1]

BARE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, ready)
        return False

def ready():
    print('{"bare": "ready"}', flush=True)
    app.quit()

app = QApplication(sys.argv[:1])
window = QWidget()
window.resize(1080, 1920)
first = FirstPaint()
window.installEventFilter(first)
window.show()
app.exec()
"""


def kiosk_command(data_dir: Path) -> list[str]:
    script = Path(sys.executable).with_name("perfume-kiosk")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "kiosk.cli"]
    return [*head, "run", "--demo", "--windowed", "--data-dir", str(data_dir)]


def _env() -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        env.pop(key, None)
    return env


def time_to_lines(
    command: list[str], markers: list[str], *, stop: bool, stderr_path: Path
) -> list[tuple[float, dict[str, Any]]]:
    """Seconds from spawning ``command`` to the first stdout line holding each of ``markers``
    in turn, and that line (parsed as JSON); then SIGTERM if ``stop`` and wait for the exit
    (status 0 expected)."""
    with stderr_path.open("ab") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=err, text=True
        )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for text in proc.stdout:
            lines.put(text)
        lines.put(None)  # end of output: the process exited

    threading.Thread(target=read, name="stdout-reader", daemon=True).start()
    try:
        deadline = began + READY_TIMEOUT_S
        found: list[tuple[float, dict[str, Any]]] = []
        for marker in markers:
            while True:
                try:
                    line = lines.get(timeout=max(0.0, deadline - time.perf_counter()))
                except queue.Empty:
                    raise RuntimeError(f"no {marker} line within {READY_TIMEOUT_S:g} s") from None
                if line is None:
                    raise RuntimeError(
                        f"{command[0]} exited ({proc.wait()}) before its {marker} line;"
                        f" see {stderr_path}"
                    )
                if marker in line:
                    found.append((time.perf_counter() - began, json.loads(line)))
                    break
        if stop:
            proc.send_signal(signal.SIGTERM)
        status = proc.wait(STOP_TIMEOUT_S)
        if status != 0:
            raise RuntimeError(f"{command[0]} exited with {status}; see {stderr_path}")
        return found
    finally:
        if proc.poll() is None:  # a failure above: stop it, and its broker, in order
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(STOP_TIMEOUT_S)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def compile_sources() -> None:
    """Byte-compile the project's modules, as a pip-installed kiosk has them (the OS image's
    root is read-only: it never compiles at start). Where PYTHONDONTWRITEBYTECODE is set, as
    on this project's machines, an editable install has no .pyc files otherwise, and every
    start would compile each module it imports (tens of milliseconds the bare window, whose
    PySide6 is compiled, does not pay)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "kiosk", "hardware", "sync"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run(reps: int, *, compiled: bool = True) -> dict[str, Any]:
    if compiled:
        compile_sources()
    with tempfile.TemporaryDirectory(prefix="pk-bench-startup-") as tmp:
        root = Path(tmp)
        data_dir, log = root / "demo", root / "stderr.txt"
        kiosk = kiosk_command(data_dir)
        bare = [sys.executable, "-c", BARE]

        def run_kiosk() -> tuple[tuple[float, dict[str, Any]], tuple[float, dict[str, Any]]]:
            """Spawn to the first frame and to READY, each with its stdout line."""
            frame, ready = time_to_lines(
                kiosk, ['"kiosk": "first-frame"', '"kiosk": "ready"'], stop=True, stderr_path=log
            )
            return frame, ready

        def run_bare() -> float:
            return time_to_lines(bare, ['"bare": "ready"'], stop=False, stderr_path=log)[0][0]

        try:
            (cold_s, cold), (cold_ready_s, cold_ready) = run_kiosk()  # new data dir: apart
            run_bare()  # warms the page cache for PySide6 as the kiosk's run did
            print(
                f"cold start (new data dir): {cold_s:.2f} s to the first frame"
                f" (kiosk's own firstFrameS {cold['firstFrameS']:.2f} s),"
                f" {cold_ready_s:.2f} s to READY",
                flush=True,
            )
            kiosk_s: list[float] = []
            own_s: list[float] = []
            ready_s: list[float] = []
            bare_s: list[float] = []
            ratios: list[float] = []
            for r in range(reps):
                order = ("kiosk", "bare") if r % 2 == 0 else ("bare", "kiosk")
                for side in order:
                    if side == "kiosk":
                        (took, report), (ready, _) = run_kiosk()
                        kiosk_s.append(took)
                        own_s.append(float(report["firstFrameS"]))
                        ready_s.append(ready)
                    else:
                        bare_s.append(run_bare())
                ratios.append(kiosk_s[-1] / bare_s[-1])
                print(
                    f"pair {r + 1:2d}/{reps}: kiosk {kiosk_s[-1]:.2f} s (own {own_s[-1]:.2f} s,"
                    f" READY {ready_s[-1]:.2f} s)  bare {bare_s[-1]:.2f} s"
                    f"  ratio {ratios[-1]:.2f}",
                    flush=True,
                )
        except BaseException:
            sys.stderr.write(log.read_text(errors="replace")[-4000:] if log.exists() else "")
            raise
    ratio = median(ratios)
    k, b, own, ready = median(kiosk_s), median(bare_s), median(own_s), median(ready_s)
    print()
    print(f"kiosk to first attract frame: median {k:.2f} s ({spread_s(kiosk_s)})")
    print(f"  of which the kiosk's own firstFrameS: median {own:.2f} s ({spread_s(own_s)})")
    print(f"kiosk to READY (machine up):  median {ready:.2f} s ({spread_s(ready_s)})")
    print(f"bare PySide6 window:          median {b:.2f} s ({spread_s(bare_s)})")
    print(f"ratio kiosk/bare: median of pairs {ratio:.2f} (target <= {TARGET})")
    return {
        "benchmark": "startup",
        "reps": reps,
        "compiled": compiled,
        "kiosk_s": round(k, 3),
        "kiosk_first_frame_s": round(own, 3),
        "kiosk_before_main_s": round(k - own, 3),
        "kiosk_ready_s": round(ready, 3),
        "bare_s": round(b, 3),
        "cold_kiosk_s": round(cold_s, 3),
        "cold_ready_s": round(cold_ready_s, 3),
        "cold_first_frame_s": round(float(cold["firstFrameS"]), 3),
        "online": bool(cold_ready.get("online")),
        "ratio": round(ratio, 3),
        "ratio_of_medians": round(k / b, 3),
        "ratio_pairs_min": round(min(ratios), 3),
        "ratio_pairs_max": round(max(ratios), 3),
        "target": TARGET,
        "pass": ratio <= TARGET,
        "machine": machine(),
    }


def spread_s(values: list[float]) -> str:
    return spread([v * 1000 for v in values]).replace(",", "") + " ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="2 pairs")
    parser.add_argument("--reps", type=int, default=None, help="pairs (default 7)")
    parser.add_argument(
        "--no-compile",
        action="store_true",
        help="do not byte-compile the project first (its .pyc files may be missing or stale)",
    )
    args = parser.parse_args()
    install_signal_cleanup()
    reps = args.reps or (2 if args.quick else 7)
    print(
        f"startup: {reps} alternating pairs of `perfume-kiosk run --demo --windowed` and a bare"
        " PySide6 window, spawn to first painted frame (offscreen)",
        flush=True,
    )
    emit(run(reps, compiled=not args.no_compile))


if __name__ == "__main__":
    main()
