"""``perfume-kiosk device simulate``: a headless machine selling through the real ledger and
sync engine.

It seeds stock once (idempotently), then records SALE events until the ledger holds ``--sales``
of them, at ``--rate`` sales per second (0: as fast as the ledger commits), honouring "sales
paused" when the outbox is full, and finally waits until the middleware has acked everything.
Every step is a durable ledger commit, so the process is safe to kill -9 at any instant and
start again with the same data dir: it carries on from what the ledger holds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from sync.broker_url import parse_broker_url
from sync.engine import EngineConfig, SyncEngine
from sync.errors import SalesPausedError
from sync.ledger import EventDraft, Ledger, OutboxLimits
from sync.mqtt import BrokerConfig
from sync.protocol import EventType, Unit

log = logging.getLogger(__name__)
DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "assets" / "catalog" / "demo.json"

# (sku, unit, quantity per sale, price in minor units)
SIM_PRODUCTS = (
    ("NOIR-SPRAY", Unit.MICROLITRE, 210, 300),
    ("AZUR-SPRAY", Unit.MICROLITRE, 210, 300),
    ("NOIR-30ML", Unit.UNIT, 1, 4900),
    ("AZUR-50ML", Unit.UNIT, 1, 7900),
)


def register(sub: Any) -> None:
    device = sub.add_parser("device", help="headless device tools")
    actions = device.add_subparsers(dest="device_command", required=True, metavar="ACTION")
    sim = actions.add_parser("simulate", help="sell through the real ledger and sync engine")
    sim.add_argument("--device-id", required=True)
    sim.add_argument("--data-dir", type=Path, required=True)
    sim.add_argument("--broker", required=True, help="mqtt://host:port or mqtts://host:port")
    sim.add_argument("--sales", type=int, required=True, help="total sales this ledger holds")
    sim.add_argument("--rate", type=float, default=0.0, help="sales per second (0: unlimited)")
    sim.add_argument("--max-pending", type=int, default=100_000, help="outbox cap (events)")
    sim.add_argument("--ack-timeout", type=float, default=15.0)
    sim.add_argument(
        "--no-wait", action="store_true", help="exit after selling, without waiting for acks"
    )
    sim.add_argument(
        "--shoppers",
        type=int,
        default=0,
        help="instead of bare sales: N simulated shoppers walk the real purchase flow",
    )
    sim.add_argument(
        "--members",
        type=float,
        default=0.0,
        help="with --shoppers: share of shoppers who are loyalty members (earn, spend points)",
    )
    sim.add_argument("--hardware-config", type=Path, help="TOML [hardware] file (default: demo)")
    sim.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    sim.add_argument("--seed", type=int, default=0)
    sim.set_defaults(handler=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    parse_broker_url(args.broker)  # a malformed URL is an immediate, clear error
    if args.sales < 0 or args.rate < 0 or args.shoppers < 0 or not 0 <= args.members <= 1:
        raise SystemExit(
            "perfume-kiosk: error: --sales, --shoppers and --rate must be >= 0, --members 0..1"
        )
    if args.shoppers:
        from kiosk.shopping_sim import simulate_shoppers

        return asyncio.run(simulate_shoppers(args))
    return asyncio.run(_run(args))


async def _seed(engine: SyncEngine, ledger: Ledger, sales: int) -> None:
    stocked = set(await engine.call_ledger(ledger.on_hand))
    for sku, unit, per_sale, _price in SIM_PRODUCTS:
        if sku not in stocked:
            qty = per_sale * (sales // len(SIM_PRODUCTS) + 1)
            await engine.record(
                EventDraft(
                    EventType.RESTOCK,
                    sku=sku,
                    qty=qty,
                    unit=unit,
                    data={"reason": "simulator seed"},
                )
            )


async def _first(*coros: Coroutine[Any, Any, Any]) -> None:
    """Wait for the first of ``coros`` to finish and cancel the others."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _run(args: argparse.Namespace) -> int:
    ledger = Ledger.open(args.data_dir, args.device_id, OutboxLimits(max_count=args.max_pending))
    config = EngineConfig(
        broker=BrokerConfig(url=args.broker, client_id=args.device_id),
        ack_timeout_s=args.ack_timeout,
        telemetry_interval_s=10.0,
    )
    engine = SyncEngine(ledger, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await engine.start()
    try:
        await _seed(engine, ledger, args.sales)
        sold = await engine.call_ledger(ledger.count_events, EventType.SALE)
        interval = 1.0 / args.rate if args.rate > 0 else 0.0
        while sold < args.sales and not stop.is_set():
            sku, unit, qty, price = SIM_PRODUCTS[sold % len(SIM_PRODUCTS)]
            draft = EventDraft(
                EventType.SALE,
                sku=sku,
                qty=qty,
                unit=unit,
                amount_minor=price,
                currency="EUR",
                txn_id=f"sim-{sold + 1}",
            )
            try:
                await engine.record(draft, new_sale=True)
            except SalesPausedError:
                await _first(engine.wait_until_sales_resume(), stop.wait())
                continue
            sold += 1
            if interval:
                await asyncio.sleep(interval)
        if not args.no_wait and not stop.is_set():
            await _first(engine.wait_until_synced(), stop.wait())
        status = await engine.ledger_status()
        print(json.dumps({"sold": sold, **status.to_json(), "time": time.time()}), flush=True)
        return 0 if stop.is_set() or args.no_wait or status.pending_count == 0 else 1
    finally:
        await engine.close()
        ledger.close()
