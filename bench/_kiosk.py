"""The kiosk of the UI benchmarks: the demo machine in one process on fast simulators, its
outside world, a backlog for its outbox and a shopper buying through the real journey.

The kiosk is assembled the way ``KioskApp.start`` does it (``KioskRuntime`` + ``build_ui`` +
crash guard, the window shown at 1080 x 1920 on the offscreen platform), with the demo's
services — Mosquitto, the sandbox payment gateway and the reference middleware, started by
``kiosk.demo.DemoServices`` as child processes (or, for comparison, ``in_process``) — except
that the broker's port is held up front, so the kiosk can start while its broker is still
down, and the simulators are paced for a benchmark instead of for a person.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from _measure import FrameWatch
from PySide6.QtWidgets import QApplication

from hardware.config import (
    CardReaderConfig,
    DispenserConfig,
    HardwareConfig,
    ReaderKind,
)
from kiosk.app import Ui, build_ui
from kiosk.catalog import Catalog
from kiosk.demo import DEMO_DEVICE, DemoServices, demo_catalog_path, demo_config
from kiosk.journey import Screen
from kiosk.journey.gallery import gallery
from kiosk.purchase.model import DispenseKind, PurchaseResult
from kiosk.runtime import PORTRAIT, KioskRuntime
from kiosk.ui.viewmodel import JourneyViewModel
from sync.ledger import EventDraft, Ledger
from sync.localbroker import Broker
from sync.protocol import EventType, Unit

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sync.middleware.payments.sandbox import SandboxGateway
    from sync.middleware.service import MiddlewareService

BACKLOG_SKU = "BENCH-BACKLOG-SPRAY"  # not in the catalog: the backlog never touches shop stock
# The countdown before a spray: the demo's is 3 s (kiosk.toml spray_countdown_s); a benchmark
# shopper holds out a wrist at once, so each purchase takes well under a second.
SPRAY_COUNTDOWN_S = 0.2
BOARD_ML = 1000  # per simulated spray channel: ~4,700 sprays of 3 x 70 ul
BOARD_BOTTLES = 10_000  # per simulated bottle slot (the wire format's limit is 65,535)


def fast_hardware(catalog: Catalog) -> HardwareConfig:
    """``kiosk.demo.demo_hardware`` with a benchmark's pace: the card is presented and
    processed after 50 ms, a spray dose takes 20 ms and a bottle 50 ms; the simulated board
    holds far more than any run sells. Unlike the demo's, the board keeps no state file: the
    simulator writes it with an fsync on the event loop after every dispense (a simulator's
    cost, which a real board does not put on the kiosk's loop)."""
    channels = max((p.spray.channel for p in catalog.products if p.spray), default=1)
    slots = max((b.slot for p in catalog.products for b in p.bottles), default=1)
    board = urlencode(
        {
            "channels": channels,
            "slots": slots,
            "ml": BOARD_ML,
            "bottles": BOARD_BOTTLES,
            "dose_seconds": 0.02,
            "drop_seconds": 0.05,
        }
    )
    reader = "sim://?present_delay=0.05&processing_delay=0.05&down_time=0.5"
    return HardwareConfig(
        card_readers=(CardReaderConfig(kind=ReaderKind.TERMINAL, url=reader),),
        dispenser=DispenserConfig(url=f"sim://?{board}"),
    )


@dataclass
class Services:
    """Mosquitto (port chosen now, started on demand), the sandbox gateway and the reference
    middleware, as ``kiosk.demo.DemoServices`` runs them for ``run --demo``: the gateway and
    the middleware in their own processes (as in the field, where the middleware is not on
    the kiosk), at a lower priority than the kiosk. ``in_process``: both in the kiosk's
    process instead, as the demo ran them before (for comparison only). ``close()`` stops
    them.

    Until the broker starts, its port is held by a bound socket that does not listen: the
    device's connects are refused (the broker is down), and no other program on this shared
    machine is handed the port meanwhile (a kernel-chosen port is never one still bound)."""

    data_dir: Path
    in_process: bool = False
    nice: int | None = None  # the children's nice steps below the kiosk (None: the demo's)
    broker: Broker = field(init=False)
    demo: DemoServices | None = None
    gateway: SandboxGateway | None = None
    middleware: MiddlewareService | None = None
    db: Engine | None = None
    _hold: socket.socket | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        hold = socket.socket()
        hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hold.bind(("127.0.0.1", 0))
        self._hold = hold
        port = hold.getsockname()[1]
        self.broker = Broker(self.data_dir / "broker", port=port, persistence=False)

    def _release_port(self) -> None:
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    @property
    def broker_url(self) -> str:
        return self.broker.url

    @property
    def middleware_connected(self) -> bool:
        if self.in_process:
            return self.middleware is not None and self.middleware.connected
        child = self.demo.middleware if self.demo is not None else None
        return child is not None and child.connected

    def child_pids(self) -> dict[str, int]:
        """The processes beside the kiosk's: broker, and (the demo's layout) the children."""
        pids = {"mosquitto": self.broker.proc.pid} if self.broker.proc is not None else {}
        if self.demo is not None:
            for child in (self.demo.gateway, self.demo.middleware):
                if child is not None and child.pid is not None:
                    pids[child.name] = child.pid
        return pids

    async def start(self) -> None:
        """Everything up; returns once the middleware is connected to the broker."""
        self._release_port()
        if not self.in_process:
            self.demo = DemoServices(self.data_dir / "services")
            if self.nice is not None:
                self.demo.nice = self.nice
            self.demo.reserve(self.broker)
            await self.demo.start()
            if self.demo.middleware is None:
                raise RuntimeError(f"the demo services did not start: {self.demo.lost}")
            return
        await asyncio.to_thread(self.broker.start)
        from sync.middleware.db import migrate, open_database
        from sync.middleware.payments.sandbox import SandboxGateway
        from sync.middleware.payments.sandbox_state import SandboxState
        from sync.middleware.service import MiddlewareService, ServiceConfig

        self.gateway = SandboxGateway(SandboxState(str(self.data_dir / "gateway.db"))).start()
        self.db = open_database(f"sqlite:///{(self.data_dir / 'middleware.db').resolve()}")
        await asyncio.to_thread(migrate, self.db)
        config = ServiceConfig(
            broker_url=self.broker_url, instance="bench", gateway_url=self.gateway.url
        )
        self.middleware = MiddlewareService(self.db, config)
        await self.middleware.start()

    async def close(self) -> None:
        if self.demo is not None:
            await self.demo.close()
            self.demo = None
        if self.middleware is not None:
            await self.middleware.close()
            self.middleware = None
        if self.db is not None:
            self.db.dispose()
            self.db = None
        if self.gateway is not None:
            await asyncio.to_thread(self.gateway.close)
            self.gateway = None
        self._release_port()
        await asyncio.to_thread(self.broker.stop)


def renice_background_threads(nice: int) -> dict[str, int]:
    """Diagnosis: set the nice value of the kiosk's ledger and MQTT threads (absolute; the
    engine makes them 5 nicer than the loop by default). Raising a thread back up needs
    CAP_SYS_NICE (root); returns the value each thread has now."""
    out: dict[str, int] = {}
    for thread in threading.enumerate():
        if thread.native_id is None or not thread.name.startswith(("ledger", "mqtt-")):
            continue
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, thread.native_id, nice)
        out[thread.name] = os.getpriority(os.PRIO_PROCESS, thread.native_id)
    return out


