"""The whole kiosk in-process for UI journeys: the real window (``build_ui``) over a real
:class:`~kiosk.runtime.KioskRuntime` whose drivers talk to simulators this module starts on
ptys (so a test can fault them), on one qasync loop, optionally with the demo's local broker,
reference middleware and sandbox payment gateway (:class:`~kiosk.demo.DemoServices`).

A test drives it only as a shopper would: :meth:`Kiosk.tap` on the widgets of the screen shown
(found by objectName), a touch on the attract loop, and codes shown to the scanners. The
catalog is the demo catalog with a loyalty key generated for this run (the demo key's private
half does not exist), and the journey's clock is pinned to a Monday morning so that no
time-window promotion changes the prices under test.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import qasync
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from hardware.common.simulator import SimulatorServer
from hardware.config import (
    CardReaderConfig,
    DispenserConfig,
    HardwareConfig,
    ReaderKind,
    ScannerConfig,
    ScannerOptions,
)
from hardware.dispenser import simulator as dispenser_sim
from hardware.dispenser.simulator import DispenserSimulator
from hardware.mdb import simulator as mdb_sim
from hardware.mdb.simulator import SimulatedCashless
from hardware.scanner import simulator as scanner_sim
from hardware.scanner.camera import CameraLoyaltyScanner
from hardware.scanner.simulator import ScannerSimulator
from hardware.terminal import simulator as terminal_sim
from kiosk.app import Ui, build_ui
from kiosk.catalog import Catalog
from kiosk.demo import OFFLINE_BROKER, DemoServices, demo_catalog_path, demo_config, seed_stock
from kiosk.journey import Screen, ShopperJourney
from kiosk.loyalty import encode_public_key, issue_member_qr
from kiosk.machine import Machine, MachineConfig
from kiosk.money import Money
from kiosk.purchase.policy import CardPolicy
from kiosk.runtime import PORTRAIT, KioskRuntime
from kiosk.ui.screens.base import ScreenBase
from sync.engine import SyncEngine
from sync.ledger import Ledger, OutboxLimits
from sync.middleware import schema
from sync.mqtt import BrokerConfig
from sync.protocol import Event, EventType
from tests.support.loops import install_loop
from tests.support.waiting import until

T = TypeVar("T")
MEMBER_KEY = Ed25519PrivateKey.generate()  # this run's loyalty key; nothing private is stored
MEMBER_KEY_ID = "ui-journeys"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday morning: no happy hour
SCENARIO_TIMEOUT_S = 90.0
# The label that names each screen's state, recorded in Kiosk.trail at every view change.
TITLES = {
    Screen.ATTRACT: "attractTouch",
    Screen.BROWSE: "browseTitle",
    Screen.PRODUCT: "productName",
    Screen.LOYALTY: "loyaltyTitle",
    Screen.CHECKOUT: "checkoutTitle",
    Screen.PAYMENT: "paymentTitle",
    Screen.DISPENSING: "dispensingTitle",
    Screen.DONE: "doneTitle",
    Screen.UNAVAILABLE: "unavailableTitle",
}


def journey_catalog() -> Catalog:
    """The demo catalog, its loyalty key replaced by this run's."""
    data: dict[str, Any] = json.loads(demo_catalog_path().read_text(encoding="utf-8"))
    data["loyalty"]["keys"] = [
        {"id": MEMBER_KEY_ID, "ed25519": encode_public_key(MEMBER_KEY.public_key())}
    ]
    return Catalog.from_json(data)


CATALOG = journey_catalog()


def member_code(member_id: str, name: str, tier: str = "gold") -> str:
    """A signed member QR payload, as the retailer's app shows it."""
    return issue_member_qr(
        MEMBER_KEY,
        MEMBER_KEY_ID,
        member_id=member_id,
        display_name=name,
        tier=tier,
        issued_at=NOW,
    )


async def eventually(
    read: Callable[[], Awaitable[object]], expected: object, what: str, timeout: float = 30.0
) -> None:
    """Poll the coroutine function ``read`` until it returns ``expected``."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = await read()
        if last == expected:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}: {last!r} != {expected!r}")


# -- the qasync loop --------------------------------------------------------------------------
def run_on_qasync(qapp: QApplication, scenario: Callable[[], Awaitable[T]]) -> T:
    """Run ``scenario`` on a qasync loop over the test's QApplication, as the kiosk runs (Qt
    events are processed whenever the scenario awaits). Fails when a callback or a task the
    scenario did not await raised (the loop's exception handler saw it)."""
    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)  # as the kiosk (make_application) sets it
    loop = qasync.QEventLoop(qapp)
    install_loop(loop)
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))

    async def bounded() -> T:
        async with asyncio.timeout(SCENARIO_TIMEOUT_S):
            return await scenario()

    try:
        result: T = loop.run_until_complete(bounded())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        qapp.setQuitOnLastWindowClosed(quit_on_close)
    if errors:
        raise AssertionError(
            "errors on the event loop: "
            + "; ".join(f"{c.get('message')}: {c.get('exception')!r}" for c in errors)
        )
    return result


