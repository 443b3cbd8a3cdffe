"""Property: whatever the network does (duplicates, reordering, loss, redelivery until acked),
every event ends up stored exactly once, H equals the last seq, and the projection is the fold
of the events. Runs the real ingest logic on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from sync.middleware.db import migrate, open_database
from sync.middleware.ingest import Ingestor
from sync.middleware.messages import Inbound
from sync.protocol import EventType
from tests.support.postgres import temporary_database
from tests.sync.middleware.support import (
    fold,
    inbound,
    make_event,
    projection,
    stored_seqs,
    stream_row,
)

_ids = itertools.count(1)

KINDS = [EventType.SALE, EventType.RESTOCK, EventType.ADJUSTMENT, EventType.DOOR]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("prop")) / "mw.db"
        eng = open_database(f"sqlite:///{path}")
        migrate(eng)
        yield eng
        eng.dispose()
        return
    with temporary_database() as url:
        eng = open_database(url)
        migrate(eng)
        yield eng
        eng.dispose()


ledger_st = st.lists(
    st.tuples(st.sampled_from(KINDS), st.sampled_from(["A", "B", None]), st.integers(-50, 50)),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ledger=ledger_st, data=st.data())
def test_any_delivery_order_ends_exactly_once(
    shared_engine: Engine, ledger: list[tuple[EventType, str | None, int]], data: st.DataObject
) -> None:
    device = f"prop-{next(_ids)}"  # a fresh stream per example in the shared database
    events = [
        make_event(seq, device=device, kind=kind, sku=sku, qty=qty)
        for seq, (kind, sku, qty) in enumerate(ledger, start=1)
    ]
    last = len(events)
    ing = Ingestor(shared_engine, reorder_window=data.draw(st.integers(1, 8), label="window"))
    acked = 0
    in_flight: list[Inbound] = []

    def publish(first: int, upto: int) -> None:
        """The device sends seq first..upto in messages of random (contiguous) size."""
        seq = first
        while seq <= upto:
            size = data.draw(st.integers(1, 4), label="msg size")
            in_flight.append(inbound(*events[seq - 1 : min(seq - 1 + size, upto)]))
            seq += size

    def deliver(batch: list[Inbound]) -> None:
        nonlocal acked
        for outcome in ing.ingest(batch).streams:
            acked = max(acked, outcome.high_water)  # acks can only be lost, not reordered
            if outcome.gap is not None and data.draw(st.booleans(), label="gap heard"):
                publish(outcome.gap.first, outcome.gap.last)

    publish(1, last)
    for _ in range(data.draw(st.integers(0, 40), label="chaotic steps")):
        if not in_flight:
            publish(acked + 1, last)  # the device replays everything unacked
            continue
        i = data.draw(st.integers(0, len(in_flight) - 1), label="pick")
        action = data.draw(st.sampled_from(["deliver", "duplicate", "drop", "replay"]))
        if action == "replay":
            publish(acked + 1, last)
        elif action == "drop":
            in_flight.pop(i)
        else:
            msg = in_flight[i] if action == "duplicate" else in_flight.pop(i)
            extra = data.draw(st.integers(0, min(3, len(in_flight))), label="batch extra")
            deliver([msg] + [in_flight.pop(0) for _ in range(extra)])
    # The network heals: the device keeps replaying what is unacked until everything is.
    for _ in range(4 * last + 4):
        if acked >= last:
            break
        in_flight.clear()
        publish(acked + 1, last)
        deliver(list(in_flight))
    assert acked == last
    assert stored_seqs(shared_engine, device) == list(range(1, last + 1))
    row = stream_row(shared_engine, device)
    assert (row.high_water, row.events_stored) == (last, last)
    assert projection(shared_engine, device) == fold(events)
