"""The sandbox payment gateway: a real HTTP JSON service for tests and staging.

``perfume-kiosk middleware sandbox-gateway --port P [--db FILE] [--decline-above N]
[--slow-ms N] [--timeout-rate R]`` runs it as its own process; tests run
:class:`SandboxGateway` in-process on a thread (``ThreadingHTTPServer`` on 127.0.0.1).

Endpoints (every POST needs an ``Idempotency-Key`` header, see docs/payments.md):
``POST /v1/authorizations``, ``POST /v1/authorizations/{id}/capture``, ``.../void``,
``.../refunds``, ``POST /v1/reader-refunds``, ``GET /v1/status`` (by ``Idempotency-Key``),
``GET /v1/authorizations/{id}``, ``GET /v1/stats``, ``GET /healthz``.

Faults (:class:`SandboxFaults`, mutable at run time): ``slow_ms`` delays every request;
``timeout_rate`` makes a POST execute and store its result and then never answer (the
dangerous lost response); ``hang_after_next`` does that for the next N POSTs,
``hang_before_next`` hangs the next N POSTs *without* executing them, ``fail_next`` answers
503 to the next N POSTs without executing them. A hanging request holds its thread until the
server closes (at most ``hang_max_s``). Declines: tokens ``tok_decline[_reason]`` and amounts
above ``decline_above``. Tokens that look like card numbers are refused with 400.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from sync.middleware.payments.sandbox_state import (
    Reply,
    SandboxRequestError,
    SandboxState,
    rejection,
)

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024


@dataclass
class SandboxFaults:
    """Fault knobs; the counters count down as requests consume them."""

    slow_ms: int = 0
    timeout_rate: float = 0.0
    hang_after_next: int = 0
    hang_before_next: int = 0
    fail_next: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins request threads (hangs end on close)
    sandbox: SandboxGateway


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s", format % args)

    def do_GET(self) -> None:
        self.server.sandbox.serve(self, "GET")

    def do_POST(self) -> None:
        self.server.sandbox.serve(self, "POST")


class SandboxGateway:
    """The sandbox HTTP service around one :class:`SandboxState`."""

    def __init__(
        self,
        state: SandboxState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: SandboxFaults | None = None,
        hang_max_s: float = 600.0,
        seed: int | None = None,
    ) -> None:
        self.state = state or SandboxState()
        self.faults = faults or SandboxFaults()
        self.hang_max_s = hang_max_s
        self._rng = random.Random(seed)
        self._fault_lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.sandbox = self
        self._thread: threading.Thread | None = None
        self.hung = 0  # requests that were left unanswered

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxGateway:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-gateway", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, release hanging requests, join every thread, close the state."""
        self._stop.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        self.state.close()

    def __enter__(self) -> SandboxGateway:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- request handling (one server thread per request) --------------------------------------
    def serve(self, handler: _Handler, verb: str) -> None:
        slow, hang_before, fail, hang_after = self._draw_faults(verb)
        if slow:
            self._stop.wait(slow)
        if hang_before:
            return self._hang(handler)
        if fail:
            return _send(handler, Reply(503, rejection("unavailable", "sandbox fault")))
        try:
            reply = self._dispatch(handler, verb)
        except SandboxRequestError as exc:
            reply = Reply(400, rejection(exc.code, str(exc)))
        if hang_after and verb == "POST":
            return self._hang(handler)
        _send(handler, reply)
        return None

    def _draw_faults(self, verb: str) -> tuple[float, bool, bool, bool]:
        f = self.faults
        with self._fault_lock:
            slow = f.slow_ms / 1000.0
            if verb != "POST":
                return slow, False, False, False
            hang_before = f.hang_before_next > 0
            f.hang_before_next -= int(hang_before)
            fail = not hang_before and f.fail_next > 0
            f.fail_next -= int(fail)
            hang_after = f.hang_after_next > 0
            f.hang_after_next -= int(hang_after)
            if not hang_after and f.timeout_rate:
                hang_after = self._rng.random() < f.timeout_rate
        return slow, hang_before, fail, hang_after

    def _hang(self, handler: _Handler) -> None:
        with self._fault_lock:
            self.hung += 1
        self._stop.wait(self.hang_max_s)
        handler.close_connection = True

    def _dispatch(self, handler: _Handler, verb: str) -> Reply:
        path = urlsplit(handler.path).path.rstrip("/")
        parts = [unquote(p) for p in path.split("/")[1:]]
        key = handler.headers.get("Idempotency-Key")
        if verb == "GET":
            return self._get(parts, key)
        body = _read_json(handler)
        if parts == ["v1", "authorizations"]:
            return self.state.execute("authorize", key, body)
        if parts == ["v1", "reader-refunds"]:
            return self.state.execute("reader_refund", key, body)
        if len(parts) == 4 and parts[:2] == ["v1", "authorizations"]:
            action = {"capture": "capture", "void": "void", "refunds": "refund"}.get(parts[3])
            if action is not None:
                return self.state.execute(f"{action}:{parts[2]}", key, body)
        return Reply(404, rejection("no_such_endpoint", f"POST {path}"))

    def _get(self, parts: list[str], key: str | None) -> Reply:
        if parts == ["healthz"]:
            return Reply(200, {"ok": True})
        if parts == ["v1", "status"]:
            return self.state.lookup(key)
        if parts == ["v1", "stats"]:
            return Reply(200, {**self.state.stats(), "hung": self.hung})
        if len(parts) == 3 and parts[:2] == ["v1", "authorizations"]:
            info = self.state.authorization(parts[2])
            if info is not None:
                return Reply(200, info)
        return Reply(404, rejection("not_found", "/".join(parts)))


def _read_json(handler: _Handler) -> dict[str, Any]:
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        raise SandboxRequestError("bad_request", "bad Content-Length") from None
    if not 0 <= length <= MAX_BODY_BYTES:
        raise SandboxRequestError("bad_request", f"body over {MAX_BODY_BYTES} bytes")
    raw = handler.rfile.read(length) if length else b"{}"
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SandboxRequestError("bad_request", "body is not JSON") from None
    if not isinstance(body, dict):
        raise SandboxRequestError("bad_request", "body must be a JSON object")
    return body


def _send(handler: _Handler, reply: Reply) -> None:
    data = json.dumps(reply.body).encode()
    try:
        handler.send_response(reply.code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    except OSError as exc:  # the client gave up (timed out) meanwhile
        log.debug("sandbox: answer not delivered: %s", exc)


def run_sandbox(
    *,
    port: int,
    host: str = "127.0.0.1",
    db_path: str | None = None,
    decline_above: int | None = None,
    slow_ms: int = 0,
    timeout_rate: float = 0.0,
    auth_window_s: float | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT (the ``sandbox-gateway`` command); ``on_ready(url)``
    once listening (``port=0`` takes any free port: the URL tells which)."""
    kwargs: dict[str, Any] = {"decline_above": decline_above}
    if auth_window_s is not None:
        kwargs["auth_window_s"] = auth_window_s
    state = SandboxState(db_path, **kwargs)
    faults = SandboxFaults(slow_ms=slow_ms, timeout_rate=timeout_rate)
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_a: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    gateway = SandboxGateway(state, host=host, port=port, faults=faults).start()
    try:
        log.warning(
            "sandbox gateway on %s (state %s); never use it with real cards",
            gateway.url,
            db_path or "in memory",
        )
        if on_ready is not None:
            on_ready(gateway.url)
        stop.wait()
    finally:
        gateway.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
