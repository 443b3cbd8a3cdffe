"""The service audit trail reaches the POS middleware: every login, failed PIN, lockout and
action is an AUDIT event (who, what, when, result) delivered by the sync engine over a real
broker to the real middleware, which stores it like any other event."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from sync.middleware import schema
from tests.kiosk.service.rig import PIN, SPRAY_SKU, TECH, service_rig
from tests.support.broker import Broker
from tests.support.waiting import until
from tests.sync.e2e import running_middleware, stored

LATER = date.today() + timedelta(days=400)


async def test_logins_failures_lockout_and_actions_reach_the_middleware(
    broker: Broker, tmp_path: Path
) -> None:
    async with (
        running_middleware(f"sqlite:///{tmp_path / 'mw.db'}", broker.url) as (_mw, mw_db),
        service_rig(tmp_path, broker_url=broker.url) as rig,
    ):
        engine = rig.machine.engine
        for _ in range(10):
            result = await rig.menu.login(TECH, "731946")
            rig.clock.advance(result.retry_after_s)
        session = await rig.login(TECH, PIN)
        await rig.menu.stock.refill_channel(session, 1, Decimal("25"), "L9", LATER)
        await rig.menu.logout(session)

        await until(lambda: engine.connected, what="device online")
        await engine.wait_until_synced()
        hwm, count, _seqs = stored(mw_db, engine.device_id)
        assert hwm == count == engine.last_seq

        with mw_db.connect() as conn:
            rows = conn.execute(
                select(schema.events.c.type, schema.events.c.ts, schema.events.c.data)
                .where(schema.events.c.device_id == engine.device_id)
                .order_by(schema.events.c.seq)
            ).all()
        audits = [json.loads(r.data) | {"ts": r.ts} for r in rows if r.type == "AUDIT"]
        trail = [(a["action"], a["technician_id"], a["result"]) for a in audits]
        assert trail == [
            ("technician_enrolled", TECH, "ok"),
            *[("login_failed", TECH, "failed")] * 10,
            ("lockout", None, "ok"),
            ("login", TECH, "ok"),
            ("refill", TECH, "ok"),
            ("logout", TECH, "ok"),
        ]
        assert all(a["ts"].endswith("Z") for a in audits)  # when: the event's own timestamp
        restock = [json.loads(r.data) for r in rows if r.type == "RESTOCK"]
        assert {"technician_id": TECH, "lot": "L9"}.items() <= restock[-1].items()
        assert PIN not in json.dumps([json.loads(r.data) for r in rows])
        assert SPRAY_SKU in {json.loads(r.data).get("sku") for r in rows if r.type == "AUDIT"}
