"""The service menu as ``perfume-kiosk run`` wires it: installed over the kiosk's own window
once the machine runs, its maintenance switch closing the shop on that window, its "restart"
stopping the kiosk in order (then systemd or an exec starts it again), and nothing left behind
at close. The screens and the domain have their own tests (tests/kiosk/ui/service,
tests/kiosk/service); this is the composition root."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp, restart_process
from kiosk.catalog import Catalog
from kiosk.journey.view import Screen, Unavailable
from kiosk.launch import AppOptions, DemoRequest, demo_catalog_path
from kiosk.service import LoginStatus
from kiosk.service.pins import hash_pin
from tests.support.loops import run_on_qasync
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[3]
TECH, PIN = "t-0042", "583920"


def test_the_app_installs_the_service_menu_and_its_restart_stops_in_order(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    # the machine's provisioned technician (the demo then makes no one-time PIN of its own)
    enrolment = {
        "v": 1,
        "action": "enrol",
        "technicianId": TECH,
        "name": "Alex",
        "pinHash": hash_pin(PIN),
    }
    (tmp_path / "technician-enrolment.json").write_text(json.dumps(enrolment))
    options = AppOptions(
        catalog=Catalog.load(demo_catalog_path()),
        demo=DemoRequest(data_dir=tmp_path, reader="terminal"),
        windowed=True,
    )
    kiosk = KioskApp(qapp, options)

    async def scenario() -> None:
        runner = asyncio.ensure_future(kiosk.run())
        try:
            await until(lambda: kiosk.machine_started.is_set() or runner.done(), 60, "READY")
            assert not runner.done() and kiosk.ui is not None and kiosk.runtime is not None
            controller, menu = kiosk.service, kiosk.runtime.service
            assert controller is not None and menu is not None
            assert controller.window is kiosk.ui.window and not controller.opened
            assert not (tmp_path / "technician-enrolment.json").exists()  # consumed

            login = await menu.login(TECH, PIN)
            assert login.status is LoginStatus.OK and login.session is not None
            await menu.control.set_maintenance(login.session, True)
            window = kiosk.ui.window
            await until(lambda: window.current is window.screens[Screen.UNAVAILABLE], 10)
            assert kiosk.ui.vm.view.unavailable is Unavailable.MAINTENANCE
            await menu.control.set_maintenance(login.session, False)
            await until(lambda: window.current is window.screens[Screen.ATTRACT], 10)

            await menu.control.request_restart(login.session)
            assert kiosk.restart_requested
            assert await asyncio.wait_for(runner, 60) == 0  # an orderly stop
            assert kiosk.service is None and kiosk.runtime is None and kiosk.ui is None
        finally:
            kiosk.request_stop()
            if not runner.done():
                await runner

    run_on_qasync(qapp, scenario())


def test_under_systemd_a_restart_is_left_to_the_unit() -> None:
    restart_process({"NOTIFY_SOCKET": "/run/systemd/notify"})  # returns: Restart=always
    restart_process({"INVOCATION_ID": "0123"})


RESTARTS = """
import os, sys
from kiosk.app import restart_process
runs = int(os.environ.get("PK_RUNS", "0"))
print(f"run {runs} {' '.join(sys.argv[1:])}", flush=True)
if runs == 0:
    os.environ["PK_RUNS"] = "1"
    restart_process({})
"""


def test_elsewhere_a_restart_runs_the_same_command_again() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "INVOCATION_ID")}
    env |= {"QT_QPA_PLATFORM": "offscreen", "PK_RUNS": "0"}
    out = subprocess.run(
        [sys.executable, "-c", RESTARTS, "--demo", "--windowed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.splitlines() == ["run 0 --demo --windowed", "run 1 --demo --windowed"]
