"""The sandbox gateway's state: authorizations, refunds and idempotency records in SQLite.

:class:`SandboxState` is the gateway logic without HTTP: :meth:`SandboxState.execute` runs one
operation under an idempotency key (same key + same parameters -> the stored response; same key
+ different parameters -> 409), :meth:`SandboxState.lookup` answers a status query. State lives
in one SQLite file (WAL, ``synchronous=FULL``), so a restart keeps authorizations and keys;
without a file it lives in memory. Keys are kept ``key_ttl_s`` (default 48 h, at least 24 h).
One lock serialises every operation (the sandbox is a test and staging tool, not a gateway).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sync.middleware.payments.cards import looks_like_pan

MAX_KEY_CHARS = 255
DEFAULT_AUTH_WINDOW_S = 7 * 24 * 3600.0
DEFAULT_KEY_TTL_S = 48 * 3600.0
MAX_AMOUNT = 10**12
_CURRENCY = re.compile(r"[A-Z]{3}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS auths (
    auth_id TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL,
    state TEXT NOT NULL, captured INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, expires_at REAL NOT NULL,
    metadata TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
    key TEXT PRIMARY KEY, endpoint TEXT NOT NULL, params_hash TEXT NOT NULL,
    code INTEGER NOT NULL, body TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS ix_operations_created ON operations (created_at);
CREATE TABLE IF NOT EXISTS reader_refunds (
    refund_id TEXT PRIMARY KEY, reader_reference TEXT NOT NULL, amount INTEGER NOT NULL,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Reply:
    """An HTTP status code and a JSON body."""

    code: int
    body: dict[str, Any]


class SandboxRequestError(Exception):
    """A request the sandbox refuses before executing it (400, never stored)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def result(status: str, **fields: Any) -> dict[str, Any]:
    keys = ("authId", "amountMinor", "reason", "reference")
    return {"status": status, **{k: fields.get(k) for k in keys}}


