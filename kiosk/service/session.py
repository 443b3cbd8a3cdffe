"""One technician's service session: who is logged in, and when it ends for being idle.

Every service call starts with ``await session.authorize()``: it refuses an ended session,
ends one idle for ``idle_timeout_s`` (15 minutes by default: PCI DSS 8.2.8) — auditing the
logout and telling listeners — and otherwise counts as activity (``touch``). The screen also
calls :meth:`touch` on every tap, and ``ServiceMenu.expire_idle`` from a timer so the menu
closes by itself on an unattended machine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kiosk.service.errors import PinChangeRequiredError, SessionExpiredError
from kiosk.service.events import EndReason

Clock = Callable[[], float]  # wall-clock seconds (time.time); injected in tests
SESSION_IDLE_S = 15 * 60.0


class ServiceSession:
    """Handed out by a successful login; pass it to every ``ServiceMenu`` service call."""

    def __init__(
        self,
        *,
        technician_id: str,
        name: str,
        must_change_pin: bool,
        clock: Clock,
        idle_timeout_s: float,
        end: Callable[[ServiceSession, EndReason], Awaitable[None]],
    ) -> None:
        self.technician_id = technician_id
        self.name = name
        self._clock = clock
        self.idle_timeout_s = idle_timeout_s
        self.started_at = self._last_touch = clock()
        self._must_change_pin = must_change_pin
        self._end = end
        self._ended: EndReason | None = None

    @property
    def must_change_pin(self) -> bool:
        return self._must_change_pin

    @property
    def ended(self) -> EndReason | None:
        """Why the session ended, or None while it is open."""
        return self._ended

    @property
    def idle(self) -> bool:
        return self._clock() - self._last_touch >= self.idle_timeout_s

    @property
    def active(self) -> bool:
        return self._ended is None and not self.idle

    def seconds_left(self) -> float:
        """Seconds until the idle logout (0 once ended)."""
        if self._ended is not None:
            return 0.0
        return max(0.0, self._last_touch + self.idle_timeout_s - self._clock())

    def touch(self) -> None:
        """Activity: push the idle logout back (no effect on an ended or expired session)."""
        if self.active:
            self._last_touch = self._clock()

    async def authorize(self, *, pin_change: bool = False) -> str:
        """The technician id, if this session may act now; else raise (see module doc).
        ``pin_change=True`` is for changing the one-time PIN, the only call allowed before."""
        if self._ended is not None:
            raise SessionExpiredError("session_expired", f"session ended ({self._ended.value})")
        if self.idle:
            await self._end(self, EndReason.IDLE)
            raise SessionExpiredError("session_expired", "session ended after being idle")
        if self._must_change_pin and not pin_change:
            raise PinChangeRequiredError("pin_change_required", "choose a new PIN first")
        self.touch()
        return self.technician_id

    def _pin_changed(self) -> None:
        self._must_change_pin = False

    def _mark_ended(self, reason: EndReason) -> bool:
        """Mark ended; False if it already was (so it is audited once)."""
        if self._ended is not None:
            return False
        self._ended = reason
        return True
