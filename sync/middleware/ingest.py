"""The middleware's ingest logic: pure database work, no MQTT, testable on its own.

:meth:`Ingestor.ingest` stores one batch of received messages in one transaction, following
docs/protocol.md "Middleware behaviour": dedupe on ``(deviceId, epoch, seq)`` with a hash
check (a different hash is a conflict, never a second event), a bounded reorder window, a
contiguous high-water mark ``H`` whose advance applies each event's stock effect to the
projection exactly once, snapshot checks, and device status. It returns what to publish after
the commit: the cumulative ack and, when due, a gap request per stream.
:meth:`Ingestor.due_gaps` returns open gaps whose last request is older than ``gap_retry_s``.

Safe with several processes on one PostgreSQL database: stream rows are created with
``INSERT ... ON CONFLICT DO NOTHING`` and locked ``FOR UPDATE`` (always in sorted order, then
device rows in sorted order, so two batches cannot deadlock), and every insert is idempotent.
SQLite is single-writer (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.db import write_transaction
from sync.middleware.devices import DeviceChange, update_device
from sync.middleware.loyalty import project_loyalty
from sync.middleware.messages import (
    EventsReceived,
    Inbound,
    MalformedReceived,
    SnapshotReceived,
    StatusReceived,
    StreamKey,
    classify,
)
from sync.middleware.records import event_row, record_conflict
from sync.middleware.sales import JOURNAL_TYPES, apply_journal
from sync.middleware.snapshots import InsertFactory, check_pending_snapshots, record_snapshot
from sync.protocol import DEFAULT_PREFIX, Event, EventType, GapRequest, Topics
from sync.protocol import stock_delta as _delta

log = logging.getLogger(__name__)

DEFAULT_REORDER_WINDOW = 10_000
DEFAULT_GAP_RETRY_S = 10.0


@dataclass(frozen=True)
class StreamOutcome:
    """What to publish for one stream after the commit."""

    key: StreamKey
    high_water: int  # the ack to send: ackSeq = H
    gap: GapRequest | None  # a gap request due now, if any


@dataclass(frozen=True)
class BatchOutcome:
    streams: tuple[StreamOutcome, ...]  # one per stream that received an events message
    malformed: int  # messages plus single events dropped as malformed


@dataclass
class _Tally:
    """Counter increments for one stream row within one transaction."""

    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    beyond: int = 0
    malformed: int = 0


def _listdict() -> dict[StreamKey, list[Any]]:
    return defaultdict(list)


@dataclass
class _Plan:
    events: dict[StreamKey, list[EventsReceived]] = field(default_factory=_listdict)
    snapshots: dict[StreamKey, list[SnapshotReceived]] = field(default_factory=_listdict)
    malformed: dict[StreamKey, int] = field(default_factory=lambda: defaultdict(int))
    devices: dict[str, DeviceChange] = field(default_factory=lambda: defaultdict(DeviceChange))
    malformed_total: int = 0


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Ingestor:
    """Stores batches of received messages; one transaction per batch."""

    def __init__(
        self,
        engine: Engine,
        *,
        prefix: str = DEFAULT_PREFIX,
        reorder_window: int = DEFAULT_REORDER_WINDOW,
        gap_retry_s: float = DEFAULT_GAP_RETRY_S,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.topics = Topics(prefix)
        self.reorder_window = reorder_window
        self.gap_retry = timedelta(seconds=gap_retry_s)
        self._clock = clock
        self._insert: InsertFactory = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    # -- batches ---------------------------------------------------------------------------
    def ingest(self, messages: Sequence[Inbound]) -> BatchOutcome:
        """Classify and store ``messages`` in one transaction; return what to publish."""
        plan = _Plan()
        for message in messages:
            self._plan(plan, message)
        outcome = write_transaction(self.engine, lambda conn: self._apply(conn, plan))
        return BatchOutcome(outcome, plan.malformed_total)

    def _plan(self, plan: _Plan, message: Inbound) -> None:
        item = classify(message, self.topics)
        if isinstance(item, MalformedReceived):
            log.warning("malformed message on %r dropped: %s", message.topic[:200], item.reason)
            plan.malformed_total += 1
            if item.device_id is not None:
                plan.devices[item.device_id].malformed += 1
                if item.epoch is not None:
                    plan.malformed[StreamKey(item.device_id, item.epoch)] += 1
        elif isinstance(item, EventsReceived):
            plan.events[item.key].append(item)
            plan.devices[item.key.device_id].malformed += item.bad_events
            if item.bad_events:
                log.warning(
                    "%d malformed event(s) from %s dropped (bad hash or values)",
                    item.bad_events,
                    item.key.device_id,
                )
                plan.malformed_total += item.bad_events
        elif isinstance(item, SnapshotReceived):
            plan.snapshots[item.key].append(item)
            _touch(plan, item.key.device_id)
        elif isinstance(item, StatusReceived):
            plan.devices[item.device_id].status = item
        else:
            plan.devices[item.device_id].telemetry = item

    def _apply(self, conn: Connection, plan: _Plan) -> tuple[StreamOutcome, ...]:
        now = self._clock()
        outcomes = []
        # Lock order: stream rows sorted by key, then device rows sorted by id -> no deadlocks.
        for key in sorted(set(plan.events) | set(plan.snapshots) | set(plan.malformed)):
            known = key in plan.events or key in plan.snapshots
            row = self._lock_stream(conn, key, create=known)
            if row is None:
                continue  # a malformed message naming an epoch we never saw: device count only
            tally = _Tally(malformed=plan.malformed.get(key, 0))
            high = int(row.high_water)
            for received in plan.events.get(key, []):
                tally.malformed += received.bad_events
                high = self._store_events(conn, key, received.events, high, tally, now)
            for snap in plan.snapshots.get(key, []):
                record_snapshot(conn, snap.snapshot, now)
            if known:
                check_pending_snapshots(conn, self._insert, key, high, now)
            has_events = key in plan.events
            gap = self._gap(conn, key, high, row, now) if has_events else None
            self._update_stream(
                conn, key, high, tally, gap, now=now, touched=known, recheck_gap=has_events
            )
            if has_events:
                outcomes.append(StreamOutcome(key, high, gap))
        for device_id in sorted(plan.devices):
            update_device(conn, self._insert, device_id, plan.devices[device_id], now)
        return tuple(outcomes)

    # -- streams ---------------------------------------------------------------------------
    def _lock_stream(self, conn: Connection, key: StreamKey, *, create: bool) -> Any:
        if create:
            conn.execute(
                self._insert(t.streams)
                .values(device_id=key.device_id, epoch=key.epoch)
                .on_conflict_do_nothing()
            )
        query = select(t.streams).where(_stream(t.streams, key)).with_for_update()
        return conn.execute(query).first()

    def _store_events(
        self,
        conn: Connection,
        key: StreamKey,
        events: Sequence[tuple[Event, str]],
        high: int,
        tally: _Tally,
        now: datetime,
    ) -> int:
        if not events:
            return high
        seqs = sorted({e.seq for e, _ in events})
        known: dict[int, str] = {
            int(seq): str(digest)
            for seq, digest in conn.execute(
                select(t.events.c.seq, t.events.c.hash).where(
                    _stream(t.events, key), t.events.c.seq.in_(seqs)
                )
            )
        }
        rows = []
        for event, digest in events:
            stored = known.get(event.seq)
            if stored is not None:
                if stored == digest:
                    tally.duplicates += 1
                else:
                    tally.conflicts += record_conflict(
                        conn, self._insert, event, stored, digest, now
                    )
            elif event.seq > high + self.reorder_window:
                tally.beyond += 1
            else:
                known[event.seq] = digest
                rows.append(event_row(event, digest, now))
        if rows:
            conn.execute(self._insert(t.events).on_conflict_do_nothing(), rows)
            tally.stored += len(rows)
        return self._advance(conn, key, high)

    def _advance(self, conn: Connection, key: StreamKey, high: int) -> int:
        """Move H over contiguous stored events, applying each stock effect once, in order."""
        start = high
        e = t.events.c
        result = conn.execute(
            select(e.seq, e.type, e.sku, e.qty, e.txn_id)
            .where(_stream(t.events, key), e.seq > high)
            .order_by(e.seq)
        )
        deltas: dict[str, int] = defaultdict(int)
        journal = False  # any event the canonical records are fed from (sync.middleware.sales)
        for seq, kind, sku, qty, txn_id in result:
            if seq != high + 1:
                break
            high = int(seq)
            journal = journal or (txn_id is not None and kind in JOURNAL_TYPES)
            if sku is not None:
                deltas[str(sku)] += _delta(EventType(kind), int(qty))
        result.close()
        for sku, delta in deltas.items():
            if delta == 0:
                continue
            stmt = self._insert(t.projection).values(
                device_id=key.device_id, epoch=key.epoch, sku=sku, qty=delta
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["device_id", "epoch", "sku"],
                    set_={"qty": t.projection.c.qty + stmt.excluded.qty},
                )
            )
        if high > start:  # loyalty accounts, from the same events, in the same transaction
            project_loyalty(conn, self._insert, key, start, high, self._clock())
        if journal:
            apply_journal(conn, self._insert, key, start, high, self._clock())
        return high

    def _first_beyond(self, conn: Connection, key: StreamKey, high: int) -> int | None:
        e = t.events.c
        first = conn.execute(
            select(e.seq).where(_stream(t.events, key), e.seq > high).order_by(e.seq).limit(1)
        ).scalar()
        return None if first is None else int(first)

    def _gap(
        self, conn: Connection, key: StreamKey, high: int, row: Any, now: datetime
    ) -> GapRequest | None:
        """The gap request due now for this stream, or None (none open, or recently sent)."""
        first_beyond = self._first_beyond(conn, key, high)
        if first_beyond is None:
            return None
        last = row.last_gap_request_at
        recent = last is not None and now - as_utc(last) < self.gap_retry
        if row.gap_from == high + 1 and recent:
            return None  # this range was just requested; the retry timer repeats it
        return GapRequest(key.epoch, high + 1, first_beyond - 1)

    def _update_stream(
        self,
        conn: Connection,
        key: StreamKey,
        high: int,
        tally: _Tally,
        gap: GapRequest | None,
        *,
        now: datetime,
        touched: bool,
        recheck_gap: bool,
    ) -> None:
        s = t.streams.c
        values: dict[str, Any] = {
            "high_water": high,
            "events_stored": s.events_stored + tally.stored,
            "duplicates_dropped": s.duplicates_dropped + tally.duplicates,
            "conflicts": s.conflicts + tally.conflicts,
            "beyond_window": s.beyond_window + tally.beyond,
            "malformed": s.malformed + tally.malformed,
        }
        if touched:
            values["last_seen"] = now
        if gap is not None:
            values.update(
                gap_from=gap.first,
                gap_to=gap.last,
                last_gap_request_at=now,
                gaps_requested=s.gaps_requested + 1,
            )
        elif recheck_gap and self._first_beyond(conn, key, high) is None:
            values.update(gap_from=None, gap_to=None)
        conn.execute(update(t.streams).where(_stream(t.streams, key)).values(**values))

    # -- gap retries -----------------------------------------------------------------------
    def due_gaps(self) -> tuple[tuple[str, GapRequest], ...]:
        """Open gaps last requested over ``gap_retry_s`` ago, marked as requested again now."""
        return write_transaction(self.engine, self._due_gaps)

    def _due_gaps(self, conn: Connection) -> tuple[tuple[str, GapRequest], ...]:
        now = self._clock()
        s = t.streams.c
        candidates = conn.execute(
            select(s.device_id, s.epoch)
            .where(s.gap_from.is_not(None))
            .order_by(s.device_id, s.epoch)
        ).all()
        due = []
        for device_id, epoch in candidates:
            key = StreamKey(str(device_id), int(epoch))
            row = self._lock_stream(conn, key, create=False)
            if row is None or row.gap_from is None:
                continue
            last = row.last_gap_request_at
            if last is not None and now - as_utc(last) < self.gap_retry:
                continue
            high = int(row.high_water)
            gap = self._gap(conn, key, high, row, now)  # not recent here: None means closed
            self._update_stream(
                conn, key, high, _Tally(), gap, now=now, touched=False, recheck_gap=True
            )
            if gap is not None:
                due.append((key.device_id, gap))
        return tuple(due)


def _touch(plan: _Plan, device_id: str) -> DeviceChange:
    """The device's change for this batch, created if new (so its last_seen is refreshed)."""
    return plan.devices[device_id]


def _stream(table: Any, key: StreamKey) -> Any:
    return and_(table.c.device_id == key.device_id, table.c.epoch == key.epoch)
