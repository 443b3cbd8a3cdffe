"""Helpers for end-to-end tests: the real middleware service and database read-backs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine, func, select

from sync.middleware import schema
from sync.middleware.db import migrate, open_database
from sync.middleware.service import MiddlewareService, ServiceConfig


@asynccontextmanager
async def running_middleware(
    db_url: str,
    broker_url: str,
    *,
    instance: str = "t1",
    gap_retry_s: float = 1.0,
    gateway_url: str | None = None,
) -> AsyncIterator[tuple[MiddlewareService, Engine]]:
    engine = open_database(db_url)
    migrate(engine)
    service = MiddlewareService(
        engine,
        ServiceConfig(
            broker_url=broker_url,
            instance=instance,
            gap_retry_s=gap_retry_s,
            gateway_url=gateway_url,
        ),
    )
    await service.start()
    try:
        yield service, engine
    finally:
        await service.close()
        engine.dispose()


def stored(engine: Engine, device_id: str) -> tuple[int, int, list[int]]:
    """(high-water mark, events stored, sorted stored sequences) of the device's stream."""
    with engine.connect() as conn:
        hwm = conn.execute(
            select(func.max(schema.streams.c.high_water)).where(
                schema.streams.c.device_id == device_id
            )
        ).scalar()
        seqs = (
            conn.execute(
                select(schema.events.c.seq)
                .where(schema.events.c.device_id == device_id)
                .order_by(schema.events.c.seq)
            )
            .scalars()
            .all()
        )
    return int(hwm or 0), len(seqs), [int(s) for s in seqs]


def conflicts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.conflicts)).scalar() or 0)


def projection(engine: Engine, device_id: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(schema.projection.c.sku, schema.projection.c.qty).where(
                schema.projection.c.device_id == device_id
            )
        ).all()
    return {r.sku: int(r.qty) for r in rows}


def open_discrepancies(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = (
            conn.execute(
                select(schema.discrepancies).where(schema.discrepancies.c.status == "open")
            )
            .mappings()
            .all()
        )
    return [json.loads(json.dumps(dict(r), default=str)) for r in rows]
