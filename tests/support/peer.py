"""A scripted middleware peer for engine tests: a plain paho client speaking docs/protocol.md.

It records every event it receives, acks cumulatively when ``auto_ack`` is on, and lets a test
withhold acks, send raw (even malformed) control messages and gap requests. The real
middleware is tested on its own and end to end; this peer gives the engine tests exact control.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from sync.protocol import Topics


class ScriptedMiddleware:
    def __init__(self, port: int, *, auto_ack: bool = True, topics: Topics | None = None) -> None:
        self.topics = topics or Topics()
        self.auto_ack = auto_ack
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []  # every event, duplicates included
        self.messages: dict[str, list[bytes]] = {}
        self.hwm: dict[str, int] = {}
        self.epoch: dict[str, int] = {}
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id="scripted-mw", protocol=paho.MQTTv5
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.wait(lambda: self.subscribed, what="subscription")

    subscribed = False

    def _on_connect(self, client: paho.Client, *_: Any) -> None:
        client.subscribe(f"{self.topics.prefix}/dev/+/+", qos=1)
        self.subscribed = True

    def _on_message(self, client: paho.Client, _ud: Any, msg: paho.MQTTMessage) -> None:
        device, leaf = self.topics.split_device_topic(msg.topic)
        with self.lock:
            self.messages.setdefault(leaf, []).append(bytes(msg.payload))
            if leaf != "events":
                return
            batch = json.loads(msg.payload)
            self.epoch[device] = batch["epoch"]
            hwm = self.hwm.get(device, 0)
            for event in batch["events"]:
                self.received.append(event)
                if event["seq"] == hwm + 1:
                    hwm += 1
            self.hwm[device] = hwm
            ack = self.auto_ack
        if ack:
            self.ack(device, hwm)

    def ack(self, device: str, seq: int, epoch: int | None = None) -> None:
        payload = {"v": 1, "epoch": epoch or self.epoch[device], "ackSeq": seq}
        self.send(device, "ack", json.dumps(payload).encode())

    def send(self, device: str, leaf: str, payload: bytes) -> None:
        self.client.publish(self.topics.to_device(device, leaf), payload, qos=1)

    def seqs(self) -> list[int]:
        with self.lock:
            return [e["seq"] for e in self.received]

    def unique_seqs(self) -> set[int]:
        return set(self.seqs())

    def leaf(self, leaf: str) -> list[bytes]:
        with self.lock:
            return list(self.messages.get(leaf, []))

    def wait(self, cond: Any, timeout: float = 20.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.client._reset_sockets()  # paho has no public close for its socket pair
