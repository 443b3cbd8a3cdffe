"""Polling helpers that never assert on wall-clock speed, only on eventual conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def until(cond: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Yield to the loop until ``cond()`` is truthy; fail after a generous ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
