"""Scheduling priority of our background threads: Linux applies ``nice`` per thread.

Why: on the kiosk the Qt/asyncio loop thread draws the screen, while the ledger thread (SQLite
commits, fsync) and the MQTT network thread work in the background. On a small machine
(2 cores, other services running) they compete with the loop thread for a CPU, and whenever
the loop thread is left *runnable* the screen stalls (``bench/ui_responsiveness.py`` measures
how long). A thread at nice +5 weighs about a third of a nice-0 thread in the kernel's fair
scheduler (335 against 1024), so the loop thread wins a contended CPU while background work
still runs at full speed on a free one. The sync engine lowers its own threads
(:attr:`sync.engine.EngineConfig.background_nice`); nothing else needs to know.

Offers :func:`lower_thread_priority`, to be called *on* the thread to lower (``initializer``
of a :class:`~concurrent.futures.ThreadPoolExecutor`, or the first line of a thread's target).
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

MAX_NICE = 19


def lower_thread_priority(nice: int) -> int | None:
    """Make the calling thread ``nice`` steps nicer than it is (0 or less: leave it); returns
    the thread's nice value now, or None where per-thread priority is not available. Never
    raises: a background thread at normal priority is slower for the screen, not wrong."""
    if nice <= 0:
        return None
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        target = min(MAX_NICE, current + nice)
        os.setpriority(os.PRIO_PROCESS, tid, target)
    except (AttributeError, OSError) as exc:  # not Linux, or a sandbox that forbids it
        log.debug("thread %s keeps its priority: %s", threading.current_thread().name, exc)
        return None
    return target
