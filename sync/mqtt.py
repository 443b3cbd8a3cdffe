"""One MQTT 5 connection (paho-mqtt 2.x) on a network thread we own, bridged to asyncio.

Why not ``loop_start()``: paho's own reconnect doubles its delay without jitter, so a fleet
reconnects in lockstep after a broker restart. Here the network thread connects with
exponential backoff and *full jitter*, runs ``client.loop()`` while connected, and enters the
application only through :meth:`MqttConnection._post` (``loop.call_soon_threadsafe``).

Also handled here, from the paho traps in DESIGN.md: persistent sessions need
``clean_start=False`` *and* a Session Expiry Interval; a failure PUBACK (reason code >= 0x80)
is reported as failed, not published; paho's queue is bounded; ``wait_for_publish`` is always
given a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from sync.broker_url import parse_broker_url as parse_broker_url  # re-exported
from sync.errors import ConfigError
from sync.priority import lower_thread_priority

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrokerConfig:
    url: str  # mqtt://host:port or mqtts://host:port
    client_id: str
    ca_file: str | None = None
    cert_file: str | None = None  # client certificate for mutual TLS
    key_file: str | None = None
    keepalive_s: int = 30
    session_expiry_s: int = 7 * 24 * 3600
    backoff_min_s: float = 0.5
    backoff_max_s: float = 60.0
    max_inflight: int = 50
    max_queued: int = 5000


def backoff_delay(attempt: int, minimum: float, maximum: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [minimum, min(maximum, min * 2^n)]."""
    ceiling = min(maximum, minimum * (2 ** min(attempt, 30)))
    return rng.uniform(minimum, max(minimum, ceiling))


Will = tuple[str, bytes, int, bool]  # topic, payload, qos, retain


