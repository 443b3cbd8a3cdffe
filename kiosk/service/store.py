"""The service menu's own durable state: ``service.sqlite3`` in the kiosk's data dir.

Kept out of the ledger file on purpose: the ledger holds immutable events that travel to the
POS; this holds machine-local state that must survive a restart but never travels —
technicians and their PIN hashes, the PIN-failure counter, settings (calibrated doses,
maintenance flag) and the outbox-depth chart samples. Same durability recipe as the ledger
(``sync.db.sqlite_engine``: WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``), so a failure
counted is a failure remembered after a power cut.

:class:`ServiceStore` methods are synchronous and run on the store's one thread: callers on
the event loop use ``await store.call(store.method, ...)`` so an fsync never stalls a screen.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from sync import db

T = TypeVar("T")
STORE_FILE = "service.sqlite3"

_md = MetaData()
technicians_t = Table(
    "technicians",
    _md,
    Column("id", String(64), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("pin_hash", Text, nullable=False),
    Column("must_change", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("source", String(16), nullable=False),
    Column("updated_at", Float, nullable=False),
)
auth_t = Table(
    "auth_state",
    _md,
    Column("id", Integer, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", Float),
)
settings_t = Table(
    "settings",
    _md,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),  # JSON
)
samples_t = Table(
    "samples",
    _md,
    Column("series", String(32), primary_key=True),
    Column("at", Float, primary_key=True),
    Column("value", Integer, nullable=False),
)


class StoreError(Exception):
    """The service store cannot be opened or written."""


@dataclass(frozen=True)
class TechnicianRecord:
    id: str
    name: str
    pin_hash: str
    must_change: bool  # enrolled with a one-time PIN: change it at first login
    active: bool
    source: str  # provisioning, middleware, menu
    updated_at: float


@dataclass(frozen=True)
class AttemptState:
    """Consecutive failed PIN checks on this machine, and when the last one happened."""

    failures: int = 0
    last_failure_at: float | None = None


class ServiceStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._engine = db.sqlite_engine(path)
            _md.create_all(self._engine)
            self._conn: Connection = self._engine.connect()
        except (OSError, SQLAlchemyError) as exc:
            raise StoreError(f"cannot open the service store {path}: {exc}") from None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="service-store")

    @classmethod
    def open(cls, data_dir: Path) -> ServiceStore:
        return cls(data_dir / STORE_FILE)

    async def call(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` on the store's thread (the only one touching the database)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    async def aclose(self) -> None:
        await self.call(self._close_db)
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)

    def _close_db(self) -> None:
        self._conn.close()
        self._engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._conn.begin():
                yield self._conn
        except SQLAlchemyError as exc:
            raise StoreError(f"service store write failed: {exc}") from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._conn.info["deferred"] = True
        try:
            with self._conn.begin():
                yield self._conn
        finally:
            self._conn.info["deferred"] = False

    # -- technicians -------------------------------------------------------------------------
    def technician(self, technician_id: str) -> TechnicianRecord | None:
        with self._read() as conn:
            row = conn.execute(
                select(technicians_t).where(technicians_t.c.id == technician_id)
            ).first()
        return None if row is None else _technician(row)

    def technicians(self) -> list[TechnicianRecord]:
        with self._read() as conn:
            rows = conn.execute(select(technicians_t).order_by(technicians_t.c.id)).all()
        return [_technician(r) for r in rows]

    def active_count(self) -> int:
        with self._read() as conn:
            value = conn.execute(
                select(func.count())
                .select_from(technicians_t)
                .where(technicians_t.c.active.is_(True))
            ).scalar()
        return int(value or 0)

    def put_technician(self, record: TechnicianRecord) -> None:
        values = {
            "name": record.name,
            "pin_hash": record.pin_hash,
            "must_change": record.must_change,
            "active": record.active,
            "source": record.source,
            "updated_at": record.updated_at,
        }
        with self._write() as conn:
            done = conn.execute(
                update(technicians_t).where(technicians_t.c.id == record.id).values(**values)
            )
            if done.rowcount == 0:
                conn.execute(insert(technicians_t).values(id=record.id, **values))

    # -- PIN failures ------------------------------------------------------------------------
    def attempts(self) -> AttemptState:
        with self._read() as conn:
            row = conn.execute(select(auth_t).where(auth_t.c.id == 1)).first()
        if row is None:
            return AttemptState()
        return AttemptState(int(row.failures), row.last_failure_at)

    def put_attempts(self, state: AttemptState) -> None:
        with self._write() as conn:
            conn.execute(delete(auth_t).where(auth_t.c.id == 1))
            conn.execute(
                insert(auth_t).values(
                    id=1, failures=state.failures, last_failure_at=state.last_failure_at
                )
            )

    # -- settings ----------------------------------------------------------------------------
    def setting(self, key: str) -> Any:
        """The JSON value stored under ``key``, or None."""
        with self._read() as conn:
            raw = conn.execute(select(settings_t.c.value).where(settings_t.c.key == key)).scalar()
        return None if raw is None else json.loads(raw)

    def put_setting(self, key: str, value: Any) -> None:
        raw = json.dumps(value, sort_keys=True)
        with self._write() as conn:
            conn.execute(delete(settings_t).where(settings_t.c.key == key))
            conn.execute(insert(settings_t).values(key=key, value=raw))

    # -- chart samples -----------------------------------------------------------------------
    def add_sample(self, series: str, at: float, value: int, keep_after: float) -> None:
        """Store one sample and drop the series' samples older than ``keep_after``."""
        with self._write() as conn:
            conn.execute(
                delete(samples_t).where(
                    (samples_t.c.series == series)
                    & ((samples_t.c.at < keep_after) | (samples_t.c.at == at))
                )
            )
            conn.execute(insert(samples_t).values(series=series, at=at, value=value))

    def samples(self, series: str, since: float) -> list[tuple[float, int]]:
        with self._read() as conn:
            rows = conn.execute(
                select(samples_t.c.at, samples_t.c.value)
                .where((samples_t.c.series == series) & (samples_t.c.at >= since))
                .order_by(samples_t.c.at)
            ).all()
        return [(float(r.at), int(r.value)) for r in rows]


def _technician(row: Any) -> TechnicianRecord:
    return TechnicianRecord(
        id=row.id,
        name=row.name,
        pin_hash=row.pin_hash,
        must_change=bool(row.must_change),
        active=bool(row.active),
        source=row.source,
        updated_at=float(row.updated_at),
    )