def prefill_backlog(ledger_dir: Path, events: int, batch: int = 100) -> float:
    """Commit ``events`` events (a restock, then sales of a SKU outside the catalog) to the
    device's ledger before the kiosk starts, so they sit unacked in the outbox; seconds taken."""
    began = time.perf_counter()
    ledger = Ledger.open(ledger_dir, DEMO_DEVICE)
    try:
        drafts = [EventDraft(EventType.RESTOCK, sku=BACKLOG_SKU, qty=10**12, unit=Unit.MICROLITRE)]
        for i in range(events - 1):
            drafts.append(
                EventDraft(
                    EventType.SALE,
                    sku=BACKLOG_SKU,
                    qty=210,
                    unit=Unit.MICROLITRE,
                    amount_minor=1250,
                    currency="EUR",
                    txn_id=f"backlog-{i}",
                    data={"doses": 3},
                )
            )
            if len(drafts) >= batch:
                ledger.record_many(drafts)
                drafts = []
        if drafts:
            ledger.record_many(drafts)
        assert ledger.status().pending_count == events
    finally:
        ledger.close()
    return time.perf_counter() - began


@dataclass
class Kiosk:
    runtime: KioskRuntime
    ui: Ui
    frames: FrameWatch
    catalog: Catalog

    @property
    def vm(self) -> JourneyViewModel:
        return self.ui.vm


