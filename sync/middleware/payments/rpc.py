"""The middleware's payment RPC handler: ``payment.*`` requests in, gateway, record, answer.

:class:`PaymentsRpc` serves ``P/dev/{id}/rpc`` (docs/protocol.md, "RPC" and "Payments"). Each
request runs as its own task on the loop; database work runs on the handler's own small thread
pool (never the ingest thread, never the loop) and gateway HTTP calls on the adapter's pool, so
payments never block ingest. Idempotency end to end:

1. the key is derived from the topic's device id and the parameters; the request is stored
   ``pending`` *before* the gateway is called (:meth:`PaymentRecords.begin`);
2. a key already done answers its stored reply without calling the gateway; a key in flight in
   this process waits for that call; a key in flight elsewhere answers ``pending``;
3. a gateway timeout or 5xx is resolved with ``gateway.status(key)``, never a second
   authorize; the operation is only re-sent (same key) once the gateway said it never saw it;
4. the reply and its effect on the canonical record are committed before anything is answered.

Malformed requests are answered ``bad_request`` (when an id could be read) and logged; nothing
a device sends can crash the service. Other services on the same RPC topic (``loyalty.*``)
:meth:`~PaymentsRpc.register` a synchronous handler, run on the same database threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine

from sync.errors import ProtocolError
from sync.faults import crash_point
from sync.middleware.ingest import utc_now
from sync.middleware.payments.gateway import (
    GatewayProtocolError,
    GatewayRejectedError,
    GatewayResult,
    GatewayUnavailableError,
    IdempotencyConflictError,
    PaymentGateway,
)
from sync.middleware.payments.records import FENCED, PaymentRecords, Reply, refused
from sync.middleware.payments.requests import (
    METHODS,
    BadRequest,
    PaymentOp,
    RpcCall,
    parse_operation,
    parse_rpc,
    parse_status_key,
)
from sync.payments import PaymentStatus
from sync.protocol import Topics
from sync.rpc import RPC_LEAF, encode_response

log = logging.getLogger(__name__)
T = TypeVar("T")
NOT_FOUND = Reply(result=GatewayResult(PaymentStatus.NOT_FOUND, reason="unknown_key").to_json())
_UNKNOWN = refused("gateway_unavailable", "the gateway's outcome is unknown; ask for the status")


class PaymentsRpc:
    def __init__(
        self,
        engine: Engine,
        gateway: PaymentGateway,
        *,
        instance: str,
        topics: Topics,
        publish: Callable[[str, bytes], bool],
        status_attempts: int = 3,
        status_backoff_s: float = 0.2,
        pending_grace_s: float = 60.0,
        max_tasks: int = 1000,
    ) -> None:
        self.records = PaymentRecords(engine, instance)
        self.gateway = gateway
        self.instance = instance
        self.topics = topics
        self._publish = publish
        self.status_attempts = max(1, status_attempts)
        self.status_backoff_s = status_backoff_s
        self.grace = timedelta(seconds=pending_grace_s)
        self.max_tasks = max_tasks
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mw-pay-db")
        self._inflight: dict[str, tuple[str, asyncio.Future[Reply]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.counts = dict.fromkeys(("requests", "malformed", "answered", "dropped"), 0)
        self._handlers: dict[str, Callable[[str, RpcCall], Reply]] = {}

    def register(self, methods: tuple[str, ...], handler: Callable[[str, RpcCall], Reply]) -> None:
        """Serve ``methods`` with ``handler(device_id, call)`` (database work only; it runs on
        this handler's database threads and may raise BadRequest)."""
        self._handlers.update(dict.fromkeys(methods, handler))

    def submit(self, topic: str, payload: bytes) -> None:
        """Loop thread: handle one request in its own task (bounded)."""
        self.counts["requests"] += 1
        if len(self._tasks) >= self.max_tasks:
            self.counts["dropped"] += 1
            log.warning("payment requests backlog full: request dropped (the device asks again)")
            return
        task = asyncio.get_running_loop().create_task(self._handle(topic, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)

    async def _db(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    async def run_db(self, func: Callable[..., T], *args: Any) -> T:
        """Blocking database work on this handler's threads (for the expiry sweeper)."""
        return await self._db(func, *args)

    async def perform(self, op: PaymentOp) -> Reply:
        """Run ``op`` exactly as a device's request for it would run (same key, same
        idempotency, same record and history); used by the expiry sweeper's voids."""
        return await self._operate(op)

    # -- one request (task root) -----------------------------------------------------------
    async def _handle(self, topic: str, payload: bytes) -> None:
        try:
            device_id = self.topics.split_device_topic(topic)[0]
        except ProtocolError as exc:
            log.warning("payment request on a bad topic dropped: %s", exc)
            return
        corr: str | None = None
        try:
            call = parse_rpc(payload, (*METHODS, *self._handlers))
            corr = call.corr
            handler = self._handlers.get(call.method)
            if handler is not None:
                reply = await self._db(handler, device_id, call)
            elif call.method == "payment.status":
                reply = await self._status(*parse_status_key(device_id, call.params, corr))
            else:
                reply = await self._operate(parse_operation(device_id, call))
        except BadRequest as exc:
            self.counts["malformed"] += 1
            log.warning("malformed payment request from %s: %s", device_id, exc)
            corr, reply = exc.corr, refused(exc.code, str(exc))
        except Exception:  # task root: log, answer 'internal', keep serving
            log.exception("payment request from %s failed", device_id)
            reply = refused("internal", "the middleware could not handle the request")
        if corr is None:
            return
        if reply.result is not None and reply.result.get("status") != "NOT_FOUND":
            crash_point("payments_before_answer")  # kill -9 tests: committed, not answered
        body = encode_response(corr, result=reply.result, error=reply.error)
        if self._publish(self.topics.to_device(device_id, RPC_LEAF), body):
            self.counts["answered"] += 1

    # -- operations ------------------------------------------------------------------------
    async def _operate(self, op: PaymentOp) -> Reply:
        digest = op.params_hash()
        running = self._inflight.get(op.key)
        if running is not None:
            if running[0] != digest:
                return refused("idempotency_conflict", "key reused with other parameters")
            return await asyncio.shield(running[1])
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._inflight[op.key] = (digest, future)
        reply = refused("internal", "the request was interrupted")
        try:
            reply = await self._operate_once(op)
            return reply
        finally:
            future.set_result(reply)
            self._inflight.pop(op.key, None)

    async def _operate_once(self, op: PaymentOp) -> Reply:
        begun = await self._db(self.records.begin, op)
        if begun.reply is not None:
            return begun.reply
        if begun.kind == "pending":
            since = begun.since or utc_now()
            if begun.owner != self.instance and utc_now() - since < self.grace:
                return refused("pending", "another middleware instance is handling this key")
            if begun.owner != self.instance:
                await self._db(self.records.take_over, op.key)
            found = await self._resolve(op.key)
            if found is None:
                return _UNKNOWN
            if found is not NOT_FOUND:
                return await self._db(self.records.complete, op, found)
            log.info("%s: never reached the gateway; sending it again (same key)", op.key)
        return await self._call_gateway(op, begun.auth_id)

    async def _call_gateway(self, op: PaymentOp, auth_id: str | None) -> Reply:
        gw = self.gateway
        try:
            if op.operation == "authorize":
                assert op.token is not None and op.currency is not None
                amount = op.amount_minor or 0
                result = await gw.authorize(op.token, amount, op.currency, op.key, op.metadata)
            elif op.operation == "capture":
                result = await gw.capture(op.auth_id or "", op.amount_minor or 0, op.key)
            elif op.operation == "void":
                result = await gw.void(op.auth_id or "", op.key)
            elif op.operation == "refund":
                result = await gw.refund(auth_id or "", op.amount_minor or 0, op.key)
            else:
                reference = op.reader_reference or f"{op.device_id}/{op.txn_id}"
                result = await gw.reader_refund(reference, op.amount_minor or 0, op.key)
        except GatewayRejectedError as exc:
            return await self._db(self.records.complete, op, refused(exc.code, exc.message))
        except IdempotencyConflictError as exc:
            log.error("%s: the gateway reports an idempotency conflict: %s", op.key, exc)
            return refused("idempotency_conflict", "the gateway saw this key with other params")
        except (GatewayUnavailableError, GatewayProtocolError) as exc:
            log.warning("%s: %s; resolving with the gateway's status", op.key, exc)
            found = await self._resolve(op.key)
            if found is NOT_FOUND:
                return refused("gateway_unavailable", f"the gateway did not take it: {exc}")
            if found is None:
                await self._db(self.records.mark_unresolved, op, str(exc))
                return _UNKNOWN
            return await self._db(self.records.complete, op, found)
        reply = Reply(result=result.to_json())
        return await self._db(self.records.complete, op, reply)

    async def _resolve(self, key: str) -> Reply | None:
        """The gateway's stored answer for ``key``, NOT_FOUND, or None if it cannot be learned."""
        delay = self.status_backoff_s
        for attempt in range(self.status_attempts):
            if attempt:
                await asyncio.sleep(delay)
                delay *= 2
            try:
                result = await self.gateway.status(key)
            except GatewayRejectedError as exc:
                return refused(exc.code, exc.message)  # it ran and was refused
            except (GatewayUnavailableError, GatewayProtocolError) as exc:
                log.warning("%s: status query failed: %s", key, exc)
                continue
            if result.status is PaymentStatus.NOT_FOUND:
                return NOT_FOUND
            return Reply(result=result.to_json())
        return None

    async def _status(self, key: str, fence: bool = False) -> Reply:
        """The stored or resolved answer of ``key``. ``fence`` (an authorization the device
        gives up on): if the key was never received, it is fenced in the same transaction
        that finds it missing, so a copy still on its way is refused ``abandoned`` and never
        reaches the gateway; NOT_FOUND is then final."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running[1])
        stored = await self._db(self.records.lookup, key)
        if stored is None and fence and await self._db(self.records.fence, key):
            log.info("%s: never received; fenced (a late copy will be refused)", key)
            return NOT_FOUND
        if stored is None:
            stored = await self._db(self.records.lookup, key) if fence else None
        if stored is None or stored.state == FENCED:
            return NOT_FOUND
        if stored.reply is not None:
            return stored.reply
        if stored.owner != self.instance and utc_now() - stored.updated_at < self.grace:
            return refused("pending", "another middleware instance is handling this key")
        found = await self._resolve(key)
        if found is None:
            return _UNKNOWN
        if found is NOT_FOUND:
            return NOT_FOUND  # it never reached the gateway: nothing happened
        return await self._db(self.records.complete, stored.op, found)