# -- the kiosk --------------------------------------------------------------------------------
@dataclass
class Simulators:
    reader: SimulatorServer  # MDB bus or payment terminal
    dispenser: DispenserSimulator
    scanner: ScannerSimulator

    @property
    def mdb(self) -> SimulatedCashless:
        """The MDB reader at 10H (only with ``ReaderKind.MDB``)."""
        model = self.reader.model
        assert isinstance(model, mdb_sim.CashlessBusModel)
        return model.reader()

    async def close(self) -> None:
        for sim in (self.scanner, self.dispenser, self.reader):
            await sim.close()


@dataclass
class Kiosk:
    qtbot: QtBot
    ui: Ui
    runtime: KioskRuntime
    sims: Simulators
    services: DemoServices | None
    catalog: Catalog = field(default_factory=lambda: CATALOG)
    trail: list[tuple[Screen, str]] = field(default_factory=list)  # (screen, its title)
    prompts: list[int] = field(default_factory=list)  # each "still there?" shown

    def watch(self) -> None:
        """Record what the window shows after every view change and every idle prompt."""
        self.ui.vm.viewChanged.connect(self._on_vm_view_changed)  # after the window rendered
        self.ui.window.idle.promptDidShow.connect(self.prompts.append)

    async def close(self) -> None:
        """As the kiosk stops: the runtime first (the window stays up meanwhile), then the
        window."""
        await self.runtime.close()
        self.ui.vm.viewChanged.disconnect(self._on_vm_view_changed)
        self.ui.close()

    def _on_vm_view_changed(self, _view: object) -> None:
        which = self.shown
        if which is None:
            return
        title = self.screen(which).findChild(QLabel, TITLES[which])
        entry = (which, title.text() if title is not None else "")
        if not self.trail or self.trail[-1] != entry:
            self.trail.append(entry)

    def screens_seen(self) -> list[Screen]:
        out: list[Screen] = []
        for which, _title in self.trail:
            if not out or out[-1] is not which:
                out.append(which)
        return out

    def titles_on(self, which: Screen) -> list[str]:
        return [title for screen, title in self.trail if screen is which]

    # -- what is shown ------------------------------------------------------------------------
    @property
    def journey(self) -> ShopperJourney:
        return self.runtime.journey

    def screen(self, which: Screen) -> ScreenBase:
        return self.ui.window.screens[which]

    @property
    def shown(self) -> Screen | None:
        """The screen the window shows (its stack's current page)."""
        current = self.ui.window.stack.currentWidget()
        for which, screen in self.ui.window.screens.items():
            if screen is current:
                return which
        return None

    def on(self, which: Screen) -> ScreenBase:
        """The screen shown, asserting it is ``which``."""
        assert self.shown is which, f"the window shows {self.shown}, not {which}"
        assert self.ui.window.current is self.screen(which)
        return self.screen(which)

    async def until_on(self, which: Screen, timeout: float = 20.0) -> ScreenBase:
        try:
            await until(lambda: self.shown is which, timeout, f"the {which.value} screen")
        except AssertionError as exc:
            view = self.journey.view
            raise AssertionError(
                f"{exc} (last shown: {self.trail[-3:]}; purchase {view.purchase.value}, "
                f"payment {view.payment}, reason {view.reason!r}, notice {view.notice})"
            ) from None
        return self.on(which)

    def widget(self, name: str, kind: type[QWidget] = QWidget) -> QWidget:
        """The widget called ``name`` on the screen shown (else in the window's header)."""
        current = self.ui.window.current
        assert current is not None
        found = current.findChild(kind, name) or self.ui.window.findChild(kind, name)
        assert found is not None, f"no {kind.__name__} named {name!r} on {self.shown}"
        return found

    def text(self, name: str) -> str:
        """The text of the label or button called ``name`` on the screen shown."""
        found = self.widget(name)
        assert isinstance(found, QLabel | QAbstractButton), f"{name!r} has no text"
        return found.text()

    def visible_text(self, name: str) -> str:
        assert self.widget(name).isVisible(), f"{name!r} is hidden on {self.shown}"
        return self.text(name)

    def money(self, minor: int) -> str:
        return self.ui.languages.money(Money(minor, self.catalog.currency))

    # -- what a shopper does ------------------------------------------------------------------
    def tap(self, name: str) -> None:
        """Tap the button called ``name`` on the screen shown; it must be there to tap."""
        target = self.widget(name, QAbstractButton)
        assert target.isVisible(), f"{name!r} is not visible on {self.shown}"
        assert target.isEnabled(), f"{name!r} is disabled on {self.shown}"
        self.qtbot.mouseClick(target, Qt.MouseButton.LeftButton)

    def touch_attract(self) -> None:
        attract = self.on(Screen.ATTRACT)
        self.qtbot.mouseClick(attract, Qt.MouseButton.LeftButton)

    def open_product(self, product_id: str) -> None:
        """From the browse grid: scroll the perfume's card into view and tap it."""
        browse = self.on(Screen.BROWSE)
        card = self.widget(f"card-{product_id}", QAbstractButton)
        scroll = getattr(browse, "scroll_area", None)
        if scroll is not None:
            scroll.ensureWidgetVisible(card)
        self.tap(f"card-{product_id}")
        self.on(Screen.PRODUCT)

    async def to_checkout(self, product_id: str, sku: str, *, skip_loyalty: bool = True) -> None:
        """(Attract →) browse → the perfume → the offer (→ skip the loyalty scan) → checkout."""
        if self.shown is Screen.ATTRACT:
            self.touch_attract()
        self.on(Screen.BROWSE)
        await until(lambda: self.widget(f"card-{product_id}").isVisible(), 10, "the cards")
        self.open_product(product_id)
        self.tap(f"offer-{sku}")
        if skip_loyalty:
            self.on(Screen.LOYALTY)
            self.tap("loyaltySkip")
            self.on(Screen.CHECKOUT)

    # -- what the ledger says -----------------------------------------------------------------
    @property
    def machine(self) -> Machine:
        assert self.runtime.machine is not None
        return self.runtime.machine

    @property
    def engine(self) -> SyncEngine:
        assert self.machine.engine is not None
        return self.machine.engine

    @property
    def ledger(self) -> Ledger:
        assert self.machine.ledger is not None
        return self.machine.ledger

    async def count(self, kind: EventType) -> int:
        return await self.engine.call_ledger(self.ledger.count_events, kind)

    async def on_hand(self, sku: str) -> int:
        return (await self.engine.ledger_status()).on_hand.get(sku, 0)

    async def final_step(self, txn_id: str) -> str:
        entry = await self.engine.call_ledger(self.ledger.journal_entry, txn_id)
        assert entry is not None, f"no journal entry for {txn_id}"
        return entry.step

    async def events(self, txn_id: str) -> list[Event]:
        return await self.engine.call_ledger(self.ledger.transaction_events, txn_id)

    async def sale(self, txn_id: str) -> Event:
        sales = [e for e in await self.events(txn_id) if e.type is EventType.SALE]
        assert len(sales) == 1, f"{len(sales)} SALE events for {txn_id}"
        return sales[0]

    # -- the outside world --------------------------------------------------------------------
    async def stop_broker(self) -> None:
        assert self.services is not None and self.services.broker is not None
        await asyncio.to_thread(self.services.broker.stop)
        await until(lambda: not self.engine.connected, 20, "the kiosk to notice the broker left")

    async def middleware_sales(self, txn_id: str) -> int:
        """How many SALE events of ``txn_id`` the middleware stored."""
        db = self._middleware_db()
        device = self.ledger.device_id

        def count() -> int:
            query = (
                sa.select(sa.func.count())
                .select_from(schema.events)
                .where(schema.events.c.device_id == device)
                .where(schema.events.c.txn_id == txn_id)
                .where(schema.events.c.type == EventType.SALE.value)
            )
            with db.connect() as conn:
                return int(conn.execute(query).scalar_one())

        return await asyncio.to_thread(count)

    async def settlement_status(self, txn_id: str) -> str | None:
        """The middleware's canonical record of ``txn_id``: its settlement status."""
        db = self._middleware_db()
        device = self.ledger.device_id

        def status() -> str | None:
            t = schema.transactions
            query = sa.select(t.c.settlement_status).where(
                t.c.device_id == device, t.c.txn_id == txn_id
            )
            with db.connect() as conn:
                value = conn.execute(query).scalar_one_or_none()
            return None if value is None else str(value)

        return await asyncio.to_thread(status)

    def _middleware_db(self) -> sa.Engine:
        assert self.services is not None and self.services.db is not None
        return self.services.db

    async def start_broker(self) -> None:
        assert self.services is not None and self.services.broker is not None
        await asyncio.to_thread(self.services.broker.start)
        middleware = self.services.middleware
        assert middleware is not None
        await until(
            lambda: self.engine.connected and middleware.connected,
            30,
            "the kiosk and the middleware to reconnect",
        )


