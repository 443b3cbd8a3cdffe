"""The service audit trail: every login, failed PIN, lockout, action and result is an ``AUDIT``
ledger event, so it reaches the middleware through the sync engine like a sale does.

An audit event's ``data`` says who (``technician_id``: the id typed or logged in, None for
machine-initiated entries such as a middleware enrolment), what (``action``), the ``result``
(``ok``, ``failed``, ``refused``, ``started``) and action-specific details; *when* is the
event's own ``ts`` and its place in the stream is its ``seq``. PINs never appear in it.
Actions that move stock commit their ``RESTOCK`` / ``ADJUSTMENT`` / ``TEST_VEND`` event and
the audit event in one ledger transaction (:meth:`AuditTrail.record_with`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sync.engine import SyncEngine
from sync.errors import LedgerError
from sync.ledger import EventDraft
from sync.protocol import Event, EventType

log = logging.getLogger(__name__)


class AuditAction(enum.Enum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    LOCKOUT_CLEARED = "lockout_cleared"
    LOGOUT = "logout"
    PIN_CHANGED = "pin_changed"
    TECHNICIAN_ENROLLED = "technician_enrolled"
    TECHNICIAN_REVOKED = "technician_revoked"
    PROVISIONING_IGNORED = "provisioning_ignored"
    REFILL = "refill"
    ADJUSTMENT = "adjustment"
    TEST_SPRAY = "test_spray"
    TEST_DROP = "test_drop"
    CALIBRATION = "calibration"
    REFUND = "refund"
    VOID = "void"
    REVIEW_RESOLVED = "review_resolved"
    MAINTENANCE = "maintenance"
    RESTART = "restart"
    EXPORT = "export"


class AuditResult(enum.Enum):
    OK = "ok"
    FAILED = "failed"  # tried and did not work (wrong PIN, jammed test spray)
    REFUSED = "refused"  # not attempted: the rules said no (bad quantity, not refundable)
    STARTED = "started"  # recorded before a side effect whose outcome follows


def audit_draft(
    action: AuditAction,
    *,
    technician_id: str | None,
    result: AuditResult = AuditResult.OK,
    details: Mapping[str, Any] | None = None,
    stamp_seq: str | None = None,
) -> EventDraft:
    data: dict[str, Any] = dict(details or {})
    data.update(action=action.value, technician_id=technician_id, result=result.value)
    return EventDraft(EventType.AUDIT, data=data, stamp_seq=stamp_seq)


class AuditTrail:
    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine

    async def record(
        self,
        action: AuditAction,
        *,
        technician_id: str | None,
        result: AuditResult = AuditResult.OK,
        details: Mapping[str, Any] | None = None,
        stamp_seq: str | None = None,
    ) -> Event:
        draft = audit_draft(
            action,
            technician_id=technician_id,
            result=result,
            details=details,
            stamp_seq=stamp_seq,
        )
        return await self.engine.record(draft)

    async def record_with(
        self,
        drafts: Sequence[EventDraft],
        action: AuditAction,
        *,
        technician_id: str | None,
        result: AuditResult = AuditResult.OK,
        details: Mapping[str, Any] | None = None,
    ) -> list[Event]:
        """Commit ``drafts`` and their audit event in one ledger transaction (all or none)."""
        audit = audit_draft(action, technician_id=technician_id, result=result, details=details)
        return await self.engine.record_many([*drafts, audit])

    async def refused(
        self,
        action: AuditAction,
        *,
        technician_id: str | None,
        key: str,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a refusal (``reason`` = the message key shown); never raises, so the
        caller's own error reaches the screen even if the ledger cannot write."""
        try:
            await self.record(
                action,
                technician_id=technician_id,
                result=AuditResult.REFUSED,
                details={**(details or {}), "reason": key},
            )
        except LedgerError as exc:
            log.error("could not audit a refused %s: %s", action.value, exc)
