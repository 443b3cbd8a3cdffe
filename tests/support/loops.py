"""Installing a test's own event loop (a qasync loop over the QApplication) without orphaning
the one the asyncio policy already holds: ``asyncio.set_event_loop`` drops the previous loop
unclosed, and its garbage collection later fails an unrelated test with "unclosed event loop"
(warnings are errors here)."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def install_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Make ``loop`` the current loop, closing the policy's previous idle loop first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            previous = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            previous = None
    if previous is not None and previous is not loop:
        idle = not previous.is_running() and not previous.is_closed()
        if idle:
            previous.close()
    asyncio.set_event_loop(loop)


def run_on_qasync(app: object, coro: Coroutine[Any, Any, T], timeout_s: float = 120) -> T:
    """Run ``coro`` to its end (at most ``timeout_s``) on a new qasync loop over the
    QApplication ``app``, then close the loop: the kiosk's own loop, in a test."""
    import qasync  # after PySide6 (the caller's app): qasync picks the binding already loaded

    loop = qasync.QEventLoop(app)
    install_loop(loop)
    try:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout_s))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
