"""The middleware service: MQTT in, database, acks and gap requests out (asyncio).

:class:`MiddlewareService` subscribes through MQTT 5 shared subscriptions (so several
processes split a fleet), puts every message into a bounded queue, and one consumer task
drains up to ``batch_max`` messages at a time into :meth:`Ingestor.ingest`, run on a
single-thread executor (never on the loop thread). Only after that commit does it publish the
cumulative ack per stream (also when only duplicates arrived, which repairs lost acks) and any
gap request due. A second task re-requests open gaps every ``gap_retry_s``. A message the
queue cannot hold is dropped unacked (the device resends it); a batch the database refuses is
logged and dropped unacked the same way. :func:`request_snapshot` is the ops helper that asks
one device for a snapshot. With a payment gateway (``gateway_url`` or an injected
:class:`PaymentGateway`) it also serves ``payment.*`` RPC requests on ``P/dev/+/rpc`` through
:class:`~sync.middleware.payments.rpc.PaymentsRpc`, off the ingest queue and its thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from sync.broker_url import parse_broker_url
from sync.errors import ConfigError
from sync.middleware.ingest import (
    DEFAULT_GAP_RETRY_S,
    DEFAULT_REORDER_WINDOW,
    Ingestor,
    StreamOutcome,
)
from sync.middleware.messages import Inbound
from sync.mqtt import BrokerConfig, MqttConnection
from sync.protocol import (
    DEFAULT_PREFIX,
    PROTOCOL_VERSION,
    Ack,
    GapRequest,
    Topics,
    canonical_json,
    encode_ack,
    encode_gap_request,
    validate_device_id,
)
from sync.rpc import RPC_LEAF

if TYPE_CHECKING:  # payments are imported only when a gateway is configured (light start-up)
    from sync.middleware.payments.expiry import AuthorizationExpiry
    from sync.middleware.payments.gateway import PaymentGateway
    from sync.middleware.payments.rpc import PaymentsRpc

log = logging.getLogger(__name__)

_INSTANCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
LEAVES = ("events", "snapshot", "status", "telemetry")
_SNAPSHOT_REQUEST = canonical_json({"v": PROTOCOL_VERSION}).encode()
_Publish = tuple[str, Ack | None, GapRequest | None]  # device, ack to send, gap to request


@dataclass(frozen=True)
class ServiceConfig:
    broker_url: str
    instance: str  # the MQTT client id is mw-<instance>; stable per process across restarts
    prefix: str = DEFAULT_PREFIX
    gap_retry_s: float = DEFAULT_GAP_RETRY_S
    reorder_window: int = DEFAULT_REORDER_WINDOW
    batch_max: int = 200  # messages per database transaction
    queue_max: int = 20_000  # messages waiting for the database
    queue_max_bytes: int = 64 * 1024 * 1024
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    gateway_url: str | None = None  # payments: the gateway's HTTP API (None: no payment RPC)
    gateway_timeout_s: float = 10.0
    expiry_threshold_h: float = 23.0  # payments: void authorizations left open this long
    expiry_interval_s: float = 300.0  # ... checked this often (payments.expiry)
    hold_expiry_h: float = 72.0  # loyalty: release points holds left held this long

    def broker(self) -> BrokerConfig:
        return BrokerConfig(
            url=self.broker_url,
            client_id=f"mw-{self.instance}",
            ca_file=self.ca_file,
            cert_file=self.cert_file,
            key_file=self.key_file,
        )


def validate_instance(instance: str) -> str:
    if not _INSTANCE_RE.fullmatch(instance):
        raise ConfigError(f"bad instance id {instance!r}: 1-60 of letters, digits, '_', '.', '-'")
    return instance


@dataclass(frozen=True)
class ServiceStats:
    received: int
    batches: int
    acks_sent: int
    gaps_sent: int
    dropped_queue_full: int
    failed_batches: int
    queued: int


class MiddlewareService:
    """Owns the MQTT connection, the queue, the consumer and the gap-retry task."""

    def __init__(
        self,
        engine: Engine,
        config: ServiceConfig,
        *,
        gateway: PaymentGateway | None = None,
        on_connection: Callable[[bool], None] | None = None,
    ) -> None:
        """``on_connection(connected)``: called on the loop at each connect and disconnect
        (``serve --status-lines`` tells a supervising process, e.g. the kiosk's demo)."""
        validate_instance(config.instance)
        parse_broker_url(config.broker_url)  # a malformed URL is an error now, not a retry
        self.config = config
        self.topics = Topics(config.prefix)
        self.ingestor = Ingestor(
            engine,
            prefix=config.prefix,
            reorder_window=config.reorder_window,
            gap_retry_s=config.gap_retry_s,
        )
        self._queue: asyncio.Queue[Inbound] = asyncio.Queue()
        self._queued_bytes = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mw-db")
        self._mqtt: MqttConnection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._overflowing = False
        self._broker_down = False
        self._on_connection = on_connection
        self._counts = dict.fromkeys(
            ("received", "batches", "acks", "gaps", "dropped", "failed"), 0
        )
        self._owns_gateway = gateway is None and config.gateway_url is not None
        self.payments: PaymentsRpc | None = None
        self.expiry: AuthorizationExpiry | None = None  # the 24 h rule, with payments only
        if gateway is not None or config.gateway_url is not None:
            from sync.middleware.payments.http_gateway import HttpGateway
            from sync.middleware.payments.rpc import PaymentsRpc

            if gateway is None and config.gateway_url is not None:
                gateway = HttpGateway(config.gateway_url, config.gateway_timeout_s)
            assert gateway is not None
            self.payments = PaymentsRpc(
                engine,
                gateway,
                instance=config.instance,
                topics=self.topics,
                publish=self._publish_raw,
                pending_grace_s=max(60.0, 3 * config.gateway_timeout_s),
            )
            from sync.middleware.loyalty_rpc import LoyaltyRpc  # loyalty.* on the same topic

            loyalty = LoyaltyRpc(engine).register(self.payments)
            from sync.middleware.payments.expiry import AuthorizationExpiry

            self.expiry = AuthorizationExpiry(
                self.payments,
                threshold_s=config.expiry_threshold_h * 3600,
                interval_s=config.expiry_interval_s,
                holds=loyalty.book,
                hold_threshold_s=config.hold_expiry_h * 3600,
            )

    @property
    def connected(self) -> bool:
        return self._mqtt is not None and self._mqtt.connected

    def stats(self) -> ServiceStats:
        c = self._counts
        return ServiceStats(
            received=c["received"],
            batches=c["batches"],
            acks_sent=c["acks"],
            gaps_sent=c["gaps"],
            dropped_queue_full=c["dropped"],
            failed_batches=c["failed"],
            queued=self._queue.qsize(),
        )

    async def start(self) -> None:
        mqtt = MqttConnection(
            self.config.broker(),
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
            on_message=self._on_message,
        )
        for leaf in LEAVES:
            mqtt.subscribe(self.topics.shared(leaf), qos=1)
        if self.payments is not None:
            mqtt.subscribe(self.topics.shared(RPC_LEAF), qos=1)
        self._mqtt = mqtt
        self._tasks = [
            asyncio.create_task(self._consume(), name="mw-consumer"),
            asyncio.create_task(self._retry_gaps(), name="mw-gap-retry"),
        ]
        if self.expiry is not None:
            self.expiry.start()
        mqtt.start()

    async def close(self) -> None:
        """Stop the tasks, wait for the database work in flight, disconnect."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self.expiry is not None:
            await self.expiry.close()
        if self.payments is not None:
            await self.payments.close()
            if self._owns_gateway:
                await self.payments.gateway.close()
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)
        if self._mqtt is not None:
            await self._mqtt.close()
            self._mqtt = None

    # -- MQTT callbacks (loop thread) ------------------------------------------------------
    def _on_connect(self) -> None:
        log.info("middleware %s connected to %s", self.config.instance, self.config.broker_url)
        self._broker_down = False
        if self._on_connection is not None:
            self._on_connection(True)

    def _on_disconnect(self, why: str) -> None:
        if not self._broker_down:  # log going down once, not every retry
            log.warning(
                "middleware %s: broker unavailable (%s); retrying", self.config.instance, why
            )
            self._broker_down = True
            if self._on_connection is not None:
                self._on_connection(False)

    def _on_message(self, topic: str, payload: bytes) -> None:
        self._counts["received"] += 1
        if self.payments is not None and topic.endswith(f"/{RPC_LEAF}"):
            self.payments.submit(topic, payload)  # its own tasks and threads, not the queue
            return
        size = len(payload)
        full = self._queue.qsize() >= self.config.queue_max
        if full or self._queued_bytes + size > self.config.queue_max_bytes:
            self._counts["dropped"] += 1
            if not self._overflowing:
                log.warning("ingest queue full: dropping messages unacked (devices resend)")
                self._overflowing = True
            return
        if self._overflowing:
            log.info("ingest queue has room again")
            self._overflowing = False
        self._queued_bytes += size
        self._queue.put_nowait(Inbound(topic, payload))

    # -- tasks -----------------------------------------------------------------------------
    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.config.batch_max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self._queued_bytes -= sum(len(m.payload) for m in batch)
            try:
                outcomes = await loop.run_in_executor(self._executor, self._store, batch)
            except Exception:  # task root: log, drop unacked (devices resend), keep serving
                log.exception("a batch of %d messages was not stored", len(batch))
                self._counts["failed"] += 1
                await asyncio.sleep(1.0)
                continue
            self._counts["batches"] += 1
            for outcome in outcomes:
                self._publish_outcome(outcome)

    def _store(self, batch: list[Inbound]) -> list[_Publish]:
        """Executor thread: one transaction; if it fails for good, one message at a time so a
        message the database refuses cannot hold back the rest of its batch."""
        try:
            return _to_publish(self.ingestor.ingest(batch).streams)
        except SQLAlchemyError as exc:
            if len(batch) == 1:
                raise
            log.warning("batch of %d failed (%s); storing one by one", len(batch), exc)
        result: list[_Publish] = []
        for message in batch:
            try:
                result += _to_publish(self.ingestor.ingest([message]).streams)
            except SQLAlchemyError as exc:
                log.error("message on %r not stored: %s", message.topic[:200], exc)
                self._counts["failed"] += 1
        return result

    def _publish_outcome(self, item: _Publish) -> None:
        device_id, ack, gap = item
        mqtt = self._mqtt
        if mqtt is None:
            return
        if ack is not None and mqtt.publish(self.topics.ack(device_id), encode_ack(ack)):
            self._counts["acks"] += 1
        if gap is not None:
            self._send_gap(device_id, gap)

    def _publish_raw(self, topic: str, payload: bytes) -> bool:
        return self._mqtt is not None and self._mqtt.publish(topic, payload) is not None

    def _send_gap(self, device_id: str, gap: GapRequest) -> None:
        mqtt = self._mqtt
        if mqtt is not None and mqtt.publish(self.topics.gap(device_id), encode_gap_request(gap)):
            self._counts["gaps"] += 1
            log.info(
                "gap request to %s epoch %d: %d..%d", device_id, gap.epoch, gap.first, gap.last
            )

    async def _retry_gaps(self) -> None:
        loop = asyncio.get_running_loop()
        period = min(max(self.config.gap_retry_s / 4, 0.05), 2.0)
        while True:
            await asyncio.sleep(period)
            if not self.connected:
                continue  # asking while offline would count requests nobody received
            try:
                due = await loop.run_in_executor(self._executor, self.ingestor.due_gaps)
            except Exception:  # task root: log and try again next period
                log.exception("gap retry check failed")
                continue
            for device_id, gap in due:
                self._send_gap(device_id, gap)

    def request_snapshot(self, device_id: str) -> bool:
        """Ask one device for a snapshot now; False when not connected."""
        validate_device_id(device_id)
        if self._mqtt is None:
            return False
        topic = self.topics.snapshot_request(device_id)
        return self._mqtt.publish(topic, _SNAPSHOT_REQUEST) is not None


def _to_publish(streams: tuple[StreamOutcome, ...]) -> list[_Publish]:
    result: list[_Publish] = []
    for outcome in streams:
        key = outcome.key
        ack = Ack(key.epoch, outcome.high_water) if outcome.high_water >= 1 else None
        result.append((key.device_id, ack, outcome.gap))
    return result


async def request_snapshot(
    broker_url: str, device_id: str, *, prefix: str = DEFAULT_PREFIX, timeout_s: float = 10.0
) -> None:
    """Ops helper: connect, publish one ``snapshot-request`` to ``device_id``, disconnect."""
    validate_device_id(device_id)
    connected = asyncio.Event()
    conn = MqttConnection(
        BrokerConfig(url=broker_url, client_id=f"mw-ops-{device_id}", session_expiry_s=0),
        on_connect=connected.set,
        on_disconnect=lambda why: log.warning("broker: %s", why),
        on_message=lambda _topic, _payload: None,
    )
    conn.start()
    try:
        try:
            async with asyncio.timeout(timeout_s):
                await connected.wait()
        except TimeoutError:
            raise ConfigError(f"broker {broker_url} not reachable within {timeout_s:g} s") from None
        topic = Topics(prefix).snapshot_request(device_id)
        await conn.close(final=[(topic, _SNAPSHOT_REQUEST, 1, False)])
    finally:
        await conn.close()
