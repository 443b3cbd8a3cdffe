"""The demo machine's embedded defaults (``perfume-kiosk run --demo``): services, hardware,
configuration and stock, all in one data dir.

* :class:`DemoServices`: when ``mosquitto`` is installed, a local broker on a free port
  (:class:`sync.localbroker.Broker`), the sandbox payment gateway (HTTP, its state in SQLite)
  and the reference middleware on SQLite serving the device's payment RPC through it. The
  gateway and the middleware run as child processes (:mod:`kiosk.childproc`: they die with
  the kiosk, their logs are ``sandbox-gateway.log`` and ``middleware.log`` in the data dir), so
  their work never competes with the kiosk's screen for its GIL. Without mosquitto none of
  them starts and the kiosk runs offline: with the default ``require_online`` card policy the
  shopper sees "card payments unavailable offline"; the same if one of them stops.
  :meth:`DemoServices.reserve` gives the broker's address before anything starts, so the kiosk
  can show its first frame first and start these behind it (the device connects when the
  broker is up).
* :func:`demo_hardware`: every device on its simulator (``sim://``), paced for a person to
  watch; the dispenser board sized for the catalog and remembering its levels in the data dir.
  The reader is the tokenizing terminal by default (the gateway path, so the card policies and
  loyalty are demonstrable); ``ReaderKind.MDB`` gives the MDB cashless reader instead.
* :func:`demo_config`: the ``[kiosk]`` settings of the demo device.
* :func:`seed_stock`: stocks, once, every catalog SKU the ledger has never seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from hardware.config import (
    CardReaderConfig,
    DispenserConfig,
    HardwareConfig,
    ReaderKind,
    ScannerConfig,
)
from kiosk.catalog import Catalog
from kiosk.childproc import ChildProcess
from kiosk.config import KioskConfig
from kiosk.machine import Machine
from kiosk.purchase.model import Dispensable, DispenseKind
from kiosk.purchase.policy import CardPolicy
from kiosk.ui.assets import asset_path
from sync.errors import ConfigError
from sync.ledger import EventDraft
from sync.localbroker import Broker, mosquitto_binary
from sync.protocol import EventType

if TYPE_CHECKING:  # the middleware's database is opened only when a test asks for it
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

DEMO_DEVICE = "pk-demo-0001"
DEFAULT_DATA_DIR = Path("var/demo")
OFFLINE_BROKER = "mqtt://127.0.0.1:1"  # nothing listens: the engine keeps retrying, offline
CHANNEL_ML = 100  # each simulated spray channel holds 100 ml
SLOT_BOTTLES = 20  # each simulated bottle slot holds 20 bottles
# The gateway and middleware processes run this many nice steps below the kiosk: on a small
# machine its screen thread wins the CPU they compete for (sync.priority says more).
SERVICES_NICE = 5


@dataclass(frozen=True)
class DemoOptions:
    """What ``run --demo`` may choose: where the data lives, which reader, which card policy."""

    data_dir: Path = DEFAULT_DATA_DIR
    reader: ReaderKind = ReaderKind.TERMINAL
    card_policy: CardPolicy = CardPolicy.REQUIRE_ONLINE
    language: str = "en"


def demo_catalog_path() -> Path:
    return asset_path("assets/catalog/demo.json")


@dataclass
class DemoServices:
    """The machine's outside world on one laptop, each part in its own process; ``close()``
    stops what ``start()`` started. If the gateway or the middleware stops unasked, the
    others are stopped too (:attr:`lost` says why): the kiosk carries on offline."""

    data_dir: Path
    nice: int = SERVICES_NICE
    broker: Broker | None = None
    gateway: ChildProcess | None = None
    middleware: ChildProcess | None = None
    broker_url: str = OFFLINE_BROKER
    lost: str | None = None  # e.g. "the middleware exited with -9"
    _reserved: Broker | None = field(default=None, repr=False)
    _db: Engine | None = field(default=None, repr=False)
    _losing: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def online(self) -> bool:
        return self.broker is not None

    @property
    def gateway_url(self) -> str | None:
        return None if self.gateway is None else self.gateway.report.get("url")

    @property
    def db(self) -> Engine | None:
        """The middleware's database, opened at first use (for tests and tools: the kiosk
        never reads it); None until the middleware has run."""
        if self._db is None and self.middleware is not None:
            from sync.middleware.db import open_database

            self._db = open_database(self._db_url(), create=False)
        return self._db

    def _db_url(self) -> str:
        return f"sqlite:///{(self.data_dir / 'middleware.db').resolve()}"

    def reserve(self, broker: Broker | None = None) -> str:
        """Choose the local broker's port and start nothing: the URL the device will use once
        :meth:`start` has run (:data:`OFFLINE_BROKER` when mosquitto is not installed).
        ``broker``: this one (not started) instead of a persistent one on a free port."""
        # Before the broker check: the simulators write their state here before start() runs.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            mosquitto_binary()
        except ConfigError as exc:
            log.warning("no local broker (%s): the kiosk runs offline", exc)
            return OFFLINE_BROKER
        self._reserved = broker or self._new_broker()
        self.broker_url = self._reserved.url
        return self.broker_url

    async def start(self) -> DemoServices:
        """The gateway, then the broker, then the middleware, each waited for until ready
        (the middleware: connected, its subscriptions sent). A device already retrying its
        connection (the kiosk starts these after its first frame) may connect in the
        second or so before the middleware subscribes; what it sends meanwhile is sent
        again (gap request or ack timeout). Offline without mosquitto."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        broker = self._reserved or self._new_broker()
        self._reserved = None
        self.lost = None
        try:
            mosquitto_binary()
        except ConfigError as exc:
            log.warning("no local broker (%s): the kiosk runs offline", exc)
            self.broker_url = OFFLINE_BROKER
            return self
        try:
            state = str(self.data_dir / "sandbox-gateway.db")
            self.gateway = self._child("gateway", "sandbox-gateway", "--port", "0", "--db", state)
            await self.gateway.start()
            if not await self._start_broker(broker):
                await self.close()
                self.broker_url = OFFLINE_BROKER
                return self
            self.middleware = self._child(
                "middleware",
                "serve",
                *("--broker", self.broker_url, "--db", self._db_url(), "--instance", "demo"),
                *("--gateway", str(self.gateway_url)),
            )
            await self.middleware.start()
        except BaseException:
            await self.close()
            raise
        log.info("demo services: broker %s, sandbox gateway %s", self.broker_url, self.gateway_url)
        return self

    def _new_broker(self) -> Broker:
        """Persistent, and dying with the kiosk (even killed -9)."""
        return Broker(self.data_dir / "broker", persistence=True, die_with_parent=True)

    def _child(self, name: str, *args: str) -> ChildProcess:
        log_name = "sandbox-gateway" if name == "gateway" else name
        return ChildProcess(
            name,
            ["middleware", *args, "--status-lines"],
            log_path=self.data_dir / f"{log_name}.log",
            nice=self.nice,
            on_exit=self._on_child_exit,
        )

    async def _start_broker(self, broker: Broker) -> bool:
        """Spawned here, on the loop's thread (its death signal follows the spawning thread:
        a worker thread could end before the kiosk), then waited for in a worker."""
        try:
            broker.spawn()
        except (ConfigError, OSError) as exc:
            log.warning("no local broker (%s): the kiosk runs offline", exc)
            return False
        starting = asyncio.ensure_future(asyncio.to_thread(broker.wait_listening))
        try:
            await asyncio.shield(starting)
        except ConfigError as exc:
            log.warning("no local broker (%s): the kiosk runs offline", exc)
            return False
        except asyncio.CancelledError:  # stopped while starting: leave no mosquitto behind
            with contextlib.suppress(ConfigError):
                await starting
            await asyncio.to_thread(broker.stop)
            raise
        self.broker, self.broker_url = broker, broker.url
        return True

    def _on_child_exit(self, child: ChildProcess) -> None:
        self.lost = f"the {child.name} exited with {child.returncode}"
        log.error(
            "demo services: %s (its log: %s); stopping the others, the kiosk carries on offline",
            self.lost,
            child.log_path,
        )
        if self._losing is None:
            self._losing = asyncio.ensure_future(self._stop_all())

    async def close(self) -> None:
        losing, self._losing = self._losing, None
        if losing is not None:
            await losing
        await self._stop_all()

    async def _stop_all(self) -> None:
        """The middleware first (it settles with the gateway), then the gateway, the broker."""
        db, self._db = self._db, None
        if db is not None:
            db.dispose()
        for child in (self.middleware, self.gateway):
            if child is not None:
                await child.stop()
        broker, self.broker = self.broker, None
        if broker is not None:
            await asyncio.to_thread(broker.stop)


