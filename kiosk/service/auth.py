"""Technician login: per-technician PINs, growing delays, lockout, sessions, PIN changes.

Login takes a technician id (not secret: a badge number) and a PIN. Failures are counted
**per machine**, not per technician: whoever is at the screen may not know any id, and
counting per id would let them try 10 PINs on every id they invent. An unknown or revoked id
is checked against a dummy hash with the same cost, so the answer and its timing never reveal
which ids exist.

After the k-th consecutive failure the pad refuses attempts for ``LockoutPolicy.wait_after(k)``
seconds — 0, 1, 2, 4, 8, 16, 32, then 60 s — and after the 10th for 30 minutes. The count is
only reset by a successful login (or the middleware's ``unlock``): once the lockout ends,
every further failure locks for 30 minutes again. An attempt made during a wait is refused
*before* the PIN is looked at — no hash runs, it is not a failure and does not extend the
wait — and answers ``too_soon`` / ``locked`` with the seconds left. The counter and the time
of the last failure are in the service store (fsync'd before the answer), so a restart or a
power cut does not reset them. If the wall clock steps back before the last failure, the wait
restarts from now rather than growing.

Refused attempts are not audited one by one (an attacker hammering the pad must not flood the
outbox and pause sales): their number rides on the next audited login or failure.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace

from kiosk.service.audit import AuditAction, AuditResult, AuditTrail
from kiosk.service.errors import PinRejectedError
from kiosk.service.events import (
    EndReason,
    Notifier,
    PinDidFail,
    ServiceDidLock,
    ServiceDidUnlock,
    SessionDidEnd,
    SessionDidStart,
    TechnicianDidChange,
)
from kiosk.service.pins import DEFAULT_PARAMS, ScryptParams, check_new_pin, hash_pin, verify_pin
from kiosk.service.session import SESSION_IDLE_S, Clock, ServiceSession
from kiosk.service.store import AttemptState, ServiceStore, TechnicianRecord
from sync.errors import LedgerError

log = logging.getLogger(__name__)
TECHNICIAN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_MAX_PIN_INPUT = 32


@dataclass(frozen=True)
class LockoutPolicy:
    delays_s: tuple[float, ...] = (0, 1, 2, 4, 8, 16, 32, 60)
    max_failures: int = 10
    lockout_s: float = 30 * 60.0

    def wait_after(self, failures: int) -> float:
        """Seconds the pad stays shut after ``failures`` consecutive failures."""
        if failures <= 0:
            return 0.0
        if failures >= self.max_failures:
            return self.lockout_s
        return float(self.delays_s[min(failures, len(self.delays_s)) - 1])


class LoginStatus(enum.Enum):
    OK = "ok"
    PIN_CHANGE_REQUIRED = "pin_change_required"  # logged in with a one-time PIN
    WRONG_PIN = "wrong_pin"  # also for an unknown id: the screen cannot tell them apart
    TOO_SOON = "too_soon"  # refused unchecked: wait ``retry_after_s``
    LOCKED = "locked"  # 10 failures: refused unchecked for ``retry_after_s``
    NOT_ENROLLED = "not_enrolled"  # no technician yet: enrol one (provisioning/middleware)


@dataclass(frozen=True)
class LoginResult:
    status: LoginStatus
    session: ServiceSession | None = None
    retry_after_s: float = 0.0
    failures: int = 0
    attempts_left: int = 0  # failures still allowed before the lockout

    @property
    def key(self) -> str:
        """The message key for the PIN pad."""
        return self.status.value


@dataclass(frozen=True)
class PinGate:
    """What the PIN pad shows before anyone types: can a PIN be checked now?"""

    failures: int
    retry_after_s: float
    locked: bool


class Authenticator:
    def __init__(
        self,
        *,
        store: ServiceStore,
        audit: AuditTrail,
        notifier: Notifier,
        clock: Clock,
        policy: LockoutPolicy | None = None,
        params: ScryptParams = DEFAULT_PARAMS,
        idle_timeout_s: float = SESSION_IDLE_S,
    ) -> None:
        self.store = store
        self.audit = audit
        self.notifier = notifier
        self.clock = clock
        self.policy = policy or LockoutPolicy()
        self.params = params
        self.idle_timeout_s = idle_timeout_s
        self._state = AttemptState()
        self._refused = 0  # attempts refused unchecked since the last audited one
        self._dummy = ""
        self._lock = asyncio.Lock()
        self._session: ServiceSession | None = None

    async def start(self) -> None:
        self._state = await self.store.call(self.store.attempts)
        self._dummy = await self.store.call(hash_pin, secrets.token_hex(8), self.params)

    @property
    def session(self) -> ServiceSession | None:
        """The open session, if any (None once it ended)."""
        s = self._session
        return s if s is not None and s.ended is None else None

    def _wait_left(self, now: float) -> float:
        s = self._state
        if s.failures == 0 or s.last_failure_at is None:
            return 0.0
        since = max(0.0, now - s.last_failure_at)  # a clock stepped back restarts the wait
        return max(0.0, self.policy.wait_after(s.failures) - since)

    def gate(self) -> PinGate:
        failures = self._state.failures
        left = self._wait_left(self.clock())
        return PinGate(failures, left, left > 0 and failures >= self.policy.max_failures)

    async def login(self, technician_id: str, pin: str) -> LoginResult:
        async with self._lock:
            now = self.clock()
            state = self._state
            if state.last_failure_at is not None and now < state.last_failure_at:
                self._state = replace(state, last_failure_at=now)
                await self.store.call(self.store.put_attempts, self._state)
            left = self._wait_left(now)
            if left > 0:
                self._refused += 1
                locked = state.failures >= self.policy.max_failures
                status = LoginStatus.LOCKED if locked else LoginStatus.TOO_SOON
                return LoginResult(status, retry_after_s=left, failures=state.failures)
            if await self.store.call(self.store.active_count) == 0:
                return LoginResult(LoginStatus.NOT_ENROLLED)
            record = None
            if isinstance(technician_id, str) and TECHNICIAN_ID_RE.fullmatch(technician_id):
                record = await self.store.call(self.store.technician, technician_id)
            usable = record is not None and record.active
            ok = await self._check(pin, record.pin_hash if record and usable else self._dummy)
            if not ok or record is None or not usable:
                return await self._failed(technician_id, now)
            return await self._succeeded(record)

    async def _check(self, pin: str, stored: str) -> bool:
        if not isinstance(pin, str) or len(pin) > _MAX_PIN_INPUT:
            pin = ""
        try:
            return await self.store.call(verify_pin, pin, stored)
        except ValueError as exc:
            log.error("a stored PIN hash is unusable: %s", exc)
            return False

    async def _failed(self, technician_id: str, now: float) -> LoginResult:
        failures = self._state.failures + 1
        self._state = AttemptState(failures, now)
        await self.store.call(self.store.put_attempts, self._state)  # durable before answering
        wait = self.policy.wait_after(failures)
        locked = failures >= self.policy.max_failures
        claimed = technician_id if TECHNICIAN_ID_RE.fullmatch(str(technician_id)) else "?"
        details = {"failures": failures, "retry_after_s": wait, "refused_attempts": self._refused}
        self._refused = 0
        await self._audit(AuditAction.LOGIN_FAILED, claimed, AuditResult.FAILED, details)
        if locked:
            if self._session is not None:
                await self.end(self._session, EndReason.LOGOUT)
            await self._audit(AuditAction.LOCKOUT, None, AuditResult.OK, details)
            self.notifier.emit(ServiceDidLock(wait))
        else:
            self.notifier.emit(PinDidFail(failures, wait))
        return LoginResult(
            LoginStatus.LOCKED if locked else LoginStatus.WRONG_PIN,
            retry_after_s=wait,
            failures=failures,
            attempts_left=max(0, self.policy.max_failures - failures),
        )

    async def _succeeded(self, record: TechnicianRecord) -> LoginResult:
        previous = self._state.failures
        if previous:
            self._state = AttemptState()
            await self.store.call(self.store.put_attempts, self._state)
        if self._session is not None:
            await self.end(self._session, EndReason.REPLACED)
        session = ServiceSession(
            technician_id=record.id,
            name=record.name,
            must_change_pin=record.must_change,
            clock=self.clock,
            idle_timeout_s=self.idle_timeout_s,
            end=self.end,
        )
        self._session = session
        details = {
            "must_change_pin": record.must_change,
            "previous_failures": previous,
            "refused_attempts": self._refused,
        }
        self._refused = 0
        await self._audit(AuditAction.LOGIN, record.id, AuditResult.OK, details)
        self.notifier.emit(SessionDidStart(record.id, record.name, record.must_change))
        status = LoginStatus.PIN_CHANGE_REQUIRED if record.must_change else LoginStatus.OK
        return LoginResult(status, session=session, attempts_left=self.policy.max_failures)

    async def end(self, session: ServiceSession, reason: EndReason) -> None:
        """End ``session`` (logout, idle, replaced, revoked): audited and announced once."""
        if not session._mark_ended(reason):
            return
        if self._session is session:
            self._session = None
        held = round(self.clock() - session.started_at, 1)
        details = {"reason": reason.value, "duration_s": held}
        await self._audit(AuditAction.LOGOUT, session.technician_id, AuditResult.OK, details)
        self.notifier.emit(SessionDidEnd(session.technician_id, reason))

    async def expire_idle(self) -> bool:
        """End the open session if it is idle; True if one ended (call from a UI timer)."""
        session = self._session
        if session is not None and session.ended is None and session.idle:
            await self.end(session, EndReason.IDLE)
            return True
        return False

    async def change_pin(self, session: ServiceSession, current_pin: str, new_pin: str) -> None:
        """The technician replaces their PIN (required after a one-time PIN). A wrong current
        PIN counts as a failed attempt, like at the login pad."""
        tech = await session.authorize(pin_change=True)
        try:
            check_new_pin(new_pin)
            if new_pin == current_pin:
                raise PinRejectedError("pin_unchanged", "the new PIN must differ from the old")
        except PinRejectedError as exc:
            await self.audit.refused(AuditAction.PIN_CHANGED, technician_id=tech, key=exc.key)
            raise
        async with self._lock:
            if self._wait_left(self.clock()) > 0:
                raise PinRejectedError("too_soon", "wait before trying a PIN again")
            record = await self.store.call(self.store.technician, tech)
            if record is None or not await self._check(current_pin, record.pin_hash):
                await self._failed(tech, self.clock())
                raise PinRejectedError("pin_wrong", "the current PIN is wrong")
            pin_hash = await self.store.call(hash_pin, new_pin, self.params)
            updated = replace(record, pin_hash=pin_hash, must_change=False, updated_at=self.clock())
            await self.store.call(self.store.put_technician, updated)
        session._pin_changed()
        await self._audit(AuditAction.PIN_CHANGED, tech, AuditResult.OK, {})
        self.notifier.emit(TechnicianDidChange(tech, "pin_changed", "menu"))

    async def clear_lockout(self, source: str) -> None:
        """Reset the failure counter (the middleware's ``unlock`` message)."""
        async with self._lock:
            previous = self._state.failures
            self._state = AttemptState()
            await self.store.call(self.store.put_attempts, self._state)
        details = {"source": source, "previous_failures": previous}
        await self._audit(AuditAction.LOCKOUT_CLEARED, None, AuditResult.OK, details)
        self.notifier.emit(ServiceDidUnlock())

    async def end_sessions_of(self, technician_id: str, reason: EndReason) -> None:
        session = self._session
        if session is not None and session.technician_id == technician_id:
            await self.end(session, reason)

    async def _audit(
        self,
        action: AuditAction,
        tech: str | None,
        result: AuditResult,
        details: Mapping[str, object],
    ) -> None:
        try:
            await self.audit.record(action, technician_id=tech, result=result, details=details)
        except LedgerError as exc:  # the PIN counter is already durable; never hide its answer
            log.error("could not audit %s: %s", action.value, exc)
