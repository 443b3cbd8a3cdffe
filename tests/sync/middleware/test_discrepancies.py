"""Snapshot comparison kinds and the discrepancy review (``middleware discrepancies``), each on
SQLite and PostgreSQL. The review runs through the real console entry point (``kiosk.cli``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select

from sync.middleware import schema as t
from sync.middleware.db import MIGRATIONS, VERSION_TABLE, migrate, open_database
from sync.middleware.ingest import Ingestor
from sync.middleware.messages import Inbound
from sync.protocol import EventType, Snapshot, encode_snapshot
from tests.sync.middleware.support import TOPICS, TS, count, inbound, make_event, projection

ROOT = Path(__file__).resolve().parents[3]
RESTOCK = EventType.RESTOCK


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``perfume-kiosk middleware discrepancies ARGS --db URL`` (``--db`` after the action)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "middleware", "discrepancies", *args, "--db", db_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="error"),
        timeout=120,
    )


def status_open(db_url: str) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "middleware", "status", "--db", db_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="error"),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return sum(s["openDiscrepancies"] for s in json.loads(result.stdout)["streams"])


def snapshot(
    last_seq: int, on_hand: dict[str, tuple[int, str | None]], device: str = "pk-0001"
) -> Inbound:
    return Inbound(
        TOPICS.snapshot(device), encode_snapshot(Snapshot(device, 1, last_seq, TS, on_hand))
    )


def rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.discrepancies).order_by(t.discrepancies.c.id)))


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("perfume-kiosk: error: ")
    return lines[0]


# -- comparison ----------------------------------------------------------------------------


def test_a_sku_on_one_side_only_is_recorded_as_missing_there(engine: Engine) -> None:
    ing = Ingestor(engine)
    ing.ingest(
        [
            inbound(
                make_event(1, kind=RESTOCK, qty=1000),
                make_event(2, kind=RESTOCK, sku="ROSE-50", qty=5),
                # Restocked and sold out in one batch: no projection row, yet a SKU both know.
                make_event(3, kind=RESTOCK, sku="OUD-10", qty=2),
                make_event(4, sku="OUD-10", qty=2),
            )
        ]
    )
    ing.ingest([snapshot(4, {"NOIR-SPRAY": (1000, "ul"), "OUD-10": (0, "ul"), "NEW": (0, "ul")})])
    found = [(d.sku, d.kind, d.device_qty, d.middleware_qty, d.device_unit) for d in rows(engine)]
    assert found == [
        ("NEW", "missing_in_middleware", 0, None, "ul"),  # even at 0: not a silent match
        ("ROSE-50", "missing_on_device", None, 5, None),
    ]


def test_units_are_compared_never_quantities_across_units(engine: Engine) -> None:
    ing = Ingestor(engine)
    ing.ingest([inbound(make_event(1, kind=RESTOCK, qty=1000), make_event(2, sku="B", qty=0))])
    ing.ingest([inbound(make_event(3, kind=RESTOCK, sku="B", qty=4))])
    ing.ingest([snapshot(3, {"NOIR-SPRAY": (1000, "unit"), "B": (9, None)})])
    found = [
        (d.sku, d.kind, d.device_qty, d.device_unit, d.middleware_qty, d.middleware_unit)
        for d in rows(engine)
    ]
    assert found == [
        ("B", "unit", 9, None, 4, "ul"),  # one unit row, no quantity row besides it
        ("NOIR-SPRAY", "unit", 1000, "unit", 1000, "ul"),  # same number, other unit
    ]
    ing.ingest([snapshot(3, {"NOIR-SPRAY": (1000, "ul"), "B": (4, "ul")})])
    assert count(engine, t.discrepancies) == 2  # in the same units: matched


# -- review --------------------------------------------------------------------------------


def drifted(engine: Engine) -> Ingestor:
    """NOIR-SPRAY: the middleware projects 580 at seq 3, the device claims 600 (#1)."""
    ing = Ingestor(engine)
    ing.ingest([inbound(make_event(1, kind=RESTOCK, qty=1000), make_event(2), make_event(3))])
    ing.ingest([snapshot(3, {"NOIR-SPRAY": (600, "ul")})])
    return ing


def test_list_filters_by_device_and_status_as_text_and_json(engine: Engine, db_url: str) -> None:
    drifted(engine)
    other = Ingestor(engine)
    other.ingest([inbound(make_event(1, device="pk-0002", kind=RESTOCK, qty=5))])
    other.ingest([snapshot(1, {"NOIR-SPRAY": (5, "unit")}, device="pk-0002")])
    assert cli(db_url, "resolve", "2", "--operator", "ana", "--note", "n").returncode == 0

    def ids(*args: str) -> list[int]:
        result = cli(db_url, "list", "--json", *args)
        assert result.returncode == 0, result.stderr
        return [d["id"] for d in json.loads(result.stdout)["discrepancies"]]

    assert ids() == [1]  # open by default
    assert ids("--status", "resolved") == [2]
    assert ids("--status", "all") == [1, 2]
    assert ids("--status", "all", "--device", "pk-0002") == [2]
    assert ids("--device", "pk-0002") == []
    doc = json.loads(cli(db_url, "list", "--json", "--status", "all").stdout)["discrepancies"]
    assert doc[0] | {"detectedAt": None} == {
        "id": 1,
        "deviceId": "pk-0001",
        "epoch": 1,
        "seq": 3,
        "snapshotId": 1,
        "sku": "NOIR-SPRAY",
        "kind": "quantity",
        "device": {"qty": 600, "unit": "ul"},
        "middleware": {"qty": 580, "unit": "ul"},
        "detectedAt": None,
        "status": "open",
        "resolution": None,
    }
    assert doc[1]["kind"] == "unit"
    assert doc[1]["resolution"] | {"at": None} == {
        "action": "dismiss",
        "operator": "ana",
        "at": None,
        "note": "n",
        "adjustment": None,
    }
    text = cli(db_url, "list", "--status", "all").stdout.splitlines()
    assert len(text) == 2
    assert text[0].startswith("#1 pk-0001 epoch 1 seq 3 NOIR-SPRAY quantity: device 600 ul")
    assert "resolved (dismiss by ana at " in text[1]


@pytest.mark.parametrize("action", ["accept_device", "accept_middleware", "dismiss"])
def test_resolve_records_the_decision_and_only_accept_device_moves_stock(
    engine: Engine, db_url: str, action: str
) -> None:
    ing = drifted(engine)
    assert status_open(db_url) == 1
    result = cli(
        db_url, "resolve", "1", "--operator", "ana", "--note", "counted", "--action", action
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["status"], doc["resolution"]["action"]) == ("resolved", action)
    assert (doc["resolution"]["operator"], doc["resolution"]["note"]) == ("ana", "counted")
    assert doc["resolution"]["at"].endswith("Z")
    assert status_open(db_url) == 0
    with engine.connect() as conn:
        adjustments = conn.execute(select(t.projection_adjustments)).all()
    # Then one more sale, and snapshots at seq 4 (now) and seq 2 (before the correction).
    ing.ingest([inbound(make_event(4))])
    ing.ingest([snapshot(4, {"NOIR-SPRAY": (390, "ul")}), snapshot(2, {"NOIR-SPRAY": (790, "ul")})])
    if action == "accept_device":
        assert doc["resolution"]["adjustment"] == {"delta": 20, "seq": 3}
        assert [(a.discrepancy_id, a.sku, a.delta, a.seq, a.operator) for a in adjustments] == [
            (1, "NOIR-SPRAY", 20, 3, "ana")
        ]
        assert projection(engine) == {"NOIR-SPRAY": 390}
        assert count(engine, t.discrepancies) == 1  # both later snapshots match
    else:
        assert doc["resolution"]["adjustment"] is None and adjustments == []
        assert projection(engine) == {"NOIR-SPRAY": 370}  # untouched
        assert [(d.seq, d.status) for d in rows(engine)] == [(3, "resolved"), (4, "open")]


def test_accepting_a_sku_missing_in_the_middleware_makes_it_known(
    engine: Engine, db_url: str
) -> None:
    ing = Ingestor(engine)
    ing.ingest([inbound(make_event(1, kind=RESTOCK, qty=10))])
    ing.ingest([snapshot(1, {"NOIR-SPRAY": (10, "ul"), "ROSE-50": (0, "unit")})])
    result = cli(
        db_url, "resolve", "1", "--operator", "ana", "--note", "n", "--action", "accept_device"
    )
    assert result.returncode == 0, result.stderr
    ing.ingest([inbound(make_event(2, kind=RESTOCK, qty=1))])
    ing.ingest([snapshot(2, {"NOIR-SPRAY": (11, "ul"), "ROSE-50": (0, "unit")})])
    assert count(engine, t.discrepancies) == 1


def test_refusals_are_one_error_line_and_exit_status_2(engine: Engine, db_url: str) -> None:
    ing = drifted(engine)
    ing.ingest([inbound(make_event(4, kind=RESTOCK, sku="ROSE-50", qty=3))])
    ing.ingest([snapshot(4, {"NOIR-SPRAY": (600, "ul"), "ROSE-50": (3, "unit")})])
    assert [(d.id, d.sku, d.kind, d.seq) for d in rows(engine)] == [
        (1, "NOIR-SPRAY", "quantity", 3),
        (2, "NOIR-SPRAY", "quantity", 4),
        (3, "ROSE-50", "unit", 4),
    ]
    args = ("--operator", "ana", "--note", "n", "--action", "accept_device")
    refused = {
        "1": "superseded by discrepancy 2 (seq 4)",
        "3": "discrepancy 3 (unit) cannot be resolved with accept_device",
        "99": "no discrepancy 99",
    }
    for ident, message in refused.items():
        result = cli(db_url, "resolve", ident, *args)
        assert result.returncode == 2
        assert message in error_line(result)
    assert status_open(db_url) == 3  # nothing changed
    assert count(engine, t.projection_adjustments) == 0

    assert cli(db_url, "resolve", "2", *args).returncode == 0
    again = cli(db_url, "resolve", "2", "--operator", "bo", "--note", "again")
    assert again.returncode == 2
    assert "discrepancy 2 is already resolved (accept_device by ana at " in error_line(again)
    assert [d.resolved_by for d in rows(engine)] == [None, "ana", None]
    assert status_open(db_url) == 2

    ing.ingest([inbound(make_event(5, kind=RESTOCK, sku="ROSE-50", qty=0))])
    ing.ingest([snapshot(5, {"ROSE-50": (3, "ul")})])  # NOIR-SPRAY gone from the device
    (missing,) = [d for d in rows(engine) if d.seq == 5]
    assert (missing.kind, missing.device_qty, missing.middleware_qty) == (
        "missing_on_device",
        None,
        600,
    )
    result = cli(db_url, "resolve", str(missing.id), *args)
    assert result.returncode == 2
    assert "(missing_on_device) cannot be resolved with accept_device" in error_line(result)
    empty = cli(db_url, "resolve", "1", "--operator", " ", "--note", "n")
    assert empty.returncode == 1 and "bad operator" in error_line(empty)


def test_migration_keeps_existing_discrepancies(db_url: str) -> None:
    eng = open_database(db_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with eng.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0004")
            conn.exec_driver_sql(
                "INSERT INTO discrepancies (device_id, epoch, sku, device_qty, middleware_qty,"
                " seq, snapshot_id, detected_at, status) VALUES"
                " ('pk-0001', 1, 'A', 4, 0, 2, 1, '2026-11-30 10:00:00', 'open')"
            )
        migrate(eng)
        (row,) = rows(eng)
        assert (row.kind, row.device_qty, row.middleware_qty, row.status) == (
            "quantity",
            4,
            0,
            "open",
        )
        with eng.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0004")
            assert (
                conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar() == "0004"
            )
        migrate(eng)
    finally:
        eng.dispose()
