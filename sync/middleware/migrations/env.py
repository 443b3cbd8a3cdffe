"""Alembic environment: always runs on the connection ``sync.middleware.db.migrate`` passes in
``config.attributes["connection"]`` (inside that connection's transaction); no alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from sync.middleware.db import VERSION_TABLE
from sync.middleware.schema import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run the middleware migrations through sync.middleware.db.migrate")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
