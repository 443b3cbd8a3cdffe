"""A machine with its service menu for service-menu tests: the purchase rig (real MDB reader
and dispenser simulators over ptys, real ledger, sync engine, settlement worker and flow) plus
a :class:`ServiceMenu` on the demo catalog, an injected clock and cheap scrypt parameters
(production parameters where the cost itself is under test)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.catalog import BottleOffer, Catalog, SprayOffer
from kiosk.purchase.model import FlowConfig
from kiosk.service import (
    ExportConfig,
    LoginStatus,
    ScryptParams,
    ServiceConfig,
    ServiceEvent,
    ServiceMenu,
    ServiceSession,
)
from sync.protocol import Event, EventType
from tests.kiosk.purchase.rig import Rig, reader_rig

DEMO = Path(__file__).resolve().parents[3] / "assets" / "catalog" / "demo.json"
CATALOG = Catalog.load(DEMO)
FAST = ScryptParams(log_n=4)  # ~0.1 ms: for tests where the PIN hash cost is not the subject
TECH, PIN = "t-0042", "583920"
SPRAYS = {o.channel: o for o in CATALOG.offers if isinstance(o, SprayOffer)}
BOTTLES = {o.slot: o for o in CATALOG.offers if isinstance(o, BottleOffer)}
SPRAY_SKU, BOTTLE_SKU = SPRAYS[1].sku, BOTTLES[1].sku  # channel 1, slot 1 (board 0, 0)


class FakeClock:
    """Wall-clock seconds that only move when the test says so."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ServiceRig:
    machine: Rig
    menu: ServiceMenu
    clock: FakeClock
    config: ServiceConfig
    seen: list[ServiceEvent] = field(default_factory=list)

    async def login(self, tech: str = TECH, pin: str = PIN) -> ServiceSession:
        result = await self.menu.login(tech, pin)
        assert result.status is LoginStatus.OK, result
        assert result.session is not None
        return result.session

    async def events(self, kind: EventType, key: str = "", value: str = "") -> list[Event]:
        ledger = self.machine.ledger
        if key:
            return await self.machine.engine.call_ledger(ledger.events_where, kind, key, value)
        return [
            e
            for e in await self.machine.engine.call_ledger(ledger.events_since, "")
            if e.type is kind
        ]

    async def audits(self, action: str) -> list[Event]:
        return await self.events(EventType.AUDIT, "action", action)

    async def on_hand(self, sku: str) -> int:
        return (await self.machine.on_hand()).get(sku, 0)

    async def reopen(self) -> ServiceMenu:
        """Close the menu and build a new one on the same data dir (a kiosk restart)."""
        await self.menu.close()
        self.menu = build_menu(self.machine, self.config, self.clock)
        self.menu.add_listener(self.seen.append)
        await self.menu.start()
        return self.menu


def enrolment_file(
    path: Path, *, tech: str = TECH, one_time_pin: str | None = None, **extra: Any
) -> Path:
    body: dict[str, Any] = {"v": 1, "technicianId": tech, "name": "Alex Martin", **extra}
    if one_time_pin is not None:
        body["oneTimePin"] = one_time_pin
    path.write_text(json.dumps(body))
    return path


def build_menu(machine: Rig, config: ServiceConfig, clock: FakeClock, **kw: Any) -> ServiceMenu:
    return ServiceMenu(
        config=config,
        engine=machine.engine,
        dispenser=machine.dispenser,
        readers=(machine.reader,),
        catalog=lambda: CATALOG,
        settlement=machine.settlement,
        clock=clock,
        **kw,
    )


@asynccontextmanager
async def service_rig(
    tmp_path: Path,
    *,
    params: ScryptParams = FAST,
    enrol: bool = True,
    flow: FlowConfig | None = None,
    broker_url: str = "mqtt://127.0.0.1:1",
    **config: Any,
) -> AsyncIterator[ServiceRig]:
    """A machine and its service menu; ``enrol`` enrols TECH with PIN from a provisioning
    file carrying a ready-made hash (no one-time PIN to change)."""
    from kiosk.service import hash_pin

    clock = FakeClock()
    provisioning = None
    if enrol:
        provisioning = tmp_path / "technician-enrolment.json"
        enrolment_file(provisioning, pinHash=hash_pin(PIN, params))
    cfg = ServiceConfig(
        data_dir=tmp_path / "device",
        provisioning_file=provisioning,
        pin_params=params,
        outbox_sample_s=0,
        export=ExportConfig(root=tmp_path / "stick", require_mount=False),
    )
    cfg = replace(cfg, **config)
    async with reader_rig(tmp_path, config=flow, broker_url=broker_url) as machine:
        menu = build_menu(machine, cfg, clock)
        rig = ServiceRig(machine, menu, clock, cfg)
        menu.add_listener(rig.seen.append)
        await menu.start()
        try:
            yield rig
        finally:
            await rig.menu.close()
