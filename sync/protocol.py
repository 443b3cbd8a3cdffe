"""The MQTT contract shared by the device and the middleware (see docs/protocol.md).

Offers the topic names, the ledger :class:`Event` with its canonical encoding and SHA-256 hash,
the on-hand effect of each event type, and strict parsers for every message either end
receives. A parser either returns a frozen dataclass or raises :class:`ProtocolError` with one
clear sentence; it never lets a ``KeyError`` or ``ValueError`` escape.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync.errors import ProtocolError

PROTOCOL_VERSION = 1
DEFAULT_PREFIX = "pk/v1"
SHARE_GROUP = "pk-middleware"
MAX_EVENTS_PER_MESSAGE = 500
MAX_PAYLOAD_BYTES = 256 * 1024

_DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class EventType(enum.Enum):
    SALE = "SALE"
    REFUND = "REFUND"
    RESTOCK = "RESTOCK"
    ADJUSTMENT = "ADJUSTMENT"
    TEST_VEND = "TEST_VEND"
    # Payment lifecycle and machine events (no stock effect) travel through the same ledger.
    PAYMENT = "PAYMENT"
    DISPENSE = "DISPENSE"
    LOYALTY = "LOYALTY"
    AUDIT = "AUDIT"
    DOOR = "DOOR"


class Unit(enum.Enum):
    MICROLITRE = "ul"  # spray channels: remaining = refill - doses x calibrated dose
    UNIT = "unit"  # bottles


def validate_device_id(device_id: str) -> str:
    if not isinstance(device_id, str) or not _DEVICE_ID_RE.fullmatch(device_id):
        raise ProtocolError(f"bad device id {device_id!r}: 1-64 of letters, digits, '_', '.', '-'")
    return device_id


def validate_sku(sku: str) -> str:
    if not isinstance(sku, str) or not _SKU_RE.fullmatch(sku):
        raise ProtocolError(f"bad SKU {sku!r}: 1-64 of letters, digits, '_', '.', ':', '-'")
    return sku


def utc_now_iso() -> str:
    """Now as UTC ISO-8601 with milliseconds and a trailing Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def canonical_json(value: Any) -> str:
    """Canonical encoding: sorted keys, no spaces, UTF-8 text, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclass(frozen=True)
class Event:
    """One immutable ledger event, exactly as it travels and as both ends store it."""

    device_id: str
    epoch: int
    seq: int
    type: EventType
    ts: str
    sku: str | None
    qty: int  # in the SKU's unit; sign given by the type (see stock_delta)
    unit: Unit | None
    amount_minor: int  # integer minor units; 0 when no money moves
    currency: str | None
    txn_id: str | None = None  # the local transaction this event belongs to, if any
    data: Mapping[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The hashed fields, with wire names."""
        return {
            "deviceId": self.device_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "type": self.type.value,
            "ts": self.ts,
            "sku": self.sku,
            "qty": self.qty,
            "unit": self.unit.value if self.unit else None,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
            "txnId": self.txn_id,
            "data": dict(self.data),
        }

    @property
    def hash(self) -> str:
        return event_hash(self.body())

    def encode(self) -> tuple[str, str]:
        """(wire JSON with its ``hash``, the hash), computing the canonical body once."""
        body = self.body()
        digest = hashlib.sha256(canonical_json(body).encode()).hexdigest()
        body["hash"] = digest
        return canonical_json(body), digest

    def to_wire(self) -> str:
        """Canonical JSON of the body plus its ``hash`` (what the outbox stores)."""
        return self.encode()[0]

    def stock_delta(self) -> int:
        return stock_delta(self.type, self.qty)


def event_hash(body: Mapping[str, Any]) -> str:
    without = {k: v for k, v in body.items() if k != "hash"}
    return hashlib.sha256(canonical_json(without).encode()).hexdigest()


def stock_delta(kind: EventType, qty: int) -> int:
    """How an event of ``kind`` moves its SKU's on-hand quantity."""
    if kind in (EventType.SALE, EventType.TEST_VEND):
        return -qty
    if kind is EventType.RESTOCK:
        return qty
    if kind is EventType.ADJUSTMENT:
        return qty  # signed: negative for damaged/theft/expired, positive for a recount up
    return 0


# -- parsing ---------------------------------------------------------------------------------


