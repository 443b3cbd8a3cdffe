"""Diagnostics: device identity and state, the fault ring, sync status, versions, the chart
series (sales per hour, outbox depth over 24 h) and the live hex trace of a real driver."""

from __future__ import annotations

import importlib.metadata
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hardware.dispenser import open_dispenser
from hardware.dispenser import simulator as dispenser_sim
from hardware.scanner import open_scanner
from hardware.scanner import simulator as scanner_sim
from kiosk.purchase.items import dispensables
from kiosk.service import HexTraceHub, ServiceError, TraceLine
from kiosk.service.diagnostics import parse_ts
from sync.protocol import EventType
from tests.kiosk.service.rig import BOTTLE_SKU, CATALOG, build_menu, service_rig
from tests.support.waiting import until

LATER = date.today() + timedelta(days=400)


async def test_devices_faults_sync_and_versions(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        devices = {d.name: d for d in await rig.menu.diagnostics.devices(session)}
        assert set(devices) == {"dispenser", "card_reader"}
        assert devices["dispenser"].state == "ready"
        board = rig.machine.dispenser.identity
        assert board is not None and devices["dispenser"].identity["serial"] == board.serial
        assert devices["card_reader"].identity["serial"]

        await rig.menu.stock.refill_channel(session, 1, Decimal("10"), "L1", LATER)
        rig.machine.dispenser_sim.inject_fault("jam:0")
        await rig.menu.tests.test_spray(session, 1)
        faults = await rig.menu.diagnostics.faults(session)
        assert [(f.device, f.code) for f in faults] == [("dispenser", "jam")]

        status = await rig.menu.diagnostics.sync_status(session)
        ledger = await rig.machine.engine.ledger_status()
        assert not status.connected  # this rig's broker is unreachable
        assert (status.queue_count, status.last_seq, status.acked_seq) == (
            ledger.pending_count, ledger.last_seq, 0
        )  # fmt: skip
        assert status.oldest_age_s is not None and not status.sales_paused

        versions = await rig.menu.diagnostics.versions(session)
        assert versions.software == importlib.metadata.version("perfume-kiosk")
        assert versions.catalog == CATALOG.version
        assert versions.device_id == rig.machine.engine.device_id

        board_status = await rig.menu.diagnostics.board_status(session)
        assert board_status is not None and 0 in board_status.channels


async def test_a_scanner_is_listed_and_its_drop_is_a_fault(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        sim = scanner_sim.create_simulator()
        scanner = await open_scanner(await sim.start_pty(), heartbeat_interval=0.2)
        try:
            await rig.menu.close()
            rig.menu = build_menu(rig.machine, rig.config, rig.clock, scanners=(scanner,))
            await rig.menu.start()
            session = await rig.login()
            await until(lambda: scanner.identity is not None, what="scanner identified")
            devices = {d.name: d for d in await rig.menu.diagnostics.devices(session)}
            assert devices["scanner"].state == "ready"
            assert devices["scanner"].identity["model"]
            await sim.close()  # the module is unplugged
            await until(lambda: rig.menu.faults.faults() != [], what="scanner drop noticed")
            assert [(f.device, f.code) for f in rig.menu.faults.faults()] == [
                ("scanner", "unavailable")
            ]
        finally:
            await scanner.close()
            await sim.close()


async def test_chart_series(tmp_path: Path) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        await rig.menu.stock.refill_slot(session, 1, 5, "B1", LATER)
        await rig.menu.logout(session)
        await rig.machine.buy(dispensables(CATALOG)[BOTTLE_SKU], price=2200)
        await rig.machine.buy(dispensables(CATALOG)[BOTTLE_SKU], price=2100)
        session = await rig.login()

        hours = await rig.menu.diagnostics.sales_per_hour(session)
        assert [h.hour for h in hours] == list(range(24))
        sales = await rig.events(EventType.SALE)
        zone = ZoneInfo(CATALOG.timezone)
        expected = {parse_ts(e.ts).astimezone(zone).hour for e in sales}
        busy = {h.hour: (h.sales, h.amount_minor) for h in hours if h.sales}
        assert sum(s for s, _ in busy.values()) == 2 and set(busy) == expected
        assert sum(a for _, a in busy.values()) == 4300

        levels = await rig.menu.diagnostics.channel_levels(session)
        assert [c.channel for c in levels] == sorted(c.channel for c in levels)

        sampler = rig.menu.sampler
        first = await sampler.sample_now()
        assert first.depth == (await rig.machine.engine.ledger_status()).pending_count
        rig.clock.advance(300)
        await sampler.sample_now()
        assert len(await rig.menu.diagnostics.outbox_depth(session)) == 2
        menu = await rig.reopen()  # kept in the service store: a restart keeps the chart
        assert len(await menu.sampler.series()) == 2
        rig.clock.advance(24 * 3600 + 1)
        await menu.sampler.sample_now()
        assert [s.at for s in await menu.sampler.series()] == [rig.clock()]  # older than 24 h


async def test_live_hex_trace_of_a_real_driver(tmp_path: Path) -> None:
    hub = HexTraceHub()
    sim = dispenser_sim.create_simulator()
    dispenser = await open_dispenser(await sim.start_pty(), trace_bytes=hub.hook("dispenser"))
    try:
        trace = hub.trace("dispenser")
        await dispenser.read_status()
        assert trace.lines() == []  # nothing is kept until a technician starts the trace
        seen: list[TraceLine] = []
        unsubscribe = trace.subscribe(seen.append)
        trace.start()
        await dispenser.read_status()
        lines = trace.lines()
        assert {line.direction for line in lines} == {"tx", "rx"}
        assert seen == lines
        assert all(line.hex == line.data.hex(" ") and len(line.text) == len(line.data)
                   for line in lines)  # fmt: skip
        unsubscribe()
        trace.hook("rx", b"\x02;4111111111111111=2512\x03")  # never on a screen
        assert trace.lines()[-1].data == b"[REDACTED]"
        assert len(seen) == len(lines)
    finally:
        await dispenser.close()
        await sim.close()


async def test_menu_starts_a_trace_only_for_wired_ports_and_stops_it_at_logout(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        hub = HexTraceHub()
        hub.hook("dispenser")  # what kiosk/app.py passes to open_dispenser
        await rig.menu.close()
        rig.menu = build_menu(rig.machine, rig.config, rig.clock, traces=hub)
        await rig.menu.start()
        session = await rig.login()
        with pytest.raises(ServiceError) as unknown:
            await rig.menu.start_trace(session, "card_reader")
        assert unknown.value.key == "unknown_port"
        trace = await rig.menu.start_trace(session, "dispenser")
        assert trace.running
        await rig.menu.logout(session)
        assert not trace.running


def test_trace_ports_list_readers_in_their_order() -> None:
    hub = HexTraceHub()
    for port in ("scanner", "card_reader_10", "dispenser", "card_reader_2", "card_reader"):
        hub.hook(port)
    assert hub.ports == [
        "card_reader",
        "card_reader_2",
        "card_reader_10",
        "dispenser",
        "scanner",
    ]
