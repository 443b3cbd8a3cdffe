"""Request/response over MQTT between a device and the middleware (correlation ids).

Requests go to ``P/dev/{id}/rpc``, responses come back on ``P/mw/{id}/rpc`` (docs/protocol.md,
"RPC"). :class:`RpcClient` rides on the sync engine's connection. A call that gets no answer
raises :class:`RpcTimeoutError`; the caller decides what is safe to repeat (payments repeat a
*status* query with the same idempotency key, never a second authorization).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sync.engine import SyncEngine
from sync.errors import ProtocolError, SyncError
from sync.protocol import PROTOCOL_VERSION, canonical_json, utc_now_iso

log = logging.getLogger(__name__)
RPC_LEAF = "rpc"


class RpcError(SyncError):
    """The middleware answered with an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class RpcUnavailableError(SyncError):
    """Not connected: the request was not sent."""


class RpcTimeoutError(SyncError):
    """Sent, but no answer in time: the outcome is unknown."""


def encode_request(corr: str, method: str, params: Mapping[str, Any]) -> bytes:
    return canonical_json(
        {
            "v": PROTOCOL_VERSION,
            "id": corr,
            "method": method,
            "params": dict(params),
            "ts": utc_now_iso(),
        }
    ).encode()


def encode_response(
    corr: str, *, result: Mapping[str, Any] | None = None, error: tuple[str, str] | None = None
) -> bytes:
    body: dict[str, Any] = {"v": PROTOCOL_VERSION, "id": corr, "ok": error is None}
    if error is None:
        body["result"] = dict(result or {})
    else:
        body["error"] = {"code": error[0], "message": error[1]}
    return canonical_json(body).encode()


def parse_response(raw: bytes) -> tuple[str, bool, dict[str, Any]]:
    """-> (correlation id, ok, result-or-error object); ProtocolError when malformed."""
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError("rpc response: not JSON") from None
    if not isinstance(obj, dict) or obj.get("v") != PROTOCOL_VERSION:
        raise ProtocolError("rpc response: not a v1 object")
    corr, ok = obj.get("id"), obj.get("ok")
    body = obj.get("result" if ok else "error")
    if not isinstance(corr, str) or not isinstance(ok, bool) or not isinstance(body, dict):
        raise ProtocolError("rpc response: needs 'id', 'ok' and 'result' or 'error'")
    return corr, ok, body


class RpcClient:
    """Calls middleware methods over the engine's MQTT connection."""

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine
        self._waiting: dict[str, asyncio.Future[tuple[bool, dict[str, Any]]]] = {}
        engine.add_message_handler(RPC_LEAF, self._on_response)

    @property
    def available(self) -> bool:
        return self._engine.connected

    async def call(
        self, method: str, params: Mapping[str, Any], *, timeout: float
    ) -> dict[str, Any]:
        corr = uuid.uuid4().hex
        future: asyncio.Future[tuple[bool, dict[str, Any]]] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiting[corr] = future
        try:
            if not self._engine.publish(RPC_LEAF, encode_request(corr, method, params)):
                raise RpcUnavailableError(f"{method}: not connected to the middleware")
            try:
                async with asyncio.timeout(timeout):
                    ok, body = await future
            except TimeoutError:
                raise RpcTimeoutError(f"{method}: no answer within {timeout:g} s") from None
        finally:
            self._waiting.pop(corr, None)
        if not ok:
            raise RpcError(str(body.get("code", "error")), str(body.get("message", "")))
        return body

    def _on_response(self, payload: bytes) -> None:
        try:
            corr, ok, body = parse_response(payload)
        except ProtocolError as exc:
            log.warning("malformed rpc response ignored: %s", exc)
            return
        future = self._waiting.get(corr)
        if future is not None and not future.done():
            future.set_result((ok, body))