def demo_hardware(
    catalog: Catalog, data_dir: Path, *, reader: ReaderKind = ReaderKind.TERMINAL
) -> HardwareConfig:
    """Every device simulated, paced for people: the card is presented after a moment, a
    spray dose takes half a second, a bottle three seconds."""
    channels = max((p.spray.channel for p in catalog.products if p.spray), default=1)
    slots = max((b.slot for p in catalog.products for b in p.bottles), default=1)
    board = urlencode(
        {
            "channels": channels,
            "slots": slots,
            "ml": CHANNEL_ML,
            "bottles": SLOT_BOTTLES,
            "dose_seconds": 0.5,
            "drop_seconds": 3.0,
            "state_file": str((data_dir / "dispenser-sim.json").resolve()),
        }
    )
    if reader is ReaderKind.TERMINAL:
        card = CardReaderConfig(
            kind=reader, url="sim://?present_delay=2.5&processing_delay=1.0&down_time=2.0"
        )
    else:
        card = CardReaderConfig(kind=reader, url="sim://?card_delay=2.5")
    return HardwareConfig(
        card_readers=(card,),
        dispenser=DispenserConfig(url=f"sim://?{board}"),
        scanner=ScannerConfig(url="sim://"),
    )


def demo_config(
    data_dir: Path,
    broker_url: str,
    *,
    catalog: Path | None = None,
    card_policy: CardPolicy = CardPolicy.REQUIRE_ONLINE,
    language: str = "en",
    idle_s: float = 60.0,
    spray_countdown_s: float = 3.0,
) -> KioskConfig:
    return KioskConfig(
        device_id=DEMO_DEVICE,
        data_dir=data_dir / "device",
        broker_url=broker_url,
        catalog=catalog or demo_catalog_path(),
        card_policy=card_policy,
        payment_timeout_s=60.0,
        idle_s=idle_s,
        language=language,
        spray_countdown_s=spray_countdown_s,
    )


async def seed_stock(machine: Machine, items: dict[str, Dispensable]) -> int:
    """Stock every SKU the ledger has never held, as much as the simulated board holds;
    returns how many were stocked. Idempotent: a SKU sold out later stays sold out."""
    engine = machine.engine
    assert engine is not None
    known = set(await engine.call_ledger(engine.ledger.on_hand))
    stocked = 0
    for sku, item in sorted(items.items()):
        if sku in known:
            continue
        spray = item.kind is DispenseKind.SPRAY
        await engine.record(
            EventDraft(
                EventType.RESTOCK,
                sku=sku,
                qty=CHANNEL_ML * 1000 if spray else SLOT_BOTTLES,
                unit=item.unit,
                data={"reason": "demo stock", "operator_id": "demo"},
            )
        )
        stocked += 1
    return stocked
