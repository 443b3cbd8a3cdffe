"""``perfume-kiosk run``: start the kiosk.

``run --demo`` starts a whole machine on one laptop with embedded defaults: a local Mosquitto
(when installed) on a free port, the reference middleware on SQLite, and the device's real
ledger and sync engine in ``--data-dir``, selling at a gentle pace and printing one status line
every few seconds. Without mosquitto it still sells: the sales wait in the outbox, as they
would in a mall with the network down.

The touchscreen (issue "shopper's touchscreen") replaces the headless seller; until then this
is the kiosk's main job, headless.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from pathlib import Path
from typing import Any

from kiosk.devicesim import SIM_PRODUCTS
from sync.engine import EngineConfig, SyncEngine
from sync.errors import ConfigError, InsufficientStockError, SalesPausedError
from sync.ledger import EventDraft, Ledger
from sync.localbroker import Broker
from sync.middleware.db import migrate, open_database
from sync.middleware.service import MiddlewareService, ServiceConfig
from sync.mqtt import BrokerConfig
from sync.protocol import EventType

log = logging.getLogger(__name__)
DEMO_DEVICE = "pk-demo-0001"


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="start the kiosk")
    run.add_argument(
        "--demo",
        action="store_true",
        required=True,
        help="simulated devices, local broker and middleware, embedded defaults",
    )
    run.add_argument("--data-dir", type=Path, default=Path("var/demo"))
    run.add_argument("--rate", type=float, default=0.5, help="demo sales per second")
    run.add_argument("--status-every", type=float, default=5.0, help="seconds between lines")
    run.add_argument("--duration", type=float, default=0.0, help="stop after S seconds (0: never)")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    return asyncio.run(_demo(args))


async def _demo(args: argparse.Namespace) -> int:
    data: Path = args.data_dir
    data.mkdir(parents=True, exist_ok=True)
    broker: Broker | None = Broker(data / "broker", persistence=True)
    try:
        assert broker is not None
        broker.start()
        broker_url = broker.url
    except ConfigError as exc:
        log.warning("no local broker (%s): sales stay in the outbox until one is reachable", exc)
        broker, broker_url = None, "mqtt://127.0.0.1:1"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)

    mw_engine = open_database(f"sqlite:///{(data / 'middleware.db').resolve()}")
    migrate(mw_engine)
    middleware = MiddlewareService(mw_engine, ServiceConfig(broker_url=broker_url, instance="demo"))
    ledger = Ledger.open(data / "device", DEMO_DEVICE)
    engine = SyncEngine(
        ledger, EngineConfig(broker=BrokerConfig(url=broker_url, client_id=DEMO_DEVICE))
    )
    await middleware.start()
    await engine.start()
    print(json.dumps({"demo": "running", "broker": broker_url, "dataDir": str(data)}), flush=True)
    seller = asyncio.create_task(_sell(engine, ledger, args.rate))
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(args.status_every):
                    await stop.wait()
            report = (await engine.telemetry()).to_json()
            print(
                json.dumps(
                    {
                        "lastSeq": report["lastSeq"],
                        "ackedSeq": report["ackedSeq"],
                        "queue": report["queue"]["count"],
                        "connected": report["connected"],
                        "salesPaused": report["salesPaused"],
                    }
                ),
                flush=True,
            )
    finally:
        seller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await seller
        await engine.close()
        ledger.close()
        await middleware.close()
        mw_engine.dispose()
        if broker is not None:
            broker.stop()
    return 0


async def _sell(engine: SyncEngine, ledger: Ledger, rate: float) -> None:
    """Restock what runs out, then sell round the demo products at ``rate`` per second."""
    n = 0
    while True:
        sku, unit, qty, price = SIM_PRODUCTS[n % len(SIM_PRODUCTS)]
        n += 1
        draft = EventDraft(
            EventType.SALE,
            sku=sku,
            qty=qty,
            unit=unit,
            amount_minor=price,
            currency="EUR",
            txn_id=f"demo-{ledger.epoch}-{n}",
        )
        try:
            await engine.record(draft, new_sale=True)
        except InsufficientStockError:
            await engine.record(
                EventDraft(
                    EventType.RESTOCK,
                    sku=sku,
                    qty=qty * 50,
                    unit=unit,
                    data={"reason": "demo restock"},
                )
            )
        except SalesPausedError:
            await engine.wait_until_sales_resume()
        await asyncio.sleep(1.0 / rate if rate > 0 else 0)
