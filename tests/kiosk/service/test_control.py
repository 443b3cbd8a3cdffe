"""Machine control from the service menu: maintenance mode (persisted, and blocking the
shopper journey once wired as kiosk/app.py wires it), restart, and the export to a USB stick
(parseable JSON/CSV, manifest, DEX; a missing or full stick is one clear error)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.journey import Screen, ShopperJourney, Unavailable
from kiosk.purchase.items import dispensables
from kiosk.service import (
    AdjustmentReason,
    ControlError,
    ExportConfig,
    ExportError,
    MaintenanceDidChange,
)
from kiosk.service.dex import crc16_arc
from tests.kiosk.service.rig import BOTTLE_SKU, CATALOG, SPRAY_SKU, TECH, service_rig
from tests.support.waiting import until

LATER = date.today() + timedelta(days=400)
ROOT = Path(__file__).resolve().parents[3]


async def test_maintenance_mode_blocks_shoppers_and_survives_a_restart(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        journey = ShopperJourney(
            catalog=CATALOG,
            flow=rig.machine.flow,
            engine=rig.machine.engine,
            items=dispensables(CATALOG),
        )
        await until(lambda: journey.assess()[0] is None, what="machine ready")
        rig.menu.bind_maintenance(journey.set_maintenance)  # what kiosk/app.py does
        assert journey.view.screen is not Screen.UNAVAILABLE

        session = await rig.login()
        await rig.menu.control.set_maintenance(session, True)
        assert rig.menu.maintenance
        assert MaintenanceDidChange(True, TECH) in rig.seen
        assert (journey.view.screen, journey.view.unavailable) == (
            Screen.UNAVAILABLE, Unavailable.MAINTENANCE
        )  # fmt: skip

        menu = await rig.reopen()
        assert menu.maintenance  # still closed to shoppers after a restart
        fresh = ShopperJourney(
            catalog=CATALOG,
            flow=rig.machine.flow,
            engine=rig.machine.engine,
            items=dispensables(CATALOG),
        )
        menu.bind_maintenance(fresh.set_maintenance)
        assert fresh.view.screen is Screen.UNAVAILABLE
        await menu.control.set_maintenance(await rig.login(), False)
        reopened = fresh.view
        assert reopened.screen is Screen.ATTRACT and reopened.unavailable is None
        flags = [e.data["on"] for e in await rig.audits("maintenance")]
        assert flags == [True, False]


async def test_restart_is_audited_then_requested(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        with pytest.raises(ControlError) as unwired:
            await rig.menu.control.request_restart(session)
        assert unwired.value.key == "restart_unavailable"
        calls: list[int] = []
        rig.menu.control.restart = lambda: calls.append(len(calls))
        await rig.menu.control.request_restart(session)
        assert calls == [0]
        results = [e.data["result"] for e in await rig.audits("restart")]
        assert results == ["refused", "ok"]


async def test_export_writes_parseable_json_csv_and_a_manifest(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "kiosk.log").write_text("line 1\nline 2\n")
    export = ExportConfig(root=tmp_path / "stick", require_mount=False, log_dir=logs)
    (tmp_path / "stick").mkdir()
    async with service_rig(tmp_path, export=export) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_channel(session, 1, Decimal("40"), "L1", LATER)
        await rig.menu.stock.refill_slot(session, 1, 5, "B1", LATER)
        await rig.menu.stock.adjust_slot(session, 1, -1, AdjustmentReason.DAMAGED, "=cmd|x")
        await rig.menu.tests.test_spray(session, 1)
        await rig.menu.logout(session)
        sale = await rig.machine.buy(dispensables(CATALOG)[BOTTLE_SKU], price=2200)
        assert sale.txn_id is not None
        session = await rig.login()

        result = await rig.menu.control.export(session)
        folder = result.folder
        assert folder.parent == tmp_path / "stick" and folder.name.startswith("perfume-kiosk_")
        assert not list((tmp_path / "stick").glob(".*partial"))
        manifest = json.loads((folder / "manifest.json").read_text())
        names = {f["name"] for f in manifest["files"]}
        assert names == {
            "events.json", "events.csv", "stock.csv", "summary.json", "audit.dex",
            "logs/kiosk.log",
        }  # fmt: skip
        for entry in manifest["files"]:
            data = (folder / entry["name"]).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (
                entry["bytes"], entry["sha256"]
            )  # fmt: skip
        assert manifest["technicianId"] == TECH

        events = json.loads((folder / "events.json").read_text())["events"]
        types = {e["type"] for e in events}
        assert {"SALE", "RESTOCK", "ADJUSTMENT", "TEST_VEND", "AUDIT"} <= types
        assert "PAYMENT" not in types  # payment tokens stay on the machine
        assert manifest["events"] == len(events) == result.events
        rows = list(csv.DictReader(io.StringIO((folder / "events.csv").read_text())))
        assert [int(r["seq"]) for r in rows] == [e["seq"] for e in events]
        (adjust,) = [r for r in rows if r["type"] == "ADJUSTMENT"]
        assert (adjust["reason"], adjust["technician_id"], adjust["qty"]) == ("damaged", TECH, "-1")
        assert json.loads(adjust["data"])["note"] == "=cmd|x"
        stock = list(csv.DictReader(io.StringIO((folder / "stock.csv").read_text())))
        on_hand = {r["sku"]: int(r["on_hand"]) for r in stock}
        assert on_hand[BOTTLE_SKU] == 3 and on_hand[SPRAY_SKU] == 40_000 - 100
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["perSku"][BOTTLE_SKU]["SALE"] == {"count": 1, "qty": 1, "amountMinor": 2200}
        assert summary["serviceActions"]["refill:ok"] == 2

        dex = (folder / "audit.dex").read_bytes()
        lines = dex.decode().split("\r\n")
        assert lines[0].startswith("DXS*") and lines[-2] == "DXE*1*1" and lines[-1] == ""
        g85 = next(i for i, line in enumerate(lines) if line.startswith("G85*"))
        covered = "".join(line + "\r\n" for line in lines[1:g85]).encode()
        assert lines[g85] == f"G85*{crc16_arc(covered):04X}"
        assert "VA1***2200*1" in lines and "VA2***0*1" in lines
        assert (folder / "logs" / "kiosk.log").read_text() == "line 1\nline 2\n"
        assert (await rig.audits("export"))[-1].data["folder"] == folder.name


async def test_missing_or_unmounted_stick_is_one_clear_error(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        with pytest.raises(ExportError) as missing:
            await rig.menu.control.export(session, tmp_path / "nothing-mounted-here")
        assert missing.value.key == "export_no_medium"
        plain = tmp_path / "plain"
        plain.mkdir()
        rig.menu.control.export_config = ExportConfig(root=plain, require_mount=True)
        with pytest.raises(ExportError) as unmounted:
            await rig.menu.control.export(session)
        assert unmounted.value.key == "export_no_medium"
        assert list(plain.iterdir()) == []
        reasons = [e.data["reason"] for e in await rig.audits("export")]
        assert reasons == ["export_no_medium", "export_no_medium"]
        await rig.menu.stock.overview(session)  # the menu carries on


CHILD = """
import json, os, sys
from pathlib import Path
from kiosk.service.errors import ExportError
from kiosk.service.export import write_export
root = Path(sys.argv[1])
{setup}
files = {{"events.json": b"x" * 300_000, "events.csv": b"y" * 10}}
try:
    write_export(root, "export", files, require_mount={mount}, manifest={{}})
    print(json.dumps({{"key": None}}))
