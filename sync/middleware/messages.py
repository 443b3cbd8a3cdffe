"""What the middleware receives, classified before any database work (pure, no I/O).

:func:`classify` turns one ``(topic, payload)`` into exactly one frozen dataclass:
:class:`EventsReceived`, :class:`SnapshotReceived`, :class:`StatusReceived`,
:class:`TelemetryReceived` or :class:`MalformedReceived`. It never raises. Beyond the shared
codec's checks it recomputes every event's hash from the received body, and rejects values the
database could not store (integers outside 64 bits, NUL characters, unencodable text), so one
hostile message can never fail a whole batch's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.errors import ProtocolError
from sync.protocol import (
    MAX_PAYLOAD_BYTES,
    PROTOCOL_VERSION,
    Event,
    Snapshot,
    Topics,
    canonical_json,
    event_hash,
    parse_event_batch,
    parse_snapshot,
)

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


@dataclass(frozen=True)
class Inbound:
    """One MQTT message as it arrived."""

    topic: str
    payload: bytes


@dataclass(frozen=True, order=True)
class StreamKey:
    device_id: str
    epoch: int


@dataclass(frozen=True)
class EventsReceived:
    key: StreamKey
    events: tuple[tuple[Event, str], ...]  # (event, its verified hash), in the order sent
    bad_events: int  # events of this message dropped as malformed (bad hash, bad values)


@dataclass(frozen=True)
class SnapshotReceived:
    key: StreamKey
    snapshot: Snapshot


@dataclass(frozen=True)
class StatusReceived:
    device_id: str
    state: str  # "online" | "offline"
    ts: str | None


@dataclass(frozen=True)
class TelemetryReceived:
    device_id: str
    body: str  # canonical JSON of the payload
    queue_count: int | None


@dataclass(frozen=True)
class MalformedReceived:
    device_id: str | None  # None when even the topic names no device
    epoch: int | None  # when the payload names one, so the stream row can count it
    reason: str


Received = (
    EventsReceived | SnapshotReceived | StatusReceived | TelemetryReceived | MalformedReceived
)


def classify(message: Inbound, topics: Topics) -> Received:
    """Parse and validate one message; every failure becomes :class:`MalformedReceived`."""
    try:
        device_id, leaf = topics.split_device_topic(message.topic)
    except ProtocolError as exc:
        return MalformedReceived(None, None, str(exc))
    try:
        if leaf == "events":
            return _events(message.payload, device_id)
        if leaf == "snapshot":
            return _snapshot(message.payload, device_id)
        if leaf == "status":
            return _status(message.payload, device_id)
        if leaf == "telemetry":
            return _telemetry(message.payload, device_id)
        raise ProtocolError(f"unknown topic leaf {leaf!r}")
    except ProtocolError as exc:
        return MalformedReceived(device_id, _claimed_epoch(message.payload), str(exc))


def _events(payload: bytes, device_id: str) -> EventsReceived:
    batch = parse_event_batch(payload, device_id)
    _check_int("epoch", batch.epoch)
    raw_items = json.loads(payload)["events"]  # already parsed once, so known to be valid
    good: list[tuple[Event, str]] = []
    bad = 0
    for (event, claimed), raw in zip(batch.events, raw_items, strict=True):
        if _event_problem(event, claimed, raw) is None:
            good.append((event, claimed))
        else:
            bad += 1
    return EventsReceived(StreamKey(device_id, batch.epoch), tuple(good), bad)


def _event_problem(event: Event, claimed: str, raw: Mapping[str, Any]) -> str | None:
    try:
        computed = event_hash(raw)  # over the body as received, minus "hash"
        data_text = canonical_json(dict(event.data))
        data_text.encode()
    except (ValueError, UnicodeEncodeError, RecursionError):
        return "unencodable body"
    if computed != claimed:
        return "hash mismatch"
    try:
        for name in ("seq", "qty", "amount_minor"):
            _check_int(name, getattr(event, name))
        for text in (event.ts, event.currency, event.txn_id):
            _check_text(text)
    except ProtocolError as exc:
        return str(exc)
    return None


def _snapshot(payload: bytes, device_id: str) -> SnapshotReceived:
    snap = parse_snapshot(payload, device_id)
    _check_int("epoch", snap.epoch)
    _check_int("lastSeq", snap.last_seq)
    _check_text(snap.ts)
    for qty, unit in snap.on_hand.values():
        _check_int("qty", qty)
        _check_text(unit)
    return SnapshotReceived(StreamKey(device_id, snap.epoch), snap)


def _object(payload: bytes, what: str) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"{what}: payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        raise ProtocolError(f"{what}: not JSON") from None
    if not isinstance(value, dict):
        raise ProtocolError(f"{what}: expected a JSON object")
    if value.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(f"{what}: unsupported protocol version {value.get('v')!r}")
    return value


def _status(payload: bytes, device_id: str) -> StatusReceived:
    obj = _object(payload, "status")
    state = obj.get("state")
    if state not in ("online", "offline"):
        raise ProtocolError(f"status: 'state' must be 'online' or 'offline', not {state!r}")
    ts = obj.get("ts")
    if ts is not None and not isinstance(ts, str):
        raise ProtocolError("status: 'ts' must be a string or null")
    _check_text(ts)
    return StatusReceived(device_id, state, ts)


def _telemetry(payload: bytes, device_id: str) -> TelemetryReceived:
    obj = _object(payload, "telemetry")
    queue = obj.get("queue")
    count = queue.get("count") if isinstance(queue, dict) else None
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        raise ProtocolError("telemetry: 'queue.count' must be an integer")
    if count is not None:
        _check_int("queue.count", count)
    try:
        body = canonical_json(obj)
        body.encode()
    except (ValueError, UnicodeEncodeError, RecursionError):
        raise ProtocolError("telemetry: not encodable as canonical JSON") from None
    return TelemetryReceived(device_id, body, count)


def _check_int(name: str, value: int) -> None:
    if not INT64_MIN <= value <= INT64_MAX:
        raise ProtocolError(f"{name!r} does not fit in 64 bits")


def _check_text(value: str | None) -> None:
    if value is None:
        return
    if "\x00" in value:
        raise ProtocolError("text contains a NUL character")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ProtocolError("text is not valid Unicode") from None


def _claimed_epoch(payload: bytes) -> int | None:
    """The epoch a malformed payload names, if it is readable at all (for counting only)."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        return None
    try:
        obj = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    epoch = obj.get("epoch") if isinstance(obj, dict) else None
    if isinstance(epoch, int) and not isinstance(epoch, bool) and 1 <= epoch <= INT64_MAX:
        return epoch
    return None
