"""The device ledger: immutable events, per-SKU on-hand counters and the outbox, in SQLite.

One transaction per event writes the event (with its gap-free sequence number), moves the
SKU's on-hand counter and inserts the outbox row; nothing is published before that commit.
Outbox rows leave only when the middleware's cumulative ack covers them.

:class:`Ledger` is synchronous and not thread-safe: the sync engine runs every call on one
dedicated thread so a slow fsync never stalls the event loop. ``Ledger.open`` creates or
upgrades the database (Alembic) and checks the data dir belongs to this device.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Connection,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from sync import db
from sync.errors import ConfigError, InsufficientStockError, LedgerError, SalesPausedError
from sync.ledger_journal import JournalQueries
from sync.ledger_schema import (
    ADD_STOCK,
    INSERT_EVENT,
    INSERT_OUTBOX,
    MOVE_STOCK,
    ON_HAND_OF,
    UPSERT_JOURNAL,
    events_t,
    meta_t,
    on_hand_t,
    outbox_t,
)
from sync.ledger_types import EventDraft, LedgerStatus, OutboxLimits
from sync.protocol import (
    Event,
    EventType,
    Snapshot,
    utc_now_iso,
    validate_device_id,
    validate_sku,
)

__all__ = ["LEDGER_FILE", "MIGRATIONS", "EventDraft", "Ledger", "LedgerStatus", "OutboxLimits"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
LEDGER_FILE = "ledger.sqlite3"


class Ledger(JournalQueries):
    """The device's durable event store and outbox (see module docstring)."""

    def __init__(self, path: Path, device_id: str | None, limits: OutboxLimits) -> None:
        self.path = path
        self.limits = limits
        self._engine = db.sqlite_engine(path)
        db.upgrade(self._engine, MIGRATIONS)
        self._conn: Connection = self._engine.connect()
        with self._conn.begin():
            row = self._conn.execute(select(meta_t)).first()
            if row is None and device_id is None:
                raise ConfigError(f"there is no ledger in {path.parent}")
            if row is None:
                assert device_id is not None
                epoch = int(time.time())
                self._conn.execute(
                    insert(meta_t).values(
                        id=1,
                        device_id=device_id,
                        epoch=epoch,
                        acked_seq=0,
                        created_at=utc_now_iso(),
                    )
                )
                self.device_id, self.epoch, self.acked_seq = device_id, epoch, 0
            else:
                if device_id is not None and row.device_id != device_id:
                    raise ConfigError(
                        f"{path} holds the ledger of device {row.device_id!r}, not {device_id!r}"
                    )
                self.device_id, self.epoch, self.acked_seq = row.device_id, row.epoch, row.acked_seq
            self.last_seq = int(self._conn.execute(select(func.max(events_t.c.seq))).scalar() or 0)
            count, size = self._conn.execute(
                select(func.count(), func.coalesce(func.sum(outbox_t.c.bytes), 0))
            ).one()
        self.pending_count, self.pending_bytes = int(count), int(size)
        self.sales_paused = self._at_cap()

    @classmethod
    def open(
        cls, data_dir: Path, device_id: str | None, limits: OutboxLimits | None = None
    ) -> Ledger:
        """Open (creating or upgrading) the ledger in ``data_dir``; ``device_id=None`` opens an
        existing ledger whatever its device."""
        if device_id is not None:
            validate_device_id(device_id)
        elif not (data_dir / LEDGER_FILE).exists():
            raise ConfigError(f"there is no ledger in {data_dir}")
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            probe = data_dir / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"data dir {data_dir} is not writable: {exc.strerror}") from None
        try:
            return cls(data_dir / LEDGER_FILE, device_id, limits or OutboxLimits())
        except SQLAlchemyError as exc:
            raise LedgerError(f"cannot open the ledger in {data_dir}: {exc}") from None

    def close(self) -> None:
        self._conn.close()
        self._engine.dispose()

    # -- caps ------------------------------------------------------------------------------------
    def _at_cap(self) -> bool:
        return (
            self.pending_count >= self.limits.max_count
            or self.pending_bytes >= self.limits.max_bytes
        )

    @property
    def high_watermark(self) -> bool:
        hw = self.limits.high_watermark
        return (
            self.pending_count >= hw * self.limits.max_count
            or self.pending_bytes >= hw * self.limits.max_bytes
        )

    def _update_pause(self) -> None:
        if self._at_cap():
            self.sales_paused = True
        elif self.sales_paused and not self.high_watermark:
            self.sales_paused = False

    # -- writing ---------------------------------------------------------------------------------
    def record(self, draft: EventDraft, *, new_sale: bool = False) -> Event:
        """Commit one event durably and return it. ``new_sale=True`` refuses while paused."""
        return self.record_many([draft], new_sale=new_sale)[0]

    def record_many(self, drafts: list[EventDraft], *, new_sale: bool = False) -> list[Event]:
        """Commit several events in one transaction (all or none)."""
        if new_sale and self.sales_paused:
            raise SalesPausedError("sales are paused: the outbox is full until the POS catches up")
        seq = self.last_seq
        events: list[Event] = []
        added_bytes = 0
        now = time.time()
        try:
            with self._conn.begin():
                cur = self._conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                for draft in drafts:
                    seq += 1
                    event = self._build(draft, seq)
                    try:
                        wire, digest = event.encode()
                    except (TypeError, ValueError) as exc:
                        raise LedgerError(f"event data is not JSON-serialisable: {exc}") from None
                    self._apply_stock(cur, event)
                    cur.execute(
                        INSERT_EVENT,
                        (
                            seq,
                            event.type.value,
                            event.ts,
                            event.sku,
                            event.qty,
                            event.unit.value if event.unit else None,
                            event.amount_minor,
                            event.currency,
                            event.txn_id,
                            digest,
                            wire,
                        ),
                    )
                    size = len(wire.encode())
                    cur.execute(INSERT_OUTBOX, (seq, size, now))
                    if draft.txn_id is not None and draft.step is not None:
                        cur.execute(
                            UPSERT_JOURNAL,
                            (draft.txn_id, draft.step, not draft.closes, seq, seq, event.ts),
                        )
                    added_bytes += size
                    events.append(event)
        except (OperationalError, sqlite3.OperationalError) as exc:
            raise LedgerError(f"ledger write failed: {getattr(exc, 'orig', None) or exc}") from None
        self.last_seq = seq
        self.pending_count += len(events)
        self.pending_bytes += added_bytes
        self._update_pause()
        return events

    def _build(self, draft: EventDraft, seq: int) -> Event:
        if draft.sku is not None:
            validate_sku(draft.sku)
        if draft.qty < 0 and draft.type is not EventType.ADJUSTMENT:
            raise LedgerError(f"{draft.type.value} quantity must not be negative")
        data = dict(draft.data)
        if draft.step is not None:
            data["step"] = draft.step
        if draft.stamp_seq is not None:
            data[draft.stamp_seq] = seq
        event = Event(
            device_id=self.device_id,
            epoch=self.epoch,
            seq=seq,
            type=draft.type,
            ts=utc_now_iso(),
            sku=draft.sku,
            qty=draft.qty,
            unit=draft.unit,
            amount_minor=draft.amount_minor,
            currency=draft.currency,
            txn_id=draft.txn_id,
            data=data,
        )
        return event

    def _apply_stock(self, cur: sqlite3.Cursor, event: Event) -> None:
        delta = event.stock_delta()
        if event.sku is None or (delta == 0 and event.type is not EventType.RESTOCK):
            return
        cur.execute(MOVE_STOCK, (delta, event.seq, event.sku, delta))
        if cur.rowcount == 1:
            return
        row = cur.execute(ON_HAND_OF, (event.sku,)).fetchone()
        if row is None and delta >= 0:
            unit = event.unit.value if event.unit else None
            cur.execute(ADD_STOCK, (event.sku, delta, unit, event.seq))
            return
        current = 0 if row is None else int(row[0])
        raise InsufficientStockError(
            f"{event.type.value} of {-delta} on {event.sku} refused: on hand is {current}"
        )

    def mark_acked(self, ack_seq: int) -> int:
        """Drop outbox rows covered by the middleware's cumulative ack; return how many."""
        if ack_seq <= self.acked_seq:
            return 0
        ack_seq = min(ack_seq, self.last_seq)
        with self._conn.begin():
            gone = self._conn.execute(
                select(func.count(), func.coalesce(func.sum(outbox_t.c.bytes), 0)).where(
                    outbox_t.c.seq <= ack_seq
                )
            ).one()
            self._conn.execute(delete(outbox_t).where(outbox_t.c.seq <= ack_seq))
            self._conn.execute(update(meta_t).values(acked_seq=ack_seq))
        self.acked_seq = ack_seq
        self.pending_count -= int(gone[0])
        self.pending_bytes -= int(gone[1])
        self._update_pause()
        return int(gone[0])

    # -- reading ---------------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A deferred (read) transaction: does not take the write lock."""
        self._conn.info["deferred"] = True
        try:
            with self._conn.begin():
                yield self._conn
        finally:
            self._conn.info["deferred"] = False

    def pending(self, from_seq: int, limit: int) -> list[tuple[int, str]]:
        """Unacked events with ``seq >= from_seq`` in order, as (seq, wire JSON)."""
        with self._read() as conn:
            rows = conn.execute(
                select(events_t.c.seq, events_t.c.wire)
                .join(outbox_t, outbox_t.c.seq == events_t.c.seq)
                .where(outbox_t.c.seq >= from_seq)
                .order_by(outbox_t.c.seq)
                .limit(limit)
            ).all()
        return [(int(r.seq), str(r.wire)) for r in rows]

    def events_between(self, first: int, last: int) -> list[tuple[int, str]]:
        """Events ``first..last`` (inclusive) from the immutable log, for gap requests."""
        with self._read() as conn:
            rows = conn.execute(
                select(events_t.c.seq, events_t.c.wire)
                .where(events_t.c.seq.between(first, last))
                .order_by(events_t.c.seq)
            ).all()
        return [(int(r.seq), str(r.wire)) for r in rows]

    def on_hand(self) -> dict[str, tuple[int, str | None]]:
        with self._read() as conn:
            rows = conn.execute(select(on_hand_t.c.sku, on_hand_t.c.qty, on_hand_t.c.unit)).all()
        return {r.sku: (int(r.qty), r.unit) for r in rows}

    def snapshot(self) -> Snapshot:
        """On-hand per SKU and the last sequence, read in one transaction."""
        with self._read() as conn:
            rows = conn.execute(select(on_hand_t.c.sku, on_hand_t.c.qty, on_hand_t.c.unit)).all()
            last = int(conn.execute(select(func.max(events_t.c.seq))).scalar() or 0)
        return Snapshot(
            device_id=self.device_id,
            epoch=self.epoch,
            last_seq=last,
            ts=utc_now_iso(),
            on_hand={r.sku: (int(r.qty), r.unit) for r in rows},
        )

    def count_events(self, kind: EventType) -> int:
        with self._read() as conn:
            value = conn.execute(
                select(func.count()).select_from(events_t).where(events_t.c.type == kind.value)
            ).scalar()
        return int(value or 0)

    def status(self) -> LedgerStatus:
        journal = self.journal_counts()
        with self._read() as conn:
            oldest = conn.execute(select(func.min(outbox_t.c.enqueued_at))).scalar()
        return LedgerStatus(
            device_id=self.device_id,
            epoch=self.epoch,
            last_seq=self.last_seq,
            acked_seq=self.acked_seq,
            pending_count=self.pending_count,
            pending_bytes=self.pending_bytes,
            oldest_pending_age_s=None if oldest is None else max(0.0, time.time() - oldest),
            on_hand={sku: qty for sku, (qty, _unit) in self.on_hand().items()},
            sales_paused=self.sales_paused,
            high_watermark=self.high_watermark,
            in_flight=journal.get("open", 0),
            manual_review=journal.get("manual_review", 0),
        )

    def integrity_check(self) -> str:
        with self._read() as conn:
            value = conn.execute(text("PRAGMA integrity_check")).scalar()
        return str(value)