except ExportError as exc:
    print(json.dumps({{"key": exc.key, "left": sorted(os.listdir(root))}}))
"""


def _child(argv: list[str], tmp_path: Path) -> dict[str, object]:
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_a_full_stick_is_one_clear_error_and_leaves_no_partial_folder(tmp_path: Path) -> None:
    """A real 64 KiB tmpfs as the stick (in a user+mount namespace): ENOSPC."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], check=False).returncode:
        pytest.skip("needs unshare with user and mount namespaces")
    stick = tmp_path / "stick"
    stick.mkdir()
    code = CHILD.format(setup="", mount=True)
    mount = f"mount -t tmpfs -o size=64k none {stick} && exec {sys.executable} -c '{code}' {stick}"
    assert "'" not in code
    result = _child([unshare, "-rm", "sh", "-c", mount], tmp_path)
    assert result == {"key": "export_disk_full", "left": []}


def test_a_file_too_large_for_the_stick_is_the_same_error(tmp_path: Path) -> None:
    """EFBIG (FAT's 4 GiB limit; here RLIMIT_FSIZE in a child process)."""
    stick = tmp_path / "stick"
    stick.mkdir()
    setup = (
        "import resource, signal\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))"
    )
    code = CHILD.format(setup=setup, mount=False)
    result = _child([sys.executable, "-c", code, str(stick)], tmp_path)
    assert result == {"key": "export_disk_full", "left": []}
