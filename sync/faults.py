"""Crash points for the kill -9 harnesses.

``crash_point("after_commit")`` kills the process with SIGKILL, with the probability given in
the ``PK_CRASH_POINTS`` environment variable (``after_commit=0.05,after_publish=0.05``; a name
before ``:`` covers a family, e.g. ``after_step`` for every ``after_step:<journal step>``), at
the exact places where a crash is most dangerous: between a commit and its publish, between
a publish and its ack, between an ack and its commit. Unset (always, in production) it costs
one dictionary lookup. Random external kills cover every other instant.
"""

from __future__ import annotations

import os
import random
import signal

ENV = "PK_CRASH_POINTS"


def _parse(raw: str) -> dict[str, float]:
    points: dict[str, float] = {}
    for item in raw.split(","):
        name, _, prob = item.strip().partition("=")
        if name:
            try:
                points[name] = float(prob or "1")
            except ValueError:
                continue
    return points


_POINTS = _parse(os.environ.get(ENV, ""))
_rng = random.Random()


def crash_point(name: str) -> None:
    """Die here with SIGKILL if the environment asks for it (test harnesses only)."""
    probability = _POINTS.get(name)
    if probability is None and ":" in name:
        probability = _POINTS.get(name.split(":", 1)[0])  # "after_step" covers every step
    if probability and _rng.random() < probability:
        os.write(2, f"crash point {name}: SIGKILL\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)
