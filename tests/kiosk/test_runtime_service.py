"""The service menu as the runtime wires it (kiosk/service/assembly.py): the demo's first
technician from a one-time PIN, maintenance mode and calibrated doses reaching the shopper
journey, the drivers' hex-trace hooks, the restart callback, a log file for the export, and a
second start that neither re-enrols nor forgets the technician's PIN."""

from __future__ import annotations

import dataclasses
import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from hardware.config import ReaderKind
from kiosk.catalog import Catalog
from kiosk.demo import OFFLINE_BROKER, demo_catalog_path, demo_config, demo_hardware, seed_stock
from kiosk.journey import Screen, Unavailable
from kiosk.purchase.model import Dispensable, DispenseKind
from kiosk.runtime import KioskRuntime
from kiosk.service import LoginStatus
from kiosk.service.assembly import DEMO_TECHNICIAN, demo_enrolment, demo_settings, one_time_pin
from kiosk.service.pins import check_new_pin
from tests.support.waiting import until

NEW_PIN = "731946"


def runtime_for(tmp_path: Path, restarts: list[str]) -> KioskRuntime:
    catalog = Catalog.load(demo_catalog_path())
    config = dataclasses.replace(
        demo_config(tmp_path, OFFLINE_BROKER, spray_countdown_s=0.0),
        service=demo_settings(tmp_path, provisioned=tmp_path / "none.json"),
    )
    return KioskRuntime(
        config,
        demo_hardware(catalog, tmp_path, reader=ReaderKind.TERMINAL),
        catalog,
        refresh_s=0.2,
        restart=lambda: restarts.append("restart"),
    )


def dose_of(item: Dispensable) -> int:
    return item.stock_qty // item.doses


def test_one_time_pins_obey_the_pin_rules() -> None:
    for _ in range(200):
        check_new_pin(one_time_pin())  # raises on a common or short PIN


def test_demo_enrolment_only_on_a_fresh_data_dir(tmp_path: Path) -> None:
    path = tmp_path / "enrol.json"
    pin = demo_enrolment(tmp_path / "device", path)
    assert pin is not None and path.stat().st_mode & 0o777 == 0o600
    body = json.loads(path.read_text())
    assert body == {
        "v": 1,
        "action": "enrol",
        "technicianId": DEMO_TECHNICIAN,
        "name": "Demo Technician",
        "oneTimePin": pin,
    }
    assert demo_enrolment(tmp_path / "device", path) is None  # the file is still there
    path.unlink()
    (tmp_path / "device").mkdir()
    (tmp_path / "device" / "service.sqlite3").write_bytes(b"")
    assert demo_enrolment(tmp_path / "device", path) is None and not path.exists()


async def test_the_runtime_wires_the_service_menu(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    restarts: list[str] = []
    caplog.set_level(logging.INFO)
    runtime = runtime_for(tmp_path, restarts)
    pin = next(
        r.args[1]
        for r in caplog.records
        if r.name == "kiosk.service.assembly" and isinstance(r.args, tuple)
    )
    journey = await runtime.start()
    try:
        menu = runtime.service
        assert menu is not None
        assert not (tmp_path / "technician-enrolment.json").exists()  # consumed and destroyed
        assert await menu.enrolled()
        assert set(menu.traces.ports) >= {"card_reader", "dispenser"}

        result = await menu.login(DEMO_TECHNICIAN, str(pin))
        assert result.status is LoginStatus.PIN_CHANGE_REQUIRED and result.session is not None
        session = result.session
        await menu.change_pin(session, str(pin), NEW_PIN)

        # maintenance mode: the shopper sees "temporarily unavailable", then the attract loop
        await menu.control.set_maintenance(session, True)
        assert journey.view.screen is Screen.UNAVAILABLE
        assert journey.view.unavailable is Unavailable.MAINTENANCE
        await menu.control.set_maintenance(session, False)
        assert journey.view.screen is Screen.ATTRACT

        # the dispenser's bytes show in its hex trace while a technician follows it
        trace = await menu.start_trace(session, "dispenser")
        assert runtime.machine is not None
        await seed_stock(runtime.machine, runtime.items)
        test = await menu.tests.test_spray(session, 1)
        assert test.ok
        await until(lambda: trace.lines(), 5, "dispenser bytes in the trace")
        directions = {line.direction for line in trace.lines()}
        assert {"tx", "rx"} <= directions

        # calibration changes the dose the shopper's purchases account with
        spray = next(
            sku
            for sku, item in journey.items.items()
            if item.kind is DispenseKind.SPRAY and item.target == 0  # channel 1
        )
        before = dose_of(journey.items[spray])
        run = await menu.tests.run_calibration(session, 1, doses=4)
        assert run.doses_done == 4
        measured = Decimal(before * 4 * 2) / 1000  # twice the dose it assumed
        calibrated = await menu.tests.apply_calibration(session, 1, measured)
        assert calibrated.new_dose_ul == before * 2
        assert dose_of(journey.items[spray]) == before * 2 == dose_of(runtime.items[spray])

        await menu.control.request_restart(session)
        assert restarts == ["restart"]
        await menu.logout(session)
        logging.getLogger("kiosk.test").warning("while running")
    finally:
        await runtime.close()
    assert runtime.service is None
    log_file = tmp_path / "logs" / "kiosk.log"
    logging.getLogger("kiosk.test").warning("after close")
    text = log_file.read_text()  # the folder the service menu's export copies
    assert "WARNING kiosk.test: while running" in text and "after close" not in text

    # a second start: no new enrolment, the changed PIN still opens the menu, doses remembered
    runtime = runtime_for(tmp_path, restarts)
    assert not (tmp_path / "technician-enrolment.json").exists()
    journey = await runtime.start()
    try:
        menu = runtime.service
        assert menu is not None
        assert dose_of(journey.items[spray]) == before * 2
        result = await menu.login(DEMO_TECHNICIAN, NEW_PIN)
        assert result.status is LoginStatus.OK
    finally:
        await runtime.close()


def test_the_demo_uses_the_machines_provisioned_technician(tmp_path: Path) -> None:
    provisioned = tmp_path / "config" / "technician-enrolment.json"
    provisioned.parent.mkdir()
    provisioned.write_text("{}")
    settings = demo_settings(tmp_path / "demo", provisioned=provisioned)
    assert settings.provisioning_file == provisioned
    assert not (tmp_path / "demo" / "technician-enrolment.json").exists()  # no demo PIN
