"""``perfume-kiosk run --demo --headless``: no screen; the machine's ledger and sync engine
selling at a gentle pace, one status line every few seconds (the benchmarks' and sync demos'
seller), with a local broker and the reference middleware when ``mosquitto`` is installed.

Apart from ``kiosk/run.py`` so that the window's path does not import the sync engine
(SQLAlchemy, paho) and the middleware before its first frame; this one needs them at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
from pathlib import Path

from kiosk.demo import DEFAULT_DATA_DIR, DEMO_DEVICE
from kiosk.devicesim import SIM_PRODUCTS
from sync.engine import EngineConfig, SyncEngine
from sync.errors import ConfigError, InsufficientStockError, SalesPausedError
from sync.ledger import EventDraft, Ledger
from sync.localbroker import Broker
from sync.mqtt import BrokerConfig
from sync.protocol import EventType

log = logging.getLogger(__name__)


async def run_headless(args: argparse.Namespace) -> int:
    """The headless demo: ledger and sync engine selling, broker and middleware if possible."""
    from sync.middleware.db import migrate, open_database
    from sync.middleware.service import MiddlewareService, ServiceConfig

    data: Path = args.data_dir or DEFAULT_DATA_DIR
    data.mkdir(parents=True, exist_ok=True)
    broker: Broker | None = Broker(data / "broker", persistence=True, die_with_parent=True)
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
