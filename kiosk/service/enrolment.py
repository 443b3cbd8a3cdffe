"""Enrolling technicians: there is no default PIN, so a fresh machine gets its first technician
from a provisioning file or from the middleware.

**Message** (the same JSON object for both sources; see docs/service.md)::

    {"v": 1, "action": "enrol", "technicianId": "t-0042", "name": "Alex Martin",
     "pinHash": "$scrypt$ln=14,r=8,p=1$...$..."}          # or "oneTimePin": "583920"
    {"v": 1, "action": "revoke", "technicianId": "t-0042"}
    {"v": 1, "action": "unlock"}                           # clear a PIN lockout

``pinHash`` is a PIN hashed elsewhere (``kiosk.service.pins.hash_pin``, or passlib's scrypt);
``oneTimePin`` (6-12 digits, the PIN rules apply) is hashed here and must be changed at the
first login. Exactly one of the two is given.

**Provisioning file** (``ServiceConfig.provisioning_file``, e.g.
``/data/perfume-kiosk/config/technician-enrolment.json``): one ``enrol`` object. It is read
at start only while no technician is enrolled; then (used or not) its bytes are overwritten
and it is deleted, since it may hold a one-time PIN.

**Middleware**: ``P/mw/{deviceId}/service-enrol`` (QoS 1), routed by
``SyncEngine.add_message_handler("service-enrol", ...)``. The engine routes on the topic's
*last* level, hence one level and a dash, like ``snapshot-request``. Authenticity comes from
the broker: with mutual TLS only the middleware may publish under ``P/mw/{id}/#`` (the device's
ACL lets it subscribe there, never publish). Enrol replaces an existing technician's name and
PIN; revoke ends their open session. A malformed message is logged, audited and dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.service.audit import AuditAction, AuditResult, AuditTrail
from kiosk.service.auth import TECHNICIAN_ID_RE, Authenticator
from kiosk.service.errors import EnrolmentError, PinRejectedError
from kiosk.service.events import EndReason, Notifier, TechnicianDidChange
from kiosk.service.pins import PinHash, check_new_pin, hash_pin
from kiosk.service.store import ServiceStore, TechnicianRecord
from sync.errors import LedgerError

log = logging.getLogger(__name__)
ENROL_LEAF = "service-enrol"
MAX_MESSAGE_BYTES = 4096


@dataclass(frozen=True)
class EnrolmentRequest:
    action: str  # enrol, revoke, unlock
    technician_id: str | None = None
    name: str | None = None
    pin_hash: str | None = None
    one_time_pin: str | None = None


def _text(obj: Mapping[str, Any], key: str, max_len: int) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise EnrolmentError("enrolment_invalid", f"{key!r} must be a string of 1-{max_len}")
    return value.strip()


def parse_request(raw: bytes | str, *, default_action: str | None = None) -> EnrolmentRequest:
    """Check one enrolment message; :class:`EnrolmentError` (key ``enrolment_invalid``,
    or a PIN rule's key) with one sentence otherwise."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise EnrolmentError("enrolment_invalid", "message too large")
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise EnrolmentError("enrolment_invalid", "not JSON") from None
    if not isinstance(obj, dict) or obj.get("v") != 1:
        raise EnrolmentError("enrolment_invalid", 'expected a JSON object with "v": 1')
    action = obj.get("action", default_action)
    if action == "unlock":
        return EnrolmentRequest("unlock")
    if action not in ("enrol", "revoke"):
        raise EnrolmentError("enrolment_invalid", f"unknown action {action!r}")
    tech = _text(obj, "technicianId", 32)
    if not TECHNICIAN_ID_RE.fullmatch(tech):
        raise EnrolmentError("enrolment_invalid", "technicianId: letters, digits, '_', '.', '-'")
    if action == "revoke":
        return EnrolmentRequest("revoke", tech)
    name = _text(obj, "name", 80)
    pin_hash, one_time = obj.get("pinHash"), obj.get("oneTimePin")
    if (pin_hash is None) == (one_time is None):
        raise EnrolmentError("enrolment_invalid", "give exactly one of pinHash and oneTimePin")
    if pin_hash is not None:
        try:
            PinHash.parse(pin_hash)
        except ValueError as exc:
            raise EnrolmentError("enrolment_invalid", f"pinHash: {exc}") from None
        return EnrolmentRequest("enrol", tech, name, pin_hash=pin_hash)
    if not isinstance(one_time, str):
        raise EnrolmentError("enrolment_invalid", "oneTimePin must be a string of digits")
    try:
        check_new_pin(one_time)
    except PinRejectedError as exc:
        raise EnrolmentError(exc.key, f"oneTimePin: {exc.detail}") from None
    return EnrolmentRequest("enrol", tech, name, one_time_pin=one_time)


def destroy_file(path: Path) -> None:
    """Overwrite ``path``'s bytes, fsync, unlink and fsync its directory (best effort against
    flash remanence of a one-time PIN)."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Enrolment:
    def __init__(
        self,
        *,
        store: ServiceStore,
        auth: Authenticator,
        audit: AuditTrail,
        notifier: Notifier,
    ) -> None:
        self.store = store
        self.auth = auth
        self.audit = audit
        self.notifier = notifier
        self._tasks: set[asyncio.Task[None]] = set()

    async def apply(self, request: EnrolmentRequest, source: str) -> None:
        if request.action == "unlock":
            await self.auth.clear_lockout(source)
            return
        tech = request.technician_id
        assert tech is not None
        now = self.auth.clock()
        if request.action == "revoke":
            record = await self.store.call(self.store.technician, tech)
            if record is None:
                raise EnrolmentError("enrolment_unknown_technician", f"no technician {tech}")
            revoked = replace(record, active=False, updated_at=now)
            await self.store.call(self.store.put_technician, revoked)
            await self.auth.end_sessions_of(tech, EndReason.REVOKED)
            await self._audit(AuditAction.TECHNICIAN_REVOKED, tech, {"source": source})
            self.notifier.emit(TechnicianDidChange(tech, "revoked", source))
            return
        assert request.name is not None
        if request.pin_hash is not None:
            pin_hash, must_change = request.pin_hash, False
        else:
            assert request.one_time_pin is not None
            pin_hash = await self.store.call(hash_pin, request.one_time_pin, self.auth.params)
            must_change = True
        record = TechnicianRecord(tech, request.name, pin_hash, must_change, True, source, now)
        await self.store.call(self.store.put_technician, record)
        details = {"source": source, "one_time_pin": must_change, "name": request.name}
        await self._audit(AuditAction.TECHNICIAN_ENROLLED, tech, details)
        self.notifier.emit(TechnicianDidChange(tech, "enrolled", source))

    async def import_provisioning_file(self, path: Path) -> bool:
        """Enrol the first technician from ``path`` if nobody is enrolled; destroy the file
        either way. True if a technician was enrolled from it."""
        if not path.exists():
            return False
        enrolled = False
        try:
            if await self.store.call(self.store.active_count) > 0:
                log.warning("provisioning file %s ignored: technicians already enrolled", path)
                await self._audit(AuditAction.PROVISIONING_IGNORED, None, {"why": "enrolled"})
            else:
                raw = await self.store.call(path.read_bytes)
                try:
                    request = parse_request(raw, default_action="enrol")
                    if request.action != "enrol":
                        raise EnrolmentError("enrolment_invalid", "the file must enrol")
                except EnrolmentError as exc:
                    log.error("provisioning file %s refused: %s", path, exc.detail)
                    await self.audit.refused(
                        AuditAction.TECHNICIAN_ENROLLED,
                        technician_id=None,
                        key=exc.key,
                        details={"source": "provisioning"},
                    )
                else:
                    await self.apply(request, "provisioning")
                    enrolled = True
        finally:
            try:
                await self.store.call(destroy_file, path)
            except OSError as exc:  # never keep the kiosk from starting over it
                log.error("could not destroy the provisioning file %s: %s", path, exc)
        return enrolled

    # -- middleware ----------------------------------------------------------------------------
    def on_message(self, payload: bytes) -> None:
        """``SyncEngine.add_message_handler(ENROL_LEAF, enrolment.on_message)`` (loop thread)."""
        task = asyncio.get_running_loop().create_task(self._handle(payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, payload: bytes) -> None:
        try:
            request = parse_request(payload)
            await self.apply(request, "middleware")
        except EnrolmentError as exc:
            log.warning("enrolment message refused: %s", exc.detail)
            await self.audit.refused(
                AuditAction.TECHNICIAN_ENROLLED,
                technician_id=None,
                key=exc.key,
                details={"source": "middleware"},
            )
        except Exception:  # task root: log, keep serving
            log.exception("enrolment message failed")

    async def wait_idle(self) -> None:
        """Wait for the messages being applied (tests, close)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _audit(self, action: AuditAction, tech: str | None, details: dict[str, Any]) -> None:
        try:
            await self.audit.record(
                action, technician_id=tech, result=AuditResult.OK, details=details
            )
        except LedgerError as exc:
            log.error("could not audit %s: %s", action.value, exc)