def _obj(raw: bytes | str, what: str) -> dict[str, Any]:
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"{what}: payload of {len(raw)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and Python's 4,300-digit integer limit;
        # RecursionError comes from deeply nested arrays or objects.
        raise ProtocolError(f"{what}: not JSON ({exc.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise ProtocolError(f"{what}: expected a JSON object")
    return value


def _int(obj: Mapping[str, Any], key: str, what: str, *, minimum: int | None = None) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"{what}: {key!r} must be an integer")
    if minimum is not None and value < minimum:
        raise ProtocolError(f"{what}: {key!r} must be >= {minimum}")
    return value


def _str(obj: Mapping[str, Any], key: str, what: str, *, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"{what}: {key!r} must be a string")
    return value


def _version(obj: Mapping[str, Any], what: str) -> None:
    if obj.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(f"{what}: unsupported protocol version {obj.get('v')!r}")


def parse_event(obj: Any) -> tuple[Event, str]:
    """Parse one wire event; return it and the hash it claimed (checked by the caller)."""
    what = "event"
    if not isinstance(obj, dict):
        raise ProtocolError("event: expected a JSON object")
    claimed = _str(obj, "hash", what)
    assert claimed is not None
    try:
        kind = EventType(obj.get("type"))
    except ValueError:
        raise ProtocolError(f"event: unknown type {obj.get('type')!r}") from None
    unit_raw = obj.get("unit")
    try:
        unit = Unit(unit_raw) if unit_raw is not None else None
    except ValueError:
        raise ProtocolError(f"event: unknown unit {unit_raw!r}") from None
    data = obj.get("data", {})
    if not isinstance(data, dict):
        raise ProtocolError("event: 'data' must be an object")
    sku = _str(obj, "sku", what, optional=True)
    if sku is not None:
        validate_sku(sku)
    event = Event(
        device_id=validate_device_id(_str(obj, "deviceId", what) or ""),
        epoch=_int(obj, "epoch", what, minimum=1),
        seq=_int(obj, "seq", what, minimum=1),
        type=kind,
        ts=_str(obj, "ts", what) or "",
        sku=sku,
        qty=_int(obj, "qty", what),
        unit=unit,
        amount_minor=_int(obj, "amountMinor", what),
        currency=_str(obj, "currency", what, optional=True),
        txn_id=_str(obj, "txnId", what, optional=True),
        data=data,
    )
    return event, claimed


@dataclass(frozen=True)
class EventBatch:
    device_id: str
    epoch: int
    events: tuple[tuple[Event, str], ...]  # (event, claimed hash), in the order sent


def encode_event_batch(device_id: str, epoch: int, wire_events: list[str]) -> bytes:
    """Join pre-encoded wire events (``Event.to_wire()``) into one events message."""
    head = f'{{"deviceId":{json.dumps(device_id)},"epoch":{epoch},"events":['
    return (head + ",".join(wire_events) + f'],"v":{PROTOCOL_VERSION}}}').encode()


def parse_event_batch(raw: bytes | str, topic_device_id: str) -> EventBatch:
    what = "events message"
    obj = _obj(raw, what)
    _version(obj, what)
    device_id = validate_device_id(_str(obj, "deviceId", what) or "")
    if device_id != topic_device_id:
        raise ProtocolError(f"{what}: deviceId {device_id!r} does not match its topic")
    epoch = _int(obj, "epoch", what, minimum=1)
    items = obj.get("events")
    if not isinstance(items, list) or not items or len(items) > MAX_EVENTS_PER_MESSAGE:
        raise ProtocolError(f"{what}: 'events' must be a list of 1-{MAX_EVENTS_PER_MESSAGE}")
    parsed = []
    for item in items:
        event, claimed = parse_event(item)
        if event.device_id != device_id or event.epoch != epoch:
            raise ProtocolError(f"{what}: event {event.seq} names another device or epoch")
        parsed.append((event, claimed))
    return EventBatch(device_id, epoch, tuple(parsed))


@dataclass(frozen=True)
class Ack:
    epoch: int
    ack_seq: int  # every event with seq <= ack_seq is stored by the middleware


@dataclass(frozen=True)
class GapRequest:
    epoch: int
    first: int
    last: int


@dataclass(frozen=True)
class Snapshot:
    device_id: str
    epoch: int
    last_seq: int
    ts: str
    on_hand: Mapping[str, tuple[int, str | None]]  # sku -> (qty, unit)


def encode_ack(ack: Ack) -> bytes:
    return canonical_json(
        {"v": PROTOCOL_VERSION, "epoch": ack.epoch, "ackSeq": ack.ack_seq}
    ).encode()


