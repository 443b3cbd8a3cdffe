"""The shared codec: canonical hashing, batches, and strict parsers for every message."""

from __future__ import annotations

import json

import pytest

from sync.errors import ProtocolError
from sync.protocol import (
    Ack,
    Event,
    EventType,
    GapRequest,
    Snapshot,
    Topics,
    Unit,
    encode_ack,
    encode_event_batch,
    encode_gap_request,
    encode_snapshot,
    event_hash,
    parse_ack,
    parse_event_batch,
    parse_gap_request,
    parse_snapshot,
    stock_delta,
)


def _event(seq: int = 1, **overrides: object) -> Event:
    fields: dict[str, object] = {
        "device_id": "pk-1",
        "epoch": 7,
        "seq": seq,
        "type": EventType.SALE,
        "ts": "2026-11-30T10:00:00.000Z",
        "sku": "NOIR-SPRAY",
        "qty": 210,
        "unit": Unit.MICROLITRE,
        "amount_minor": 300,
        "currency": "EUR",
        "txn_id": "t-1",
        "data": {"doses": 3, "note": "élan"},
    }
    fields.update(overrides)
    return Event(**fields)  # type: ignore[arg-type]


def test_wire_round_trip_keeps_every_field_and_the_hash() -> None:
    event = _event()
    batch = parse_event_batch(encode_event_batch("pk-1", 7, [event.to_wire()]), "pk-1")
    ((parsed, claimed),) = batch.events
    assert parsed == event
    assert claimed == event.hash == parsed.hash


def test_canonical_encoding_is_key_order_independent_and_unescaped() -> None:
    body = _event().body()
    shuffled = dict(reversed(list(body.items())))
    assert event_hash(body) == event_hash(shuffled)
    assert "élan" in _event().to_wire()


def test_any_field_change_changes_the_hash() -> None:
    base = _event().hash
    for change in (
        {"qty": 211},
        {"amount_minor": 301},
        {"sku": "X"},
        {"data": {"doses": 4}},
        {"seq": 2},
        {"epoch": 8},
        {"type": EventType.REFUND},
    ):
        assert _event(**change).hash != base, change


@pytest.mark.parametrize(
    ("kind", "qty", "delta"),
    [
        (EventType.SALE, 5, -5),
        (EventType.TEST_VEND, 5, -5),
        (EventType.RESTOCK, 5, 5),
        (EventType.ADJUSTMENT, -3, -3),
        (EventType.ADJUSTMENT, 3, 3),
        (EventType.REFUND, 5, 0),
        (EventType.PAYMENT, 5, 0),
        (EventType.DOOR, 0, 0),
    ],
)
def test_stock_effect_per_type(kind: EventType, qty: int, delta: int) -> None:
    assert stock_delta(kind, qty) == delta


def _wire_batch(**top: object) -> bytes:
    obj = json.loads(encode_event_batch("pk-1", 7, [_event().to_wire()]))
    obj.update(top)
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1,2]", "expected a JSON object"),
        (_wire_batch(v=2), "unsupported protocol version"),
        (_wire_batch(deviceId="pk-2"), "does not match its topic"),
        (_wire_batch(epoch="7"), "'epoch' must be an integer"),
        (_wire_batch(events=[]), "must be a list"),
        (_wire_batch(events=[{"hash": "x"}]), "unknown type"),
        (_wire_batch(events=[1]), "expected a JSON object"),
        (b"{" + b" " * 300_000 + b"}", "exceeds"),
    ],
)
def test_malformed_event_batches_raise_one_clear_protocol_error(
    payload: bytes, message: str
) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_event_batch(payload, "pk-1")


def test_event_of_another_epoch_inside_a_batch_is_refused() -> None:
    raw = encode_event_batch("pk-1", 8, [_event().to_wire()])
    with pytest.raises(ProtocolError, match="another device or epoch"):
        parse_event_batch(raw, "pk-1")


def test_event_field_validation() -> None:
    obj = json.loads(_event().to_wire())
    for key, value, message in (
        ("seq", 0, "'seq' must be >= 1"),
        ("seq", True, "'seq' must be an integer"),
        ("unit", "gallon", "unknown unit"),
        ("data", [], "'data' must be an object"),
        ("sku", "bad sku!", "bad SKU"),
        ("deviceId", "", "bad device id"),
        ("ts", 5, "'ts' must be a string"),
    ):
        broken = dict(obj, **{key: value})
        raw = encode_event_batch("pk-1", 7, [json.dumps(broken)])
        with pytest.raises(ProtocolError, match=message):
            parse_event_batch(raw, "pk-1")


def test_control_messages_round_trip() -> None:
    assert parse_ack(encode_ack(Ack(epoch=3, ack_seq=99))) == Ack(3, 99)
    gap = GapRequest(epoch=3, first=5, last=9)
    assert parse_gap_request(encode_gap_request(gap)) == gap
    snap = Snapshot("pk-1", 3, 40, "2026-11-30T10:00:00.000Z", {"A": (5, "unit"), "B": (0, None)})
    assert parse_snapshot(encode_snapshot(snap), "pk-1") == snap


@pytest.mark.parametrize(
    ("func", "payload", "message"),
    [
        (parse_ack, b'{"v":1,"epoch":1}', "'ackSeq' must be an integer"),
        (parse_ack, b'{"v":1,"epoch":1,"ackSeq":-1}', ">= 0"),
        (parse_gap_request, b'{"v":1,"epoch":1,"from":5,"to":4}', "before"),
        (parse_gap_request, b'{"epoch":1,"from":5,"to":6}', "version"),
    ],
)
def test_malformed_control_messages(func: object, payload: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        func(payload)  # type: ignore[operator]


def test_snapshot_validation() -> None:
    with pytest.raises(ProtocolError, match="does not match"):
        parse_snapshot(encode_snapshot(Snapshot("pk-1", 1, 0, "t", {})), "pk-2")
    with pytest.raises(ProtocolError, match="onHand"):
        parse_snapshot(b'{"v":1,"deviceId":"pk-1","epoch":1,"lastSeq":0,"ts":"t"}', "pk-1")


def test_topics() -> None:
    t = Topics()
    assert t.events("pk-1") == "pk/v1/dev/pk-1/events"
    assert t.ack("pk-1") == "pk/v1/mw/pk-1/ack"
    assert t.shared("events") == "$share/pk-middleware/pk/v1/dev/+/events"
    assert t.split_device_topic("pk/v1/dev/pk-1/snapshot") == ("pk-1", "snapshot")
    for bad in ("pk/v1/mw/pk-1/ack", "pk/v1/dev/pk-1", "pk/v1/dev/a b/events"):
        with pytest.raises(ProtocolError):
            t.split_device_topic(bad)


def test_ids_with_a_trailing_newline_are_refused() -> None:
    from sync.protocol import validate_device_id, validate_sku

    with pytest.raises(ProtocolError):
        validate_device_id("pk-1\n")
    with pytest.raises(ProtocolError):
        validate_sku("A\n")