async def stock_everything(runtime: KioskRuntime) -> None:
    """One restock per catalog SKU, as much as the simulated board holds."""
    machine = runtime.machine
    assert machine is not None and machine.engine is not None
    drafts = [
        EventDraft(
            EventType.RESTOCK,
            sku=sku,
            qty=BOARD_ML * 1000 if item.kind is DispenseKind.SPRAY else BOARD_BOTTLES,
            unit=item.unit,
            data={"reason": "bench stock", "operator_id": "bench"},
        )
        for sku, item in sorted(runtime.items.items())
    ]
    await machine.engine.record_many(drafts)
    await runtime.journey.refresh()


@asynccontextmanager
async def running_kiosk(
    app: QApplication,
    data_dir: Path,
    broker_url: str,
    *,
    catalog: Catalog | None = None,
    backoff_s: tuple[float, float] = (0.2, 0.5),
    record_frames: bool = True,
    spray_countdown_s: float = SPRAY_COUNTDOWN_S,
) -> AsyncIterator[Kiosk]:
    """The kiosk on its simulators with its window shown and painted once; closed after.
    ``backoff_s``: the device's reconnect delay range (the product's is 0.5..60 s);
    ``spray_countdown_s``: the "hold your wrist under the nozzle" wait before a spray."""
    catalog = catalog or Catalog.load(demo_catalog_path())
    config = demo_config(data_dir, broker_url, spray_countdown_s=spray_countdown_s)
    machine = config.machine()
    broker = replace(machine.broker, backoff_min_s=backoff_s[0], backoff_max_s=backoff_s[1])
    machine = replace(machine, broker=broker)
    runtime = KioskRuntime(config, fast_hardware(catalog), catalog, machine_config=machine)
    ui: Ui | None = None
    try:
        journey = await runtime.start()
        await stock_everything(runtime)
        ui = build_ui(app, catalog=catalog, journey=journey, language=config.language)
        ui.guard.install(asyncio.get_running_loop())
        frames = FrameWatch(ui.window, ui.vm, record=record_frames)
        ui.window.resize(*PORTRAIT)
        ui.window.show()
        await frames.next_frame(timeout_s=10.0)
        # as KioskApp does right after READY: each hidden screen painted once off screen
        await ui.warm_up(view for _screen, _state, view in gallery(catalog))
        yield Kiosk(runtime, ui, frames, catalog)
    finally:
        if ui is not None:
            ui.close()
        await runtime.close()


def offers(catalog: Catalog, *, bottle_every: int = 4) -> Callable[[int], tuple[str, str]]:
    """The ``i``-th purchase's (product id, SKU): sprays in catalog order, every
    ``bottle_every``-th a bottle, so every screen state and the board's both paths are used."""
    sprays = [(p.id, p.spray.sku) for p in catalog.products if p.spray is not None]
    bottles = [(p.id, b.sku) for p in catalog.products for b in p.bottles]

    def pick(i: int) -> tuple[str, str]:
        if bottles and bottle_every and i % bottle_every == bottle_every - 1:
            return bottles[(i // bottle_every) % len(bottles)]
        return sprays[i % len(sprays)]

    return pick


async def buy(kiosk: Kiosk, product_id: str, sku: str, *, think_s: float = 0.0) -> PurchaseResult:
    """One shopper through the real journey and screens: touch, product, offer, skip the
    loyalty scan, pay (the simulated card), dispense, done, home. Waits for the window to
    repaint after each step (and ``think_s`` more, a shopper reading the screen)."""
    vm, frames = kiosk.vm, kiosk.frames

    async def step(action: Callable[[], object]) -> None:
        action()
        await frames.next_frame()
        if think_s:
            await asyncio.sleep(think_s)

    await step(vm.touch)
    await step(lambda: vm.show_product(product_id))
    await step(lambda: vm.choose_offer(sku))
    if vm.view.screen is Screen.LOYALTY:
        await step(vm.skip_loyalty)
    if vm.view.screen is not Screen.CHECKOUT:
        raise RuntimeError(f"expected the checkout screen, got {vm.view}")
    result = await vm.pay()
    if result is None:
        raise RuntimeError(f"the payment did not start: {vm.view.notice} {vm.view.reason}")
    await frames.next_frame()
    await step(vm.go_home)
    return result


def outcome(result: PurchaseResult) -> str:
    """``completed``, or the end state with its reason (``cancelled: payment_timeout``)."""
    state = result.state.value
    return state if state == "completed" else f"{state}: {result.reason}"