async def start_simulators(stack: AsyncExitStack, reader: ReaderKind) -> Simulators:
    """The devices on fast simulators over real ptys, sized for the demo catalog's board."""
    channels = max(p.spray.channel for p in CATALOG.products if p.spray is not None)
    slots = max(b.slot for p in CATALOG.products for b in p.bottles)
    if reader is ReaderKind.MDB:
        reader_sim = mdb_sim.create_simulator(card_delay=0.05)
    else:
        reader_sim = terminal_sim.create_simulator(present_delay=0.05, processing_delay=0.05)
    board = dispenser_sim.create_simulator(
        channels=channels, slots=slots, ml=100, bottles=20, dose_seconds=0.02, drop_seconds=0.05
    )
    scanner = scanner_sim.create_simulator()
    sims = Simulators(reader_sim, board, scanner)
    stack.push_async_callback(sims.close)
    return sims


@asynccontextmanager
async def running_kiosk(
    qtbot: QtBot,
    tmp_path: Path,
    *,
    reader: ReaderKind = ReaderKind.MDB,
    online: bool = False,
    broker_down: bool = False,
    card_policy: CardPolicy = CardPolicy.REQUIRE_ONLINE,
    outbox: OutboxLimits | None = None,
    idle_s: float = 60.0,
    prompt_s: int = 10,
    payment_timeout_s: float = 30.0,
) -> AsyncIterator[Kiosk]:
    """The kiosk, stocked, its window shown at 1080 × 1920 on the attract loop.

    ``online``: the demo's broker, middleware and sandbox gateway run (else the kiosk's broker
    URL leads nowhere); ``broker_down``: the broker is stopped before the kiosk starts (the
    test brings it back with :meth:`Kiosk.start_broker`)."""
    async with AsyncExitStack() as stack:
        services: DemoServices | None = None
        broker_url = OFFLINE_BROKER
        if online:
            services = await DemoServices(tmp_path / "services").start()
            stack.push_async_callback(services.close)
            assert services.broker is not None, "mosquitto is needed for this journey"
            broker_url = services.broker_url
            if broker_down:
                await asyncio.to_thread(services.broker.stop)
        sims = await start_simulators(stack, reader)
        config = demo_config(tmp_path, broker_url, card_policy=card_policy, idle_s=idle_s)
        config = replace(
            config, prompt_s=prompt_s, payment_timeout_s=payment_timeout_s, spray_countdown_s=0.0
        )
        hardware = HardwareConfig(
            card_readers=(CardReaderConfig(kind=reader, url=await sims.reader.start_pty()),),
            dispenser=DispenserConfig(url=await sims.dispenser.start_pty()),
            scanner=ScannerConfig(
                url=await sims.scanner.start_pty(),
                camera="camera://?debounce=1",
                options=ScannerOptions(debounce=0.5, max_data=512),
            ),
        )
        machine = MachineConfig(
            device_id=config.device_id,
            data_dir=config.data_dir,
            broker=BrokerConfig(
                url=broker_url,
                client_id=config.device_id,
                backoff_min_s=0.05,
                backoff_max_s=0.5,
            ),
            flow=config.flow(),
            outbox=outbox or OutboxLimits(),
            ack_timeout_s=2.0,
            settle_retry_s=0.3,
            payment_call_timeout_s=5.0,
        )
        runtime = KioskRuntime(config, hardware, CATALOG, machine_config=machine, refresh_s=1.0)
        journey = await runtime.start()
        stack.push_async_callback(runtime.close)  # (again: closing twice does nothing)
        journey.clock = lambda: NOW  # pin the time: prices without time-window promotions
        assert runtime.machine is not None
        await seed_stock(runtime.machine, runtime.items)
        await journey.refresh()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        ui = build_ui(
            app,
            catalog=CATALOG,
            journey=journey,
            idle_s=config.idle_s,
            prompt_s=config.prompt_s,
            camera=runtime.camera_frames(),
        )
        kiosk = Kiosk(qtbot, ui, runtime, sims, services)
        kiosk.watch()
        stack.push_async_callback(kiosk.close)
        ui.window.resize(*PORTRAIT)
        ui.window.show()
        if online and not broker_down:
            await until(lambda: kiosk.engine.connected, 30, "the kiosk to reach the broker")
        assert kiosk.ui.window.size().toTuple() == PORTRAIT
        yield kiosk


def camera_of(kiosk: Kiosk) -> CameraLoyaltyScanner:
    devices = kiosk.runtime.devices
    assert devices is not None and isinstance(devices.camera, CameraLoyaltyScanner)
    return devices.camera
