"""The device's MQTT sync engine: publishes the ledger's outbox to the middleware, exactly once.

Plain asyncio (no Qt): the kiosk runs it on its qasync loop, ``device simulate`` runs it
headless. Every ledger call runs on one dedicated thread (``call_ledger``), paho runs on its own
network thread (``sync.mqtt``), so neither an fsync nor a socket ever stalls the loop.

Delivery rules (docs/protocol.md): publish in sequence order from ``acked + 1``, bounded by an
event window and paho's in-flight window; drop outbox rows only on the middleware's cumulative
ack; replay from ``acked + 1`` after every reconnect, after a failure PUBACK and when acks stop
advancing for ``ack_timeout_s``; serve gap requests from the immutable event log; publish
snapshots at connect, periodically and on request; telemetry on its own topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from sync.delivery import DeliveryState
from sync.engine_config import EngineConfig as EngineConfig  # re-exported
from sync.errors import ProtocolError
from sync.events import (
    ConnectionDidChange,
    HighWatermarkDidChange,
    SalesDidPause,
    SalesDidResume,
    SyncEvent,
    SyncListener,
)
from sync.faults import crash_point
from sync.ledger import EventDraft, Ledger, LedgerStatus
from sync.mqtt import MqttConnection
from sync.priority import lower_thread_priority
from sync.protocol import (
    PROTOCOL_VERSION,
    Event,
    canonical_json,
    encode_event_batch,
    encode_snapshot,
    parse_ack,
    parse_gap_request,
    utc_now_iso,
)
from sync.telemetry import SyncMetrics, TelemetryReport

log = logging.getLogger(__name__)
T = TypeVar("T")


class SyncEngine:
    """Owns the ledger thread, the MQTT connection and the publishing tasks of one device."""

    def __init__(self, ledger: Ledger, config: EngineConfig) -> None:
        self.ledger = ledger
        self.config = config
        self.device_id = ledger.device_id
        self.epoch = ledger.epoch
        self.metrics = SyncMetrics()
        self._executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="ledger",
            initializer=lower_thread_priority,
            initargs=(config.background_nice,),
        )
        self._listeners: list[SyncListener] = []
        self._handlers: dict[str, Callable[[bytes], None]] = {}
        self._delivery = DeliveryState(
            acked=ledger.acked_seq, last_seq=ledger.last_seq, window=config.window_events
        )
        self._inflight: dict[int, float] = {}  # paho mid -> publish time
        self._sent: deque[tuple[int, float]] = deque()  # (last seq in message, publish time)
        self._last_progress = time.monotonic()
        self._paused = ledger.sales_paused
        self._high = ledger.high_watermark
        self._wake = asyncio.Event()
        self._acked_changed = asyncio.Event()
        self._control: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=1000)
        self._tasks: list[asyncio.Task[None]] = []
        self._conn: MqttConnection | None = None
        self._closed = False
        self._unreachable_logged = False

    # -- public surface ------------------------------------------------------------------------
    def add_listener(self, listener: SyncListener) -> None:
        self._listeners.append(listener)

    def add_message_handler(self, leaf: str, handler: Callable[[bytes], None]) -> None:
        """Route messages on ``P/mw/{id}/<leaf>`` to ``handler`` (on the loop thread)."""
        self._handlers[leaf] = handler

    def publish(self, leaf: str, payload: bytes, *, qos: int = 1) -> bool:
        """Publish on ``P/dev/{id}/<leaf>``; False when not connected (nothing queued)."""
        if self._conn is None or not self._conn.connected:
            return False
        topic = self.config.topics.device(self.device_id, leaf)
        return self._conn.publish(topic, payload, qos=qos) is not None

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.connected

    @property
    def sales_paused(self) -> bool:
        return self._paused

    @property
    def acked_seq(self) -> int:
        return self._delivery.acked

    @property
    def last_seq(self) -> int:
        return self._delivery.last_seq

    async def start(self) -> None:
        topics, dev = self.config.topics, self.device_id
        offline = self._status_payload("offline", with_ts=False)
        broker = replace(self.config.broker, client_id=dev)
        self._conn = MqttConnection(
            broker,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
            on_message=self._on_message,
            on_publish=self._on_publish,
            will=(topics.status(dev), offline, 1, True),
            nice=self.config.background_nice,
        )
        self._conn.subscribe(topics.to_device(dev, "#"), qos=1)
        self._conn.start()
        loop = asyncio.get_running_loop()
        for coro in (self._publisher(), self._control_loop(), self._ticker()):
            self._tasks.append(loop.create_task(coro))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._conn is not None:
            status = (self.config.topics.status(self.device_id), self._status_payload("offline"))
            await self._conn.close(final=[(status[0], status[1], 1, True)])
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)

    async def record(self, draft: EventDraft, *, new_sale: bool = False) -> Event:
        """Commit one event durably (on the ledger thread), then schedule its publication."""
        return (await self.record_many([draft], new_sale=new_sale))[0]

    async def record_many(self, drafts: list[EventDraft], *, new_sale: bool = False) -> list[Event]:
        events = await self.call_ledger(partial(self.ledger.record_many, drafts, new_sale=new_sale))
        crash_point("after_commit")
        self._delivery.did_commit(events[-1].seq)
        self._check_flags()
        self._wake.set()
        return events

    async def wait_until_synced(self) -> None:
        """Return once the middleware has acked every event recorded so far."""
        while self._delivery.acked < self._delivery.last_seq:
            self._acked_changed.clear()
            await self._acked_changed.wait()

    async def wait_until_sales_resume(self) -> None:
        """Return once sales are no longer paused."""
        while self._paused:
            self._acked_changed.clear()
            await self._acked_changed.wait()

    async def ledger_status(self) -> LedgerStatus:
        return await self.call_ledger(self.ledger.status)

    async def telemetry(self) -> TelemetryReport:
        status = await self.ledger_status()
        return self.metrics.report(status, in_flight=len(self._inflight), connected=self.connected)

    async def publish_snapshot(self) -> None:
        snap = await self.call_ledger(self.ledger.snapshot)
        if self._conn is not None:
            self._conn.publish(self.config.topics.snapshot(self.device_id), encode_snapshot(snap))

    # -- internals -----------------------------------------------------------------------------
    async def call_ledger(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` on the ledger thread: the only thread that may touch the ledger."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func, *args)

    def _emit(self, event: SyncEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _check_flags(self) -> None:
        paused, high = self.ledger.sales_paused, self.ledger.high_watermark
        count = self.ledger.pending_count
        if high != self._high:
            self._high = high
            if high:
                log.warning("outbox above its high watermark: %d events unacked", count)
            self._emit(HighWatermarkDidChange(active=high, pending_count=count))
        if paused != self._paused:
            self._paused = paused
            if paused:
                log.error("outbox full (%d events): sales paused until the POS catches up", count)
                self._emit(SalesDidPause(count))
            else:
                log.warning("outbox drained to %d events: sales resumed", count)
                self._emit(SalesDidResume(count))

    def _status_payload(self, state: str, *, with_ts: bool = True) -> bytes:
        ts = utc_now_iso() if with_ts else None
        return canonical_json({"v": PROTOCOL_VERSION, "state": state, "ts": ts}).encode()

    def _rewind(self, why: str) -> None:
        self._delivery.rewind()
        self._inflight.clear()
        self._sent.clear()
        self._last_progress = time.monotonic()
        log.debug("replaying from %d: %s", self._delivery.cursor, why)
        self._wake.set()

    # -- callbacks from the connection (already on the loop thread) -----------------------------
    def _on_connect(self) -> None:
        self.metrics.did_connect()
        log.info("connected to the broker as %s", self.device_id)
        assert self._conn is not None
        self._conn.publish(
            self.config.topics.status(self.device_id), self._status_payload("online"), retain=True
        )
        self._rewind("connected")
        self._control_nowait("snapshot-request", b"")
        self._emit(ConnectionDidChange(True, "connected"))

    def _on_disconnect(self, why: str) -> None:
        if self._closed:
            log.info("disconnected from the broker (closing)")
        elif self.metrics.is_connected:
            log.warning("disconnected from the broker: %s", why)
        elif self.metrics.connects == 0 and not self._unreachable_logged:
            self._unreachable_logged = True
            log.warning("broker unreachable (will keep trying): %s", why)
        self.metrics.did_disconnect()
        self._inflight.clear()
        self._emit(ConnectionDidChange(False, why))

    def _on_publish(self, mid: int, failed: bool) -> None:
        sent_at = self._inflight.pop(mid, None)
        if sent_at is not None:
            self.metrics.broker_ack.add((time.monotonic() - sent_at) * 1000)
        if failed:
            log.warning("broker refused message %d (failure PUBACK): replaying", mid)
            self._rewind("failure PUBACK")
        self._wake.set()

    def _on_message(self, topic: str, payload: bytes) -> None:
        leaf = topic.rsplit("/", 1)[-1]
        handler = self._handlers.get(leaf)
        if handler is not None:
            handler(payload)
        else:
            self._control_nowait(leaf, payload)

    def _control_nowait(self, leaf: str, payload: bytes) -> None:
        try:
            self._control.put_nowait((leaf, payload))
        except asyncio.QueueFull:
            log.warning("control queue full: dropped a %s message (the sender repeats it)", leaf)

    # -- tasks ---------------------------------------------------------------------------------
    async def _publisher(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._pump()

    async def _pump(self) -> None:
        cfg, delivery = self.config, self._delivery
        while self.connected and len(self._inflight) < cfg.broker.max_inflight:
            span = delivery.next_range(cfg.batch_max_events)
            if span is None:
                return
            generation = delivery.generation
            rows = await self.call_ledger(self.ledger.pending, span[0], span[1] - span[0] + 1)
            if generation != delivery.generation:
                continue  # rewound while reading: start again from the new cursor
            if not rows or self._conn is None:
                return
            payload = encode_event_batch(self.device_id, self.epoch, [w for _, w in rows])
            mid = self._conn.publish(cfg.topics.events(self.device_id), payload)
            if mid is None:
                return
            now = time.monotonic()
            if not delivery.outstanding:
                self._last_progress = now  # nothing was outstanding: the ack clock starts now
            self._inflight[mid] = now
            self._sent.append((rows[-1][0], now))
            delivery.did_publish(rows[-1][0])
            crash_point("after_publish")

    async def _control_loop(self) -> None:
        while True:
            leaf, payload = await self._control.get()
            try:
                if leaf == "ack":
                    await self._handle_ack(payload)
                elif leaf == "gap":
                    await self._handle_gap(payload)
                elif leaf == "snapshot-request":
                    await self.publish_snapshot()
                else:
                    log.debug("ignoring message on unknown leaf %r", leaf)
            except ProtocolError as exc:
                self.metrics.malformed += 1
                log.warning("malformed %s message ignored: %s", leaf, exc)

    async def _handle_ack(self, payload: bytes) -> None:
        ack = parse_ack(payload)
        if ack.epoch != self.epoch:
            log.warning("ack for epoch %d ignored (ledger epoch is %d)", ack.epoch, self.epoch)
            return
        if not self._delivery.accept_ack(ack.ack_seq):
            if ack.ack_seq > self._delivery.last_seq:
                log.warning(
                    "ack %d beyond the last sequence %d ignored",
                    ack.ack_seq,
                    self._delivery.last_seq,
                )
            return
        crash_point("before_ack_commit")
        await self.call_ledger(self.ledger.mark_acked, ack.ack_seq)
        now = time.monotonic()
        self._delivery.did_ack(ack.ack_seq)
        self._last_progress = now
        while self._sent and self._sent[0][0] <= ack.ack_seq:
            _seq, sent_at = self._sent.popleft()
            self.metrics.middleware_ack.add((now - sent_at) * 1000)
        self._check_flags()
        self._acked_changed.set()
        self._wake.set()

    async def _handle_gap(self, payload: bytes) -> None:
        gap = parse_gap_request(payload)
        if gap.epoch != self.epoch:
            log.warning("gap request for epoch %d ignored", gap.epoch)
            return
        first, last = gap.first, min(gap.last, self._delivery.last_seq)
        self.metrics.gap_requests_served += 1
        while first <= last and self.connected and self._conn is not None:
            chunk_last = min(last, first + self.config.batch_max_events - 1)
            rows = await self.call_ledger(self.ledger.events_between, first, chunk_last)
            if not rows:
                return
            payload_out = encode_event_batch(self.device_id, self.epoch, [w for _, w in rows])
            self._conn.publish(self.config.topics.events(self.device_id), payload_out)
            first = rows[-1][0] + 1

    async def _ticker(self) -> None:
        cfg = self.config
        next_telemetry = time.monotonic() + cfg.telemetry_interval_s
        next_snapshot = time.monotonic() + cfg.snapshot_interval_s
        while True:
            await asyncio.sleep(cfg.tick_s)
            now = time.monotonic()
            outstanding = self._delivery.outstanding
            if self.connected and outstanding and now - self._last_progress > cfg.ack_timeout_s:
                self.metrics.retransmits += 1
                stuck = any(now - t > cfg.ack_timeout_s for t in self._inflight.values())
                log.info(
                    "no ack for %.0f s: replaying from %d%s",
                    cfg.ack_timeout_s,
                    self._delivery.acked + 1,
                    " after reconnecting (PUBACKs lost)" if stuck else "",
                )
                if stuck and self._conn is not None:
                    # paho will not send past its in-flight window until the session resumes
                    self._conn.reconnect()
                self._rewind("ack timeout")
            if now >= next_telemetry:
                next_telemetry = now + cfg.telemetry_interval_s
                if self._conn is not None and self.connected:
                    report = await self.telemetry()
                    self._conn.publish(cfg.topics.telemetry(self.device_id), report.encode(), qos=0)
            if now >= next_snapshot:
                next_snapshot = now + cfg.snapshot_interval_s
                if self.connected:
                    await self.publish_snapshot()
