"""The ingest logic on its own (no MQTT), each case on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

from sync.middleware import schema as t
from sync.middleware.db import VERSION_TABLE, migrate
from sync.middleware.ingest import Ingestor
from sync.middleware.messages import Inbound
from sync.protocol import MAX_PAYLOAD_BYTES, EventType, GapRequest, event_hash
from tests.sync.middleware.support import (
    TOPICS,
    count,
    fold,
    inbound,
    make_event,
    projection,
    snapshot_inbound,
    stored_seqs,
    stream_row,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_schema_matches_migrations(engine: Engine) -> None:
    migrate(engine)  # a second run is a no-op
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diff = compare_metadata(context, t.metadata)
    assert diff == []


def test_same_event_three_times_is_stored_once(engine: Engine) -> None:
    ing = Ingestor(engine)
    first = make_event(1, kind=EventType.RESTOCK, qty=1000)
    outcomes = [ing.ingest([inbound(first)]) for _ in range(2)]
    outcomes.append(ing.ingest([inbound(first)]))
    assert [o.streams[0].high_water for o in outcomes] == [1, 1, 1]  # ack re-sent each time
    row = stream_row(engine)
    assert (row.events_stored, row.duplicates_dropped, row.high_water) == (1, 2, 1)
    assert stored_seqs(engine) == [1]
    assert projection(engine) == {"NOIR-SPRAY": 1000}


def test_reordered_events_advance_in_order(engine: Engine) -> None:
    ing = Ingestor(engine)
    evs = [make_event(1, kind=EventType.RESTOCK, qty=1000), make_event(2), make_event(3)]
    assert ing.ingest([inbound(evs[2])]).streams[0].high_water == 0
    assert ing.ingest([inbound(evs[0])]).streams[0].high_water == 1
    assert ing.ingest([inbound(evs[1])]).streams[0].high_water == 3
    assert stream_row(engine).high_water == 3
    assert projection(engine) == fold(evs) == {"NOIR-SPRAY": 1000 - 2 * 210}


def test_gap_is_requested_repeated_and_filled(engine: Engine) -> None:
    clock = Clock()
    ing = Ingestor(engine, gap_retry_s=10, clock=clock)
    evs = {s: make_event(s, kind=EventType.RESTOCK, qty=s) for s in range(1, 7)}
    out = ing.ingest([inbound(evs[1], evs[2]), inbound(evs[5])])
    assert out.streams[0].high_water == 2
    assert out.streams[0].gap == GapRequest(1, 3, 4)
    # Another early event right away: the same range is not asked again at once...
    assert ing.ingest([inbound(evs[6])]).streams[0].gap is None
    assert ing.due_gaps() == ()
    # ...but it is repeated after gap_retry_s, and again after that: never skipped.
    clock.now += timedelta(seconds=11)
    assert ing.due_gaps() == (("pk-0001", GapRequest(1, 3, 4)),)
    assert ing.due_gaps() == ()
    clock.now += timedelta(seconds=11)
    assert ing.due_gaps() == (("pk-0001", GapRequest(1, 3, 4)),)
    assert stream_row(engine).gaps_requested == 3
    # Half filled: the remaining range is asked for immediately (new H).
    out = ing.ingest([inbound(evs[3])])
    assert (out.streams[0].high_water, out.streams[0].gap) == (3, GapRequest(1, 4, 4))
    out = ing.ingest([inbound(evs[4])])
    assert (out.streams[0].high_water, out.streams[0].gap) == (6, None)
    row = stream_row(engine)
    assert (row.gap_from, row.gap_to) == (None, None)
    clock.now += timedelta(seconds=60)
    assert ing.due_gaps() == ()
    assert projection(engine) == {"NOIR-SPRAY": 21}


def test_events_beyond_the_reorder_window_are_dropped(engine: Engine) -> None:
    ing = Ingestor(engine, reorder_window=5)
    evs = {s: make_event(s, kind=EventType.RESTOCK, qty=1) for s in range(1, 8)}
    out = ing.ingest([inbound(evs[7]), inbound(evs[5])])
    assert out.streams[0].gap == GapRequest(1, 1, 4)
    assert stored_seqs(engine) == [5]
    assert stream_row(engine).beyond_window == 1
    ing.ingest([inbound(*(evs[s] for s in range(1, 5)))])
    out = ing.ingest([inbound(evs[6], evs[7])])  # resent once inside the window
    assert out.streams[0].high_water == 7
    assert stored_seqs(engine) == list(range(1, 8))


def test_hash_conflict_is_recorded_and_the_original_kept(engine: Engine) -> None:
    ing = Ingestor(engine)
    original = make_event(1, kind=EventType.RESTOCK, qty=1000)
    forged = make_event(1, kind=EventType.RESTOCK, qty=999_999)
    ing.ingest([inbound(original)])
    for _ in range(2):
        assert ing.ingest([inbound(forged)]).streams[0].high_water == 1
    row = stream_row(engine)
    assert (row.conflicts, row.events_stored) == (1, 1)
    with engine.connect() as conn:
        conflicts = conn.execute(select(t.conflicts)).all()
        stored = conn.execute(select(t.events.c.hash, t.events.c.qty)).all()
    assert len(conflicts) == 1
    assert (conflicts[0].stored_hash, conflicts[0].received_hash) == (original.hash, forged.hash)
    assert json.loads(conflicts[0].received_body)["qty"] == 999_999
    assert stored == [(original.hash, 1000)]
    assert projection(engine) == {"NOIR-SPRAY": 1000}


def _event_dict(*, rehash: bool = True, **changes: object) -> dict[str, object]:
    """A wire event with ``changes``; rehashed unless told not to (so only they are wrong)."""
    body = json.loads(make_event(1).to_wire())
    body.update(changes)
    if rehash:
        # A lone surrogate is unhashable on purpose: the receiver must cope with it too.
        with contextlib.suppress(UnicodeEncodeError):
            body["hash"] = event_hash(body)
    return body


def _batch(*events: dict[str, object], device: str = "pk-0001") -> bytes:
    return json.dumps({"v": 1, "deviceId": device, "epoch": 1, "events": list(events)}).encode()


MALFORMED = {
    "not json": b"\xff{not json",
    "not an object": b"[1, 2, 3]",
    "wrong version": json.dumps({"v": 2, "deviceId": "pk-0001", "epoch": 1}).encode(),
    "seq is a string": _batch(_event_dict(seq="1")),
    "epoch is a bool": json.dumps({"v": 1, "deviceId": "pk-0001", "epoch": True}).encode(),
    "no events": _batch(),
    "unknown type": _batch(_event_dict(type="TELEPORT")),
    "bad hash": _batch(_event_dict(hash="0" * 64, rehash=False)),
    "body changed after hashing": _batch(_event_dict(qty=1, rehash=False)),
    "deviceId does not match topic": _batch(_event_dict(deviceId="pk-0002"), device="pk-0002"),
    "huge payload": b'{"v":1,"pad":"' + b"x" * MAX_PAYLOAD_BYTES + b'"}',
    "deeply nested": b"[" * 100_000,
    "5000-digit integer": b'{"v":1,"deviceId":"pk-0001","epoch":' + b"9" * 5000 + b"}",
    "seq beyond 64 bits": _batch(_event_dict(seq=2**70)),
    "NUL in text": _batch(_event_dict(ts="2026\u0000")),
    "lone surrogate": _batch(_event_dict(ts="\ud800")),
    "NaN in data": _batch(_event_dict(rehash=False, data={"x": float("nan")})),
}


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_payloads_are_counted_and_harmless(engine: Engine, payload: bytes) -> None:
    ing = Ingestor(engine)
    good = make_event(1, kind=EventType.RESTOCK, qty=5)
    out = ing.ingest([inbound(good), Inbound(TOPICS.events("pk-0001"), payload)])
    assert out.malformed == 1
    assert out.streams[0].high_water == 1  # the good message in the same batch is stored
    assert stored_seqs(engine) == [1]
    with engine.connect() as conn:
        assert conn.execute(select(t.devices.c.malformed)).scalar_one() == 1
    assert ing.ingest([inbound(make_event(2))]).streams[0].high_water == 2  # still works


def test_malformed_counts_land_on_the_stream_when_known(engine: Engine) -> None:
    ing = Ingestor(engine)
    ing.ingest([inbound(make_event(1))])
    bad_hash = _batch(_event_dict(seq=2, hash="f" * 64, rehash=False))
    out = ing.ingest(
        [
            Inbound(TOPICS.events("pk-0001"), bad_hash),
            Inbound(TOPICS.events("pk-0001"), b"nonsense"),
            Inbound("pk/v1/dev/pk-0001/bogus", b"{}"),
            Inbound("elsewhere/x", b"{}"),
            Inbound(TOPICS.status("pk-0001"), b'{"v":1,"state":"sleepy"}'),
        ]
    )
    assert out.malformed == 5
    assert stream_row(engine).malformed == 1  # only the bad-hash event named its epoch


def test_snapshot_matches_and_mismatches(engine: Engine) -> None:
    ing = Ingestor(engine)
    evs = [make_event(1, kind=EventType.RESTOCK, qty=1000), make_event(2), make_event(3)]
    ing.ingest([inbound(*evs)])
    ing.ingest([snapshot_inbound("pk-0001", 3, {"NOIR-SPRAY": 580})])  # matches
    # At seq 2 the middleware has 790; the device claims 800 and an extra SKU.
    ing.ingest([snapshot_inbound("pk-0001", 2, {"NOIR-SPRAY": 800, "ROSE-50": 4})])
    with engine.connect() as conn:
        found = conn.execute(select(t.discrepancies).order_by(t.discrepancies.c.sku)).all()
        statuses = conn.execute(select(t.snapshots.c.status).order_by(t.snapshots.c.id)).all()
    assert [(d.sku, d.kind, d.device_qty, d.middleware_qty, d.seq, d.status) for d in found] == [
        ("NOIR-SPRAY", "quantity", 800, 790, 2, "open"),
        ("ROSE-50", "missing_in_middleware", 4, None, 2, "open"),  # missing, not 0
    ]
    assert [s for (s,) in statuses] == ["matched", "mismatched"]


def test_snapshot_before_its_events_waits_for_them(engine: Engine) -> None:
    ing = Ingestor(engine)
    evs = [make_event(1, kind=EventType.RESTOCK, qty=1000), make_event(2), make_event(3)]
    ing.ingest([snapshot_inbound("pk-0001", 2, {"NOIR-SPRAY": 777})])
    ing.ingest([inbound(evs[0])])
    assert count(engine, t.discrepancies) == 0  # H=1 < lastSeq=2: still pending
    ing.ingest([inbound(evs[2])])
    assert count(engine, t.discrepancies) == 0
    ing.ingest([inbound(evs[1])])  # H jumps to 3: compared at seq 2, not at 3
    with engine.connect() as conn:
        (d,) = conn.execute(select(t.discrepancies)).all()
    assert (d.sku, d.device_qty, d.middleware_qty, d.seq) == ("NOIR-SPRAY", 777, 790, 2)


def test_two_writers_on_one_stream_store_each_event_once(engine: Engine) -> None:
    evs = [make_event(s, kind=EventType.RESTOCK, qty=1) for s in range(1, 201)]
    errors: list[BaseException] = []

    def writer(order: list[int]) -> None:
        ing = Ingestor(engine)
        try:
            for start in order:
                ing.ingest([inbound(*evs[start : start + 10]), inbound(evs[-1])])
        except BaseException as exc:
            errors.append(exc)

    starts = list(range(0, 200, 10))
    threads = [threading.Thread(target=writer, args=(o,)) for o in (starts, starts[::-1])]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    row = stream_row(engine)
    assert (row.high_water, row.events_stored) == (200, 200)
    assert stored_seqs(engine) == list(range(1, 201))
    assert projection(engine) == {"NOIR-SPRAY": 200}
