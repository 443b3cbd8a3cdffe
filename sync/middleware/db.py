"""Database engines and schema migrations for the middleware.

``open_database(url)`` turns an operator's URL into a ready SQLAlchemy engine: embedded SQLite
(WAL, ``synchronous=FULL``, pysqlite's own transaction handling disabled and every transaction
opened with ``BEGIN IMMEDIATE``, the documented SQLAlchemy recipe) or PostgreSQL through
psycopg 3. ``migrate(engine)`` runs the Alembic migrations in ``migrations/`` on the engine's
own connection. ``write_transaction(engine, work)`` runs ``work`` in one transaction and retries
it when the database reports a deadlock, a serialization failure or a busy SQLite file.
Every failure an operator can cause is raised as :class:`ConfigError` with one clear line.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from sync.db import install_sqlite_recipe
from sync.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_middleware"  # apart from any other Alembic history
_PG_MIGRATION_LOCK = 0x706B_6D77  # "pkmw": serialises concurrent startups on one database
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


def default_url(cwd: Path | None = None) -> str:
    return f"sqlite:///{(cwd or Path.cwd()) / 'middleware.db'}"


def open_database(url: str, *, create: bool = True, busy_timeout_s: float = 30.0) -> Engine:
    """Build an engine for ``url`` and check that it answers (does not migrate).

    With ``create=False`` a missing SQLite file is an error instead of a new empty database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"bad database URL {url!r}: expected sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise ConfigError(
                f"bad database URL {url!r}: the middleware needs a file, "
                "e.g. sqlite:///var/lib/pk/middleware.db"
            )
        path = Path(database)
        if not create and not path.exists():
            raise ConfigError(f"no middleware database at {path}")
        _check_writable_dir(path)
        engine = create_engine(
            parsed.set(drivername="sqlite+pysqlite"), connect_args={"timeout": busy_timeout_s}
        )
        install_sqlite_recipe(engine)
    elif backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", "psycopg2"):
            raise ConfigError(f"bad database URL {url!r}: use postgresql+psycopg://")
        try:
            engine = create_engine(
                parsed.set(drivername="postgresql+psycopg"),
                connect_args={"connect_timeout": 5},
                pool_pre_ping=True,
            )
        except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
            raise ConfigError(f"database driver missing: {exc}") from None
    else:
        raise ConfigError(
            f"bad database URL {url!r}: only sqlite:/// and postgresql+psycopg:// are supported"
        )
    _check_reachable(engine)
    return engine


def _check_writable_dir(path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise ConfigError(f"cannot use database {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot use database {path}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ConfigError(f"cannot use database {path}: file is not readable and writable")


def _check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        raise ConfigError(f"cannot open database {_safe(engine)}: {_first_line(exc)}") from None


def _safe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: DBAPIError) -> str:
    return (str(exc.orig) if exc.orig is not None else str(exc)).strip().splitlines()[0]


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision (safe with concurrent starters)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except DBAPIError as exc:
        raise ConfigError(f"cannot migrate database {_safe(engine)}: {_first_line(exc)}") from None


def is_initialised(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).has_table("streams"))


def is_transient(exc: DBAPIError) -> bool:
    """A deadlock, serialization failure, or a SQLite file still locked after the timeout."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def write_transaction(engine: Engine, work: Callable[[Connection], T], *, attempts: int = 5) -> T:
    """Run ``work`` in one write transaction; retry it from scratch on transient conflicts."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            log.info("transaction conflict (%s), retrying", _first_line(exc))
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover
