"""``perfume-kiosk run``: start the kiosk.

* ``run [--config FILE]``: the machine's configuration (``kiosk.config``: ``[kiosk]`` and
  ``[hardware]``), full screen. The file is checked before anything starts; a broken one is one
  line on stderr and exit status 2 (under systemd, after a pause, so that ``Restart=always``
  does not spin).
* ``run --demo [--windowed] [--landscape]``: every hardware simulator, data in ``--data-dir``
  (default var/demo) and, when ``mosquitto`` is installed, a local broker, the reference
  middleware and the sandbox payment gateway (``kiosk.demo``). ``--windowed`` is a portrait
  window scaled to fit the desktop (``--landscape``: 1920 × 1080).
* ``run --demo --headless``: no screen; the machine's ledger and sync engine selling at a gentle
  pace, one status line every few seconds (the benchmarks' and sync demos' seller).

``--duration S`` stops any of them after S seconds (tests, benchmarks). SIGTERM and SIGINT stop
them in order and exit 0. The screens are built in ``kiosk/app.py``; Qt is imported only there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from hardware.config import HardwareConfigError, ReaderKind
from kiosk.catalog import Catalog, CatalogError
from kiosk.config import LANGUAGE_CODES, KioskConfigError, default_config_path, load_config
from kiosk.demo import DEFAULT_DATA_DIR, DEMO_DEVICE, DemoOptions, demo_catalog_path
from kiosk.devicesim import SIM_PRODUCTS
from kiosk.purchase.policy import CardPolicy
from kiosk.runtime import AppOptions
from kiosk.sdnotify import SystemdNotifier
from sync.engine import EngineConfig, SyncEngine
from sync.errors import ConfigError, InsufficientStockError, SalesPausedError
from sync.ledger import EventDraft, Ledger
from sync.localbroker import Broker
from sync.mqtt import BrokerConfig
from sync.protocol import EventType

log = logging.getLogger(__name__)
CONFIG_ERROR_PAUSE_S = 3.0  # under systemd: wait before exiting on a broken configuration


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="start the kiosk")
    run.add_argument("--config", type=Path, default=None, help="TOML file ([kiosk], [hardware])")
    run.add_argument(
        "--demo",
        action="store_true",
        help="every hardware simulator, local broker, middleware and payment gateway",
    )
    run.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    run.add_argument("--landscape", action="store_true", help="windowed 1920x1080")
    run.add_argument("--headless", action="store_true", help="demo without a screen")
    run.add_argument("--duration", type=float, default=0.0, help="stop after S seconds (0: never)")
    demo = run.add_argument_group("demo options")
    demo.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    demo.add_argument("--catalog", type=Path, default=None, help="catalog JSON")
    demo.add_argument("--reader", choices=[k.value for k in ReaderKind], default="terminal")
    demo.add_argument(
        "--card-policy", choices=[p.value for p in CardPolicy], default="require_online"
    )
    demo.add_argument("--language", choices=LANGUAGE_CODES, default="en")
    demo.add_argument("--rate", type=float, default=0.5, help="headless: sales per second")
    demo.add_argument("--status-every", type=float, default=5.0, help="headless: seconds")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.headless:
        if not args.demo:
            return _usage_error("--headless needs --demo")
        return asyncio.run(_demo(args))
    if args.duration < 0:
        return _usage_error("--duration must be >= 0")
    try:
        options = _options(args)
    except (KioskConfigError, HardwareConfigError, CatalogError) as exc:
        return config_error(str(exc))
    app = importlib.import_module("kiosk.app")  # Qt is imported here, after the checks
    return int(app.run_app(options, SystemdNotifier.from_environ()))


def _options(args: argparse.Namespace) -> AppOptions:
    started_at = time.monotonic()
    common = {
        "windowed": args.windowed,
        "landscape": args.landscape,
        "duration_s": args.duration,
        "started_at": started_at,
    }
    if args.demo:
        catalog_path = args.catalog or demo_catalog_path()
        return AppOptions(
            catalog=_catalog(catalog_path, "--catalog"),
            demo=DemoOptions(
                data_dir=args.data_dir,
                reader=ReaderKind(args.reader),
                card_policy=CardPolicy(args.card_policy),
                language=args.language,
            ),
            **common,
        )
    loaded = load_config(args.config or default_config_path())
    catalog = _catalog(loaded.kiosk.catalog, f"{loaded.path}: kiosk.catalog")
    return AppOptions(catalog=catalog, config=loaded.kiosk, hardware=loaded.hardware, **common)


def _catalog(path: Path, where: str) -> Catalog:
    try:
        return Catalog.load(path)
    except OSError as exc:
        raise KioskConfigError(f"{where}: cannot read {path}: {exc.strerror}") from None
    except CatalogError as exc:
        raise KioskConfigError(f"{where}: {path} is not a valid catalog: {exc}") from None


def config_error(message: str) -> int:
    """One line on stderr and status 2; under systemd first a STATUS line and a pause."""
    line = " ".join(message.split())
    print(f"perfume-kiosk: error: {line}", file=sys.stderr, flush=True)
    if os.environ.get("NOTIFY_SOCKET"):
        notifier = SystemdNotifier.from_environ()
        notifier.status(f"configuration error: {line}")
        notifier.close()
        time.sleep(CONFIG_ERROR_PAUSE_S)
    return 2


def _usage_error(message: str) -> int:
    print(f"perfume-kiosk run: error: {message}", file=sys.stderr, flush=True)
    return 2


async def _demo(args: argparse.Namespace) -> int:
    """The headless demo: ledger and sync engine selling, broker and middleware if possible."""
    from sync.middleware.db import migrate, open_database
    from sync.middleware.service import MiddlewareService, ServiceConfig

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