class MqttConnection:
    """A paho client with our reconnect policy; callbacks run on the asyncio loop thread."""

    def __init__(
        self,
        config: BrokerConfig,
        *,
        on_connect: Callable[[], None],
        on_disconnect: Callable[[str], None],
        on_message: Callable[[str, bytes], None],
        on_publish: Callable[[int, bool], None] | None = None,
        will: Will | None = None,
        nice: int = 0,
    ) -> None:
        """``nice``: the network thread runs that many nice steps below the caller's thread
        (the device's engine lowers it below the screen's, :mod:`sync.priority`)."""
        self.config = config
        self._nice = nice
        self._tls, self._host, self._port = parse_broker_url(config.url)
        self._loop = asyncio.get_running_loop()
        self._on_connect_cb = on_connect
        self._on_disconnect_cb = on_disconnect
        self._on_message_cb = on_message
        self._on_publish_cb = on_publish
        self._subscriptions: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rng = random.Random()
        self.connected = False  # only touched on the loop thread
        self._got_connack = False  # only touched on the network thread
        self._client = self._build_client(will)

    def _build_client(self, will: Will | None) -> paho.Client:
        cfg = self.config
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=cfg.client_id,
            protocol=paho.MQTTv5,
            reconnect_on_failure=False,
        )
        client.max_inflight_messages_set(cfg.max_inflight)
        client.max_queued_messages_set(cfg.max_queued)
        if self._tls:
            try:
                context = ssl.create_default_context(cafile=cfg.ca_file)
                if cfg.cert_file:
                    context.load_cert_chain(cfg.cert_file, cfg.key_file)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"TLS files unusable: {exc}") from None
            client.tls_set_context(context)
        if will is not None:
            topic, payload, qos, retain = will
            client.will_set(topic, payload, qos=qos, retain=retain)
        client.on_connect = self._net_on_connect
        client.on_disconnect = self._net_on_disconnect
        client.on_message = self._net_on_message
        client.on_publish = self._net_on_publish
        return client

    # -- the one way in from the network thread ----------------------------------------------
    def _post(self, func: Callable[..., None], *args: Any) -> None:
        # RuntimeError: the loop is closed, we are shutting down and nobody listens any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(func, *args)

    # -- network thread ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name=f"mqtt-{self.config.client_id}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        lower_thread_priority(self._nice)
        attempt = 0
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.config.session_expiry_s
        while not self._stop.is_set():
            self._got_connack = False
            try:
                self._client.connect(
                    self._host,
                    self._port,
                    keepalive=self.config.keepalive_s,
                    clean_start=False,
                    properties=props,
                )
            except (OSError, ssl.SSLError, ValueError) as exc:
                self._post(self._on_disconnect_cb, f"connect failed: {exc}")
            else:
                while not self._stop.is_set():
                    rc = self._client.loop(timeout=0.05)
                    if rc != paho.MQTT_ERR_SUCCESS:
                        break
                if self._got_connack:
                    attempt = 0
            if self._stop.is_set():
                break
            attempt += 1
            delay = backoff_delay(
                attempt, self.config.backoff_min_s, self.config.backoff_max_s, self._rng
            )
            self._stop.wait(delay)

    def _net_on_connect(
        self, client: paho.Client, _ud: Any, _flags: Any, reason: ReasonCode, _props: Any
    ) -> None:
        if reason.is_failure:
            self._post(self._on_disconnect_cb, f"connection refused: {reason}")
            return
        self._got_connack = True
        for topic, qos in self._subscriptions:
            client.subscribe(topic, qos=qos)
        self._post(self._mark_connected)

    def _net_on_disconnect(
        self, _client: paho.Client, _ud: Any, _flags: Any, reason: ReasonCode, _props: Any
    ) -> None:
        self._post(self._mark_disconnected, str(reason))

    def _net_on_message(self, _client: paho.Client, _ud: Any, msg: paho.MQTTMessage) -> None:
        self._post(self._on_message_cb, msg.topic, bytes(msg.payload))

    def _net_on_publish(
        self, _client: paho.Client, _ud: Any, mid: int, reason: ReasonCode, _props: Any
    ) -> None:
        if self._on_publish_cb is not None:
            self._post(self._on_publish_cb, mid, bool(reason.is_failure))

    # -- loop thread ---------------------------------------------------------------------------
    def _mark_connected(self) -> None:
        self.connected = True
        self._on_connect_cb()

    def _mark_disconnected(self, why: str) -> None:
        was = self.connected
        self.connected = False
        if was or why.startswith(("connect failed", "connection refused")):
            self._on_disconnect_cb(why)

    def subscribe(self, topic: str, qos: int = 1) -> None:
        """Subscribe now (if connected) and again on every reconnect."""
        self._subscriptions.append((topic, qos))
        if self.connected:
            self._client.subscribe(topic, qos=qos)

    def publish(
        self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False
    ) -> int | None:
        """Publish; returns the message id, or None when not connected (nothing queued)."""
        if not self.connected:
            return None
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            return None
        return int(info.mid)

    def reconnect(self) -> None:
        """Drop the connection; the network thread reconnects (resuming the session)."""
        if self.connected:
            self._client.disconnect()

    async def close(self, final: list[Will] | None = None, timeout: float = 3.0) -> None:
        """Publish ``final`` messages if connected, disconnect, and stop the network thread."""
        if self._thread is None:
            return
        infos = []
        if self.connected:
            for topic, payload, qos, retain in final or []:
                infos.append(self._client.publish(topic, payload, qos=qos, retain=retain))
        thread = self._thread

        def finish() -> None:
            for info in infos:
                try:
                    info.wait_for_publish(timeout)
                except (RuntimeError, ValueError):
                    break
            self._stop.set()
            thread.join(timeout)
            self._client.disconnect()
            # paho has no public close: its wake-up socket pair (TCP on 127.0.0.1) and the
            # broker socket would otherwise only go when the client is garbage-collected.
            self._client._reset_sockets()

        await self._loop.run_in_executor(None, finish)
        self._thread = None
        self.connected = False
