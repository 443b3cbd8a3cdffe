"""Database plumbing shared by the device ledger and the middleware: SQLite engines with the
durability settings the ledger needs, and running Alembic migrations programmatically.

SQLite: WAL with ``synchronous=FULL`` (WAL+NORMAL can roll back a committed transaction on
power loss, which would reuse a published sequence number), and ``BEGIN IMMEDIATE`` for every
transaction (the pysqlite driver's own transaction handling is switched off, per SQLAlchemy's
documented recipe), so a write transaction takes the write lock up front.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from sync.errors import ConfigError


def sqlite_engine(path: Path, *, synchronous: str = "FULL") -> Engine:
    """An engine on one SQLite file, one connection, durable commits."""
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        poolclass=StaticPool,
        connect_args={"check_same_thread": False, "timeout": 30},
    )
    install_sqlite_recipe(engine, synchronous=synchronous)
    return engine


def install_sqlite_recipe(engine: Engine, *, synchronous: str = "FULL") -> None:
    """WAL + ``synchronous``, foreign keys, and our own BEGIN (IMMEDIATE unless the
    connection's ``info["deferred"]`` asks for a read transaction)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.info.get("deferred") else "BEGIN IMMEDIATE")


def newest_revision(script_location: Path) -> str:
    """By our convention a revision file is ``<id>_<name>.py`` with ids that sort by age."""
    ids = sorted(p.name.split("_", 1)[0] for p in (script_location / "versions").glob("*_*.py"))
    return ids[-1] if ids else ""


def _current_revision(engine: Engine, version_table: str) -> str | None:
    try:
        with engine.connect() as conn:
            conn.info["deferred"] = True
            try:
                row = conn.execute(text(f"SELECT version_num FROM {version_table}")).first()
            finally:
                conn.info["deferred"] = False
    except SQLAlchemyError:
        return None  # no version table yet
    return None if row is None else str(row[0])


def upgrade(
    engine: Engine, script_location: Path, *, version_table: str = "alembic_version"
) -> None:
    """Bring the schema to the newest Alembic revision in ``script_location``.

    A database already at the newest revision skips Alembic altogether (it costs ~0.2 s to
    import and configure, at every start of a machine that restarts after a crash)."""
    if _current_revision(engine, version_table) == newest_revision(script_location):
        return
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except (CommandError, SQLAlchemyError, OSError) as exc:
        raise ConfigError(f"database migration failed: {exc}") from exc