def parse_ack(raw: bytes | str) -> Ack:
    obj = _obj(raw, "ack")
    _version(obj, "ack")
    return Ack(
        epoch=_int(obj, "epoch", "ack", minimum=1), ack_seq=_int(obj, "ackSeq", "ack", minimum=0)
    )


def encode_gap_request(gap: GapRequest) -> bytes:
    return canonical_json(
        {"v": PROTOCOL_VERSION, "epoch": gap.epoch, "from": gap.first, "to": gap.last}
    ).encode()


def parse_gap_request(raw: bytes | str) -> GapRequest:
    what = "gap request"
    obj = _obj(raw, what)
    _version(obj, what)
    first = _int(obj, "from", what, minimum=1)
    last = _int(obj, "to", what, minimum=1)
    if last < first:
        raise ProtocolError(f"{what}: 'to' is before 'from'")
    return GapRequest(epoch=_int(obj, "epoch", what, minimum=1), first=first, last=last)


def encode_snapshot(snap: Snapshot) -> bytes:
    return canonical_json(
        {
            "v": PROTOCOL_VERSION,
            "deviceId": snap.device_id,
            "epoch": snap.epoch,
            "lastSeq": snap.last_seq,
            "ts": snap.ts,
            "onHand": {sku: {"qty": q, "unit": u} for sku, (q, u) in snap.on_hand.items()},
        }
    ).encode()


def parse_snapshot(raw: bytes | str, topic_device_id: str) -> Snapshot:
    what = "snapshot"
    obj = _obj(raw, what)
    _version(obj, what)
    device_id = validate_device_id(_str(obj, "deviceId", what) or "")
    if device_id != topic_device_id:
        raise ProtocolError(f"{what}: deviceId {device_id!r} does not match its topic")
    on_hand_raw = obj.get("onHand")
    if not isinstance(on_hand_raw, dict):
        raise ProtocolError(f"{what}: 'onHand' must be an object")
    on_hand: dict[str, tuple[int, str | None]] = {}
    for sku, entry in on_hand_raw.items():
        validate_sku(sku)
        if not isinstance(entry, dict):
            raise ProtocolError(f"{what}: onHand[{sku!r}] must be an object")
        on_hand[sku] = (_int(entry, "qty", what), _str(entry, "unit", what, optional=True))
    return Snapshot(
        device_id=device_id,
        epoch=_int(obj, "epoch", what, minimum=1),
        last_seq=_int(obj, "lastSeq", what, minimum=0),
        ts=_str(obj, "ts", what) or "",
        on_hand=on_hand,
    )


# -- topics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topics:
    """Topic names under one prefix (default ``pk/v1``)."""

    prefix: str = DEFAULT_PREFIX

    def device(self, device_id: str, leaf: str) -> str:
        return f"{self.prefix}/dev/{device_id}/{leaf}"

    def to_device(self, device_id: str, leaf: str) -> str:
        return f"{self.prefix}/mw/{device_id}/{leaf}"

    def events(self, device_id: str) -> str:
        return self.device(device_id, "events")

    def snapshot(self, device_id: str) -> str:
        return self.device(device_id, "snapshot")

    def telemetry(self, device_id: str) -> str:
        return self.device(device_id, "telemetry")

    def status(self, device_id: str) -> str:
        return self.device(device_id, "status")

    def ack(self, device_id: str) -> str:
        return self.to_device(device_id, "ack")

    def gap(self, device_id: str) -> str:
        return self.to_device(device_id, "gap")

    def snapshot_request(self, device_id: str) -> str:
        return self.to_device(device_id, "snapshot-request")

    def shared(self, leaf: str) -> str:
        """The middleware's shared subscription for one device-to-middleware leaf."""
        return f"$share/{SHARE_GROUP}/{self.prefix}/dev/+/{leaf}"

    def split_device_topic(self, topic: str) -> tuple[str, str]:
        """``prefix/dev/<id>/<leaf>`` -> (id, leaf); ProtocolError for anything else."""
        head = f"{self.prefix}/dev/"
        if not topic.startswith(head):
            raise ProtocolError(f"unexpected topic {topic!r}")
        rest = topic[len(head) :].split("/")
        if len(rest) != 2:
            raise ProtocolError(f"unexpected topic {topic!r}")
        return validate_device_id(rest[0]), rest[1]
