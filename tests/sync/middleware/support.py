"""Test helpers: crafted protocol messages, database reads, and a scripted device.

The device is a plain paho client (the protocol boundary): it publishes events messages built
with ``sync.protocol``, records every ack and gap request it receives, and can replay
everything unacked, like a real kiosk does after a reconnect.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, func, select

from sync.middleware import schema as t
from sync.middleware.messages import Inbound
from sync.protocol import (
    Event,
    EventType,
    Snapshot,
    Topics,
    Unit,
    encode_event_batch,
    encode_snapshot,
    parse_ack,
    parse_gap_request,
)

TOPICS = Topics()
TS = "2026-11-30T10:15:02.123Z"


def make_event(
    seq: int,
    *,
    device: str = "pk-0001",
    epoch: int = 1,
    kind: EventType = EventType.SALE,
    sku: str | None = "NOIR-SPRAY",
    qty: int = 210,
    amount: int = 1250,
    data: dict[str, Any] | None = None,
) -> Event:
    return Event(
        device_id=device,
        epoch=epoch,
        seq=seq,
        type=kind,
        ts=TS,
        sku=sku,
        qty=qty,
        unit=Unit.MICROLITRE if sku else None,
        amount_minor=amount,
        currency="EUR",
        txn_id=f"t-{seq}",
        data=data or {"doses": 3},
    )


def events_payload(events: Iterable[Event]) -> bytes:
    evs = list(events)
    return encode_event_batch(evs[0].device_id, evs[0].epoch, [e.to_wire() for e in evs])


def inbound(*events: Event) -> Inbound:
    return Inbound(TOPICS.events(events[0].device_id), events_payload(events))


def snapshot_inbound(
    device: str, last_seq: int, on_hand: dict[str, int], epoch: int = 1
) -> Inbound:
    snap = Snapshot(device, epoch, last_seq, TS, {k: (v, "ul") for k, v in on_hand.items()})
    return Inbound(TOPICS.snapshot(device), encode_snapshot(snap))


def fold(events: Iterable[Event]) -> dict[str, int]:
    result: dict[str, int] = {}
    for e in events:
        if e.sku is not None and e.stock_delta():
            result[e.sku] = result.get(e.sku, 0) + e.stock_delta()
    return {sku: qty for sku, qty in result.items() if qty != 0}


def stream_row(engine: Engine, device: str = "pk-0001", epoch: int = 1) -> Any:
    with engine.connect() as conn:
        s = t.streams.c
        return conn.execute(
            select(t.streams).where(s.device_id == device, s.epoch == epoch)
        ).first()


def stored_seqs(engine: Engine, device: str = "pk-0001", epoch: int = 1) -> list[int]:
    e = t.events.c
    with engine.connect() as conn:
        return [
            int(s)
            for (s,) in conn.execute(
                select(e.seq).where(e.device_id == device, e.epoch == epoch).order_by(e.seq)
            )
        ]


def projection(engine: Engine, device: str = "pk-0001", epoch: int = 1) -> dict[str, int]:
    p = t.projection.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.sku, p.qty).where(p.device_id == device, p.epoch == epoch)
        ).all()
    return {str(sku): int(qty) for sku, qty in rows if qty != 0}


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


async def eventually(cond: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Poll ``cond`` until truthy; fail only after a generous deadline (never on speed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or cond}")


class TestDevice:
    """A scripted kiosk: publishes crafted messages, records acks and gap requests."""

    __test__ = False  # not a pytest class

    def __init__(self, port: int, device_id: str = "pk-0001", *, epoch: int = 1) -> None:
        self.device_id = device_id
        self.epoch = epoch
        self.lock = threading.Lock()
        self.acks: list[int] = []
        self.gaps: list[tuple[int, int]] = []
        self.ledger: dict[int, Event] = {}
        self.subscribed = threading.Event()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"dev-{device_id}", protocol=paho.MQTTv5
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_a: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if not self.subscribed.wait(15):
            raise AssertionError("test device did not subscribe")

    def _on_connect(self, client: paho.Client, *_: Any) -> None:
        client.subscribe(f"{TOPICS.prefix}/mw/{self.device_id}/#", qos=1)

    def _on_message(self, _c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        with self.lock:
            if msg.topic.endswith("/ack"):
                self.acks.append(parse_ack(msg.payload).ack_seq)
            elif msg.topic.endswith("/gap"):
                gap = parse_gap_request(msg.payload)
                self.gaps.append((gap.first, gap.last))

    @property
    def acked(self) -> int:
        with self.lock:
            return max(self.acks, default=0)

    def gap_list(self) -> list[tuple[int, int]]:
        with self.lock:
            return list(self.gaps)

    def event(self, seq: int, **kw: Any) -> Event:
        ev = self.ledger.get(seq)
        if ev is None:
            kind = EventType.RESTOCK if seq == 1 else EventType.SALE
            qty = 10_000_000 if seq == 1 else 210
            ev = make_event(seq, device=self.device_id, epoch=self.epoch, kind=kind, qty=qty, **kw)
            self.ledger[seq] = ev
        return ev

    def publish_raw(self, leaf: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> None:
        info = self.client.publish(TOPICS.device(self.device_id, leaf), payload, qos, retain)
        info.wait_for_publish(15)

    def send(self, *seqs: int) -> None:
        """One events message with these (contiguous, ascending) sequence numbers."""
        self.publish_raw("events", events_payload(self.event(s) for s in seqs))

    def replay(self, last: int, *, batch: int = 50) -> None:
        """Republish everything unacked up to ``last`` in batches, like a reconnect does."""
        first = self.acked + 1
        for start in range(first, last + 1, batch):
            self.send(*range(start, min(start + batch, last + 1)))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def status_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