def rejection(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def validate_key(key: str | None) -> str:
    if key is None or not 1 <= len(key) <= MAX_KEY_CHARS or not key.isprintable():
        raise SandboxRequestError("bad_request", "Idempotency-Key: 1-255 printable characters")
    return key


def _amount(body: Mapping[str, Any]) -> int:
    value = body.get("amountMinor")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT:
        raise SandboxRequestError("bad_request", "'amountMinor' must be a positive integer")
    return value


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise SandboxRequestError("bad_request", f"{key!r} must be a string of 1-255 chars")
    if looks_like_pan(value):
        raise SandboxRequestError("card_number_refused", f"{key!r} looks like a card number")
    return value


class SandboxState:
    """Authorizations, captures, voids, refunds and reader refunds, idempotent by key."""

    def __init__(
        self,
        path: str | None = None,
        *,
        auth_window_s: float = DEFAULT_AUTH_WINDOW_S,
        key_ttl_s: float = DEFAULT_KEY_TTL_S,
        decline_above: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.auth_window_s = auth_window_s
        self.key_ttl_s = max(key_ttl_s, 24 * 3600.0)
        self.decline_above = decline_above
        self.clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._db.isolation_level = None
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._purge()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- public ----------------------------------------------------------------------------
    def execute(self, endpoint: str, key: str | None, body: Mapping[str, Any]) -> Reply:
        """Run one mutating operation under ``key`` (``endpoint`` like ``authorize`` or
        ``capture:<authId>``); validation errors raise :class:`SandboxRequestError`."""
        key = validate_key(key)
        digest = hashlib.sha256(
            json.dumps([endpoint, body], sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                stored = self._db.execute(
                    "SELECT params_hash, code, body FROM operations WHERE key = ?", (key,)
                ).fetchone()
                if stored is not None:
                    self._count("replays" if stored[0] == digest else "conflicts")
                    self._db.execute("COMMIT")
                    if stored[0] != digest:
                        return Reply(409, rejection("idempotency_conflict", "key reused"))
                    return Reply(int(stored[1]), json.loads(stored[2]))
                reply = self._run(endpoint, body)
                self._db.execute(
                    "INSERT INTO operations VALUES (?, ?, ?, ?, ?, ?)",
                    (key, endpoint, digest, reply.code, json.dumps(reply.body), self.clock()),
                )
                self._db.execute("COMMIT")
                return reply
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def lookup(self, key: str | None) -> Reply:
        """The stored response of the operation made with ``key``, or 404 NOT_FOUND."""
        key = validate_key(key)
        with self._lock:
            row = self._db.execute("SELECT code, body FROM operations WHERE key = ?", (key,))
            found = row.fetchone()
        if found is None:
            return Reply(404, result("NOT_FOUND", reason="unknown_key"))
        return Reply(int(found[0]), json.loads(found[1]))

    def authorization(self, auth_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT auth_id, amount, currency, state, captured, refunded, created_at, "
                "expires_at FROM auths WHERE auth_id = ?",
                (auth_id,),
            ).fetchone()
        if row is None:
            return None
        names = ("authId", "amountMinor", "currency", "state", "capturedMinor")
        info = dict(zip(names, row[:5], strict=True))
        info.update(refundedMinor=row[5], createdAt=row[6], expiresAt=row[7])
        return info

    def stats(self) -> dict[str, int]:
        """Counters: ``authorize_executed`` (authorizations actually run), replays, ...,
        ``authorizations`` and ``reader_refunds`` (rows held)."""
        with self._lock:
            counts = {str(k): int(v) for k, v in self._db.execute("SELECT name, n FROM counters")}
            counts["authorizations"] = int(
                self._db.execute("SELECT count(*) FROM auths").fetchone()[0]
            )
            counts["reader_refunds"] = int(
                self._db.execute("SELECT count(*) FROM reader_refunds").fetchone()[0]
            )
        return counts

    # -- operations (inside the transaction) --------------------------------------------------
    def _count(self, name: str) -> None:
        self._db.execute(
            "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1",
            (name,),
        )

    def _run(self, endpoint: str, body: Mapping[str, Any]) -> Reply:
        op, _, auth_id = endpoint.partition(":")
        if op == "authorize":
            return self._authorize(body)
        if op == "reader_refund":
            return self._reader_refund(body)
        row = self._db.execute(
            "SELECT amount, state, captured, refunded, expires_at FROM auths WHERE auth_id = ?",
            (auth_id,),
        ).fetchone()
        if row is None:
            return Reply(404, result("NOT_FOUND", authId=auth_id, reason="unknown_authorization"))
        amount, state, captured, refunded, expires_at = row
        if state == "authorized" and self.clock() >= expires_at:
            state = "expired"
            self._set(auth_id, state=state)
        if op == "capture":
            return self._capture(auth_id, body, amount, state)
        if op == "void":
            return self._void(auth_id, amount, state)
        return self._refund(auth_id, body, state, captured, refunded)

    def _authorize(self, body: Mapping[str, Any]) -> Reply:
        token = _text(body, "token")
        amount = _amount(body)
        currency = body.get("currency")
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            raise SandboxRequestError("bad_request", "'currency' must be ISO 4217 (e.g. EUR)")
        metadata = body.get("metadata", {})
        if not isinstance(metadata, dict) or looks_like_pan(json.dumps(metadata)):
            raise SandboxRequestError("bad_request", "'metadata' must be an object, no PANs")
        self._count("authorize_executed")
        if token.startswith("tok_decline"):
            reason = token.removeprefix("tok_decline").strip("_") or "declined"
            return Reply(200, result("DECLINED", amountMinor=amount, reason=reason))
        if self.decline_above is not None and amount > self.decline_above:
            return Reply(200, result("DECLINED", amountMinor=amount, reason="amount_limit"))
        auth_id = f"auth_{uuid.uuid4().hex[:24]}"
        now = self.clock()
        self._db.execute(
            "INSERT INTO auths (auth_id, amount, currency, state, created_at, expires_at, "
            "metadata) VALUES (?, ?, ?, 'authorized', ?, ?, ?)",
            (auth_id, amount, currency, now, now + self.auth_window_s, json.dumps(metadata)),
        )
        return Reply(200, result("APPROVED", authId=auth_id, amountMinor=amount, reference=auth_id))

    def _capture(self, auth_id: str, body: Mapping[str, Any], amount: int, state: str) -> Reply:
        wanted = _amount(body)
        if state != "authorized":
            reason = "authorization_expired" if state == "expired" else f"already_{state}"
            return Reply(200, result("FAILED", authId=auth_id, reason=reason))
        if wanted > amount:
            return Reply(422, rejection("bad_request", "capture exceeds the authorized amount"))
        self._set(auth_id, state="captured", captured=wanted)
        reference = f"cap_{uuid.uuid4().hex[:20]}"
        return Reply(
            200, result("CAPTURED", authId=auth_id, amountMinor=wanted, reference=reference)
        )

    def _void(self, auth_id: str, amount: int, state: str) -> Reply:
        if state in ("authorized", "expired", "voided"):
            reason = "expired" if state == "expired" else None
            self._set(auth_id, state="voided")
            return Reply(200, result("VOIDED", authId=auth_id, amountMinor=amount, reason=reason))
        return Reply(200, result("FAILED", authId=auth_id, reason=f"already_{state}"))

    def _refund(
        self, auth_id: str, body: Mapping[str, Any], state: str, captured: int, refunded: int
    ) -> Reply:
        wanted = _amount(body)
        if state in ("authorized", "expired"):
            return Reply(422, rejection("not_captured", "void an uncaptured authorization"))
        if state != "captured":
            return Reply(422, rejection("invalid_state", f"authorization is {state}"))
        if refunded + wanted > captured:
            left = captured - refunded
            return Reply(422, rejection("refund_exceeds_captured", f"at most {left} left"))
        self._set(auth_id, refunded=refunded + wanted)
        reference = f"rf_{uuid.uuid4().hex[:20]}"
        return Reply(
            200, result("REFUNDED", authId=auth_id, amountMinor=wanted, reference=reference)
        )

    def _reader_refund(self, body: Mapping[str, Any]) -> Reply:
        reader_reference = _text(body, "readerReference")
        wanted = _amount(body)
        refund_id = f"rrf_{uuid.uuid4().hex[:20]}"
        self._db.execute(
            "INSERT INTO reader_refunds VALUES (?, ?, ?, ?)",
            (refund_id, reader_reference, wanted, self.clock()),
        )
        return Reply(200, result("REFUNDED", amountMinor=wanted, reference=refund_id))

    def _set(self, auth_id: str, **values: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in values)
        self._db.execute(
            f"UPDATE auths SET {columns} WHERE auth_id = ?",
            (*values.values(), auth_id),
        )

    def _purge(self) -> None:
        with self._lock:
            self._db.execute(
                "DELETE FROM operations WHERE created_at < ?", (self.clock() - self.key_ttl_s,)
            )
