""":class:`HttpGateway`: the :class:`PaymentGateway` adapter for the gateway's HTTP JSON API.

Standard library only: each request is a blocking ``urllib.request`` call with a timeout, run on
the adapter's own thread pool (never on the event loop, never on the ingest database thread).
Environment proxies are ignored unless asked for. Status mapping: 200 and 404 carry a result,
409 is an idempotency conflict, 400/422 a rejection with a code, 5xx and connection failures
are "unavailable", a socket timeout is a timeout. The API is described in docs/payments.md.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlsplit

from sync.errors import ConfigError
from sync.middleware.payments.gateway import (
    GatewayProtocolError,
    GatewayRejectedError,
    GatewayResult,
    GatewayTimeoutError,
    GatewayUnavailableError,
    IdempotencyConflictError,
    MetadataValue,
    PaymentGateway,
)

log = logging.getLogger(__name__)
MAX_RESPONSE_BYTES = 1024 * 1024


class HttpGateway(PaymentGateway):
    """Talks to ``base_url`` (e.g. ``http://127.0.0.1:8700``) with ``timeout`` seconds per call."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        *,
        max_workers: int = 8,
        use_env_proxy: bool = False,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"bad gateway URL {base_url!r}: expected http(s)://host:port")
        if timeout <= 0:
            raise ConfigError("gateway timeout must be positive")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        handlers = [] if use_env_proxy else [urllib.request.ProxyHandler({})]
        self._opener = urllib.request.build_opener(*handlers)
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="gateway-http")

    async def authorize(
        self,
        token: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, MetadataValue],
    ) -> GatewayResult:
        body = {
            "token": token,
            "amountMinor": amount_minor,
            "currency": currency,
            "metadata": dict(metadata),
        }
        return await self._call("POST", "/v1/authorizations", idempotency_key, body)

    async def capture(self, auth_id: str, amount_minor: int, key: str) -> GatewayResult:
        path = f"/v1/authorizations/{quote(auth_id, safe='')}/capture"
        return await self._call("POST", path, key, {"amountMinor": amount_minor})

    async def void(self, auth_id: str, key: str) -> GatewayResult:
        return await self._call(
            "POST", f"/v1/authorizations/{quote(auth_id, safe='')}/void", key, {}
        )

    async def refund(self, auth_id: str, amount_minor: int, key: str) -> GatewayResult:
        path = f"/v1/authorizations/{quote(auth_id, safe='')}/refunds"
        return await self._call("POST", path, key, {"amountMinor": amount_minor})

    async def reader_refund(
        self, reader_reference: str, amount_minor: int, key: str
    ) -> GatewayResult:
        body = {"readerReference": reader_reference, "amountMinor": amount_minor}
        return await self._call("POST", "/v1/reader-refunds", key, body)

    async def status(self, key: str) -> GatewayResult:
        return await self._call("GET", "/v1/status", key, None)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)

    # -- internals -----------------------------------------------------------------------------
    async def _call(
        self, verb: str, path: str, key: str, body: dict[str, Any] | None
    ) -> GatewayResult:
        loop = asyncio.get_running_loop()
        code, obj = await loop.run_in_executor(
            self._executor, self._blocking, verb, path, key, body
        )
        if code in (200, 201, 404) and isinstance(obj, dict) and "status" in obj:
            return GatewayResult.from_json(obj)
        if code == 409:
            raise IdempotencyConflictError(f"{verb} {path}: key reused with other parameters")
        if code in (400, 422):
            error = obj.get("error") if isinstance(obj, dict) else None
            if isinstance(error, dict):
                raise GatewayRejectedError(
                    str(error.get("code", "rejected")), str(error.get("message", ""))
                )
            raise GatewayRejectedError("rejected", f"HTTP {code}")
        if code >= 500:
            raise GatewayUnavailableError(f"{verb} {path}: HTTP {code}")
        raise GatewayProtocolError(f"{verb} {path}: unexpected HTTP {code}")

    def _blocking(
        self, verb: str, path: str, key: str, body: dict[str, Any] | None
    ) -> tuple[int, Any]:
        """Executor thread: one HTTP exchange -> (status code, parsed JSON or None)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Idempotency-Key": key, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base_url + path, data=data, method=verb, headers=headers
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return int(response.status), _parse(response.read(MAX_RESPONSE_BYTES))
        except urllib.error.HTTPError as exc:
            try:
                return int(exc.code), _parse(exc.read(MAX_RESPONSE_BYTES))
            finally:
                exc.close()
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise GatewayTimeoutError(
                    f"{verb} {path}: no answer in {self.timeout:g} s"
                ) from None
            raise GatewayUnavailableError(f"{verb} {path}: {exc.reason}") from None
        except TimeoutError:
            raise GatewayTimeoutError(f"{verb} {path}: no answer in {self.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            # e.g. the connection closed without an answer: the outcome is unknown
            raise GatewayUnavailableError(f"{verb} {path}: {exc.__class__.__name__}") from None


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
