"""The demo machine's embedded defaults (``perfume-kiosk run --demo``): services, hardware,
configuration and stock, all in one data dir.

* :class:`DemoServices`: when ``mosquitto`` is installed, a local broker on a free port
  (:class:`sync.localbroker.Broker`), the sandbox payment gateway (HTTP, its state in SQLite)
  and the reference middleware on SQLite serving the device's payment RPC through it. Without
  mosquitto none of them starts and the kiosk runs offline: with the default ``require_online``
  card policy the shopper sees "card payments unavailable offline". :meth:`DemoServices.reserve`
  gives the broker's address before anything starts, so the kiosk can show its first frame
  first and start these behind it (the device connects when the broker is up).
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
from kiosk.config import KioskConfig
from kiosk.machine import Machine
from kiosk.purchase.model import Dispensable, DispenseKind
from kiosk.purchase.policy import CardPolicy
from kiosk.ui.assets import asset_path
from sync.errors import ConfigError
from sync.ledger import EventDraft
from sync.localbroker import Broker, mosquitto_binary
from sync.protocol import EventType

if TYPE_CHECKING:  # the middleware side is imported only when mosquitto is there
    from sqlalchemy import Engine

    from sync.middleware.payments.sandbox import SandboxGateway
    from sync.middleware.service import MiddlewareService

log = logging.getLogger(__name__)

DEMO_DEVICE = "pk-demo-0001"
DEFAULT_DATA_DIR = Path("var/demo")
OFFLINE_BROKER = "mqtt://127.0.0.1:1"  # nothing listens: the engine keeps retrying, offline
CHANNEL_ML = 100  # each simulated spray channel holds 100 ml
SLOT_BOTTLES = 20  # each simulated bottle slot holds 20 bottles


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
    """The machine's outside world on one laptop; ``close()`` stops what ``start()`` started."""

    data_dir: Path
    broker: Broker | None = None
    gateway: SandboxGateway | None = None
    middleware: MiddlewareService | None = None
    db: Engine | None = None  # the middleware's database
    broker_url: str = OFFLINE_BROKER
    _reserved: Broker | None = field(default=None, repr=False)

    @property
    def online(self) -> bool:
        return self.broker is not None

    def reserve(self) -> str:
        """Choose the local broker's port and start nothing: the URL the device will use once
        :meth:`start` has run (:data:`OFFLINE_BROKER` when mosquitto is not installed)."""
        # Before the broker check: the simulators write their state here before start() runs.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            mosquitto_binary()
        except ConfigError as exc:
            log.warning("no local broker (%s): the kiosk runs offline", exc)
            return OFFLINE_BROKER
        self._reserved = Broker(self.data_dir / "broker", persistence=True)
        self.broker_url = self._reserved.url
        return self.broker_url

    async def start(self) -> DemoServices:
        """The gateway and the middleware's database first, then the broker and at once the
        middleware: a device already retrying its connection (the kiosk starts these after
        its first frame) then finds the middleware subscribed. Offline without mosquitto."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        broker = self._reserved or Broker(self.data_dir / "broker", persistence=True)
        self._reserved = None
        try:
            mosquitto_binary()
        except ConfigError as exc:
            log.warning("no local broker (%s): the kiosk runs offline", exc)
            self.broker_url = OFFLINE_BROKER
            return self
        try:
            await self._prepare_payments()
            if not await self._start_broker(broker):
                await self.close()
                self.broker_url = OFFLINE_BROKER
                return self
            await self._start_middleware()
        except BaseException:
            await self.close()
            raise
        return self

    async def _start_broker(self, broker: Broker) -> bool:
        starting = asyncio.ensure_future(asyncio.to_thread(broker.start))
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

    async def _prepare_payments(self) -> None:
        from sync.middleware.db import migrate, open_database
        from sync.middleware.payments.sandbox import SandboxGateway
        from sync.middleware.payments.sandbox_state import SandboxState

        state = SandboxState(str(self.data_dir / "sandbox-gateway.db"))
        self.gateway = SandboxGateway(state).start()
        db = open_database(f"sqlite:///{(self.data_dir / 'middleware.db').resolve()}")
        self.db = db
        await asyncio.to_thread(migrate, db)

    async def _start_middleware(self) -> None:
        from sync.middleware.service import MiddlewareService, ServiceConfig

        assert self.db is not None and self.gateway is not None
        middleware = MiddlewareService(
            self.db,
            ServiceConfig(
                broker_url=self.broker_url, instance="demo", gateway_url=self.gateway.url
            ),
        )
        await middleware.start()
        self.middleware = middleware
        log.info("demo services: broker %s, sandbox gateway %s", self.broker_url, self.gateway.url)

    async def close(self) -> None:
        middleware, self.middleware = self.middleware, None
        if middleware is not None:
            await middleware.close()
        db, self.db = self.db, None
        if db is not None:
            db.dispose()
        gateway, self.gateway = self.gateway, None
        if gateway is not None:
            await asyncio.to_thread(gateway.close)
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
