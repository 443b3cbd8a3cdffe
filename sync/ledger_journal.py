"""The transaction journal's queries, mixed into :class:`sync.ledger.Ledger`.

The journal keeps the latest step of every local transaction (``txn_journal``, written in the
same transaction as the event that carries the step). These read-only queries let the purchase
flow find open transactions after a crash, read one transaction's events, and count offline
sales, offline loyalty redemptions or refunds of a sale.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from sync.ledger_schema import events_t, journal_t
from sync.protocol import Event, EventType, parse_event


@dataclass(frozen=True)
class JournalEntry:
    txn_id: str
    step: str
    open: bool
    first_seq: int
    last_seq: int
    updated_ts: str


class JournalQueries:
    """Needs ``_read()``: a context manager giving a connection in a read transaction."""

    _read: Callable[[], AbstractContextManager[Connection]]

    def open_transactions(self) -> list[JournalEntry]:
        """Transactions whose latest step did not close them, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                select(journal_t).where(journal_t.c.open.is_(True)).order_by(journal_t.c.first_seq)
            ).all()
        return [self._entry(r) for r in rows]

    def journal_entry(self, txn_id: str) -> JournalEntry | None:
        with self._read() as conn:
            row = conn.execute(select(journal_t).where(journal_t.c.txn_id == txn_id)).first()
        return None if row is None else self._entry(row)

    def journal_counts(self) -> dict[str, int]:
        """Open transactions, and closed ones by final step (e.g. ``manual_review``)."""
        with self._read() as conn:
            rows = conn.execute(
                select(journal_t.c.step, journal_t.c.open, func.count()).group_by(
                    journal_t.c.step, journal_t.c.open
                )
            ).all()
        counts: dict[str, int] = {"open": 0}
        for step, is_open, n in rows:
            if is_open:
                counts["open"] += int(n)
            else:
                counts[str(step)] = counts.get(str(step), 0) + int(n)
        return counts

    @staticmethod
    def _entry(row: Any) -> JournalEntry:
        return JournalEntry(
            txn_id=row.txn_id,
            step=row.step,
            open=bool(row.open),
            first_seq=int(row.first_seq),
            last_seq=int(row.last_seq),
            updated_ts=row.updated_ts,
        )

    def transaction_events(self, txn_id: str) -> list[Event]:
        """Every event of one local transaction, in order (for recovery and refunds)."""
        with self._read() as conn:
            rows = conn.execute(
                select(events_t.c.wire).where(events_t.c.txn_id == txn_id).order_by(events_t.c.seq)
            ).all()
        events = []
        for row in rows:
            event, _claimed = parse_event(json.loads(row.wire))
            events.append(event)
        return events

    def step_totals_since(self, step: str, since_ts: str) -> tuple[int, int]:
        """(count, sum of amount_minor) of journal events with ``step`` at or after ``since_ts``."""
        with self._read() as conn:
            row = conn.execute(
                select(func.count(), func.coalesce(func.sum(events_t.c.amount_minor), 0))
                .where(events_t.c.ts >= since_ts)
                .where(events_t.c.txn_id.is_not(None))
                .where(func.json_extract(events_t.c.wire, "$.data.step") == step)
            ).one()
        return int(row[0]), int(row[1])

    def step_events_since(self, step: str, since_ts: str) -> list[Event]:
        """Journal events with ``step`` at or after ``since_ts``, in order."""
        with self._read() as conn:
            rows = conn.execute(
                select(events_t.c.wire)
                .where(events_t.c.ts >= since_ts)
                .where(events_t.c.txn_id.is_not(None))
                .where(func.json_extract(events_t.c.wire, "$.data.step") == step)
                .order_by(events_t.c.seq)
            ).all()
        return [parse_event(json.loads(r.wire))[0] for r in rows]

    def events_where(self, kind: EventType, data_key: str, value: str) -> list[Event]:
        """Events of ``kind`` whose ``data[data_key]`` equals ``value``, in order."""
        with self._read() as conn:
            rows = conn.execute(
                select(events_t.c.wire)
                .where(events_t.c.type == kind.value)
                .where(func.json_extract(events_t.c.wire, f"$.data.{data_key}") == value)
                .order_by(events_t.c.seq)
            ).all()
        return [parse_event(json.loads(r.wire))[0] for r in rows]

    def events_since(
        self, since_ts: str, kinds: Collection[EventType] = (), limit: int = 100_000
    ) -> list[Event]:
        """Events committed at or after ``since_ts`` (optionally only of ``kinds``), in order,
        at most ``limit`` (the service menu's charts and the day's audit export)."""
        query = select(events_t.c.wire).where(events_t.c.ts >= since_ts)
        if kinds:
            query = query.where(events_t.c.type.in_([k.value for k in kinds]))
        with self._read() as conn:
            rows = conn.execute(query.order_by(events_t.c.seq).limit(limit)).all()
        return [parse_event(json.loads(r.wire))[0] for r in rows]
