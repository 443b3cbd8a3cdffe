"""Machine control from the menu: maintenance mode blocks the real shopper journey (the
window shows "temporarily unavailable" after the technician leaves, and sells again once it is
off), the export writes parseable JSON and CSV to the stick (or says why it cannot), the
restart asks for a second tap, and the live hex trace shows a port's bytes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.journey import Screen, Unavailable
from kiosk.service import ExportConfig
from kiosk.ui.screens.unavailable import UnavailableScreen
from kiosk.ui.service.texts import error_text
from tests.kiosk.service.rig import TECH
from tests.kiosk.ui.service.support import run_on_qasync, service_window
from tests.support.waiting import until


def test_maintenance_mode_from_the_menu_blocks_the_shoppers(
    qapp: QApplication, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            kit.journey.touch()
            await kit.sign_in()
            await kit.section("machine")
            machine = kit.overlay.sections["machine"]
            assert machine.maint_button.text() == "Turn maintenance on"
            kit.tap(kit.button("maintenanceButton"))
            await until(lambda: kit.journey.view.screen is Screen.UNAVAILABLE, 10, "maintenance")
            assert kit.rig.menu.maintenance
            view = kit.journey.view
            assert (view.screen, view.unavailable) == (Screen.UNAVAILABLE, Unavailable.MAINTENANCE)
            await until(lambda: machine.maint_button.text() == "Turn maintenance off", 5, "label")
            kit.tap(kit.button("serviceLogout"))
            await until(lambda: not kit.service.opened, 5, "back to the shoppers")
            assert isinstance(kit.window.current, UnavailableScreen)  # what shoppers now see
            assert kit.journey.view.screen is Screen.UNAVAILABLE

            await kit.sign_in()
            await kit.section("machine")
            kit.tap(kit.button("maintenanceButton"))
            await until(lambda: kit.journey.view.screen is Screen.ATTRACT, 10, "selling again")
            assert not kit.rig.menu.maintenance and kit.journey.view.unavailable is None
            flags = [e.data["on"] for e in await kit.rig.audits("maintenance")]
            assert flags == [True, False]

    run_on_qasync(qapp, scenario)


def test_export_writes_parseable_files_or_says_why_not(qapp: QApplication, tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    export = ExportConfig(root=stick, require_mount=False)

    async def scenario() -> None:
        async with service_window(qapp, tmp_path, export=export) as kit:
            await kit.sign_in()
            await kit.section("machine")
            machine = kit.overlay.sections["machine"]
            kit.tap(kit.button("exportButton"))  # no stick yet
            await until(lambda: machine.export_result.text() == error_text("export_no_medium"),
                        10, "no medium")  # fmt: skip
            stick.mkdir()
            kit.tap(kit.button("exportButton"))
            await until(lambda: machine._export is not None, 10, "the export")
            (folder,) = [p for p in stick.iterdir() if p.is_dir()]
            assert folder.name in machine.export_result.text()
            assert folder.name in kit.overlay.status.message.text()
            manifest = json.loads((folder / "manifest.json").read_text())
            assert manifest["technicianId"] == TECH
            events = json.loads((folder / "events.json").read_text())
            assert events["technicianId"] == TECH and isinstance(events["events"], list)
            logins = [e for e in events["events"] if e.get("data", {}).get("action") == "login"]
            assert logins, "today's audit includes the technician's login"
            rows = list(csv.DictReader(io.StringIO((folder / "events.csv").read_text())))
            assert rows and {"seq", "type", "action", "technician_id"} <= set(rows[0])
            stock = list(csv.DictReader(io.StringIO((folder / "stock.csv").read_text())))
            assert {r["target"] for r in stock} == {"channel", "slot"}
            results = [e.data["result"] for e in await kit.rig.audits("export")]
            assert results == ["refused", "ok"]

    run_on_qasync(qapp, scenario)


def test_restart_needs_a_second_tap(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            restarts: list[int] = []
            kit.rig.menu.control.restart = lambda: restarts.append(1)
            await kit.sign_in()
            await kit.section("machine")
            kit.tap(kit.button("restartButton"))
            assert kit.button("restartButton").text() == "Tap again to restart"
            assert restarts == [] and await kit.rig.audits("restart") == []
            kit.tap(kit.button("restartButton"))
            await until(lambda: restarts == [1], 10, "the restart")
            assert [e.data["result"] for e in await kit.rig.audits("restart")] == ["ok"]

    run_on_qasync(qapp, scenario)


def test_the_live_hex_trace_shows_a_ports_bytes(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            hook = kit.rig.menu.traces.hook("dispenser")  # what the driver is given at open
            await kit.sign_in()
            await kit.section("diagnostics")
            trace = kit.overlay.sections["diagnostics"].trace
            await until(lambda: "dispenser" in trace.ports.buttons, 5, "the ports")
            hook("tx", b"\x02\x10ignored")  # not traced before start
            kit.tap(kit.button("traceStart"))
            await until(lambda: kit.button("traceStop").isEnabled(), 5, "the trace")
            hook("tx", b"\x02\x10AB")
            hook("rx", b"\x06")
            text = trace.text.toPlainText()
            assert "tx  02 10 41 42  |..AB|" in text and "rx  06  |.|" in text
            assert "ignored" not in text
            kit.tap(kit.button("traceStop"))
            hook("rx", b"\x15")
            assert "rx  15" not in trace.text.toPlainText()  # (not "15": the clock may say 15:xx)

    run_on_qasync(qapp, scenario)
