"""``device simulate --shoppers N``: a headless machine whose simulated shoppers walk the real
purchase flow against the hardware (simulators by default) and the middleware's sandbox
gateway. Safe to kill -9 and restart on the same data dir: the machine first finishes what
the ledger says was in flight (recovery), then serves the remaining shoppers, then waits until
every transaction is settled and every event acked."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import signal

from hardware.config import HardwareConfig, load_hardware_config, open_devices
from hardware.config.model import DispenserConfig
from kiosk.catalog import Catalog
from kiosk.machine import Machine, MachineConfig
from kiosk.purchase.items import dispensables
from kiosk.purchase.model import FlowConfig
from kiosk.shoppers import run_shoppers
from sync.mqtt import BrokerConfig

log = logging.getLogger(__name__)
# The demo board (16 spray channels, 30 bottle slots: the demo catalog's), stocked for long runs.
DEMO_DISPENSER = (
    "sim://?channels=16&slots=30&ml=2000&bottles=1000&dose_seconds=0.01&drop_seconds=0.02"
)


def _hardware(args: argparse.Namespace) -> HardwareConfig:
    if args.hardware_config is not None:
        return load_hardware_config(args.hardware_config)
    demo = HardwareConfig.demo()
    return HardwareConfig(
        card_readers=demo.card_readers[:1], dispenser=DispenserConfig(url=DEMO_DISPENSER)
    )


async def simulate_shoppers(args: argparse.Namespace) -> int:
    catalog = Catalog.load(args.catalog)
    devices = await open_devices(_hardware(args))
    if not devices.card_readers or devices.dispenser is None:
        await devices.close()
        raise SystemExit(
            "perfume-kiosk: error: the hardware config needs a card reader and a dispenser"
        )
    machine = Machine(
        MachineConfig(
            device_id=args.device_id,
            data_dir=args.data_dir,
            broker=BrokerConfig(url=args.broker, client_id=args.device_id),
            flow=FlowConfig(
                payment_timeout_s=30.0, dispense_query_attempts=10, dispense_query_interval_s=0.5
            ),
            ack_timeout_s=args.ack_timeout,
            settle_retry_s=1.0,
        ),
        reader=devices.card_readers[0],
        dispenser=devices.dispenser,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        report = await machine.start()
        status = await devices.dispenser.read_status()
        items = dispensables(catalog, {c: lvl.dose_ul for c, lvl in status.channels.items()})
        stats = await run_shoppers(
            machine,
            catalog,
            items,
            total=args.shoppers,
            rate=args.rate,
            rng=random.Random(args.seed),
            stop=stop,
            member_rate=args.members,
        )
        assert machine.engine is not None and machine.settlement is not None
        while not args.no_wait and not stop.is_set():
            ledger_status = await machine.engine.ledger_status()
            if ledger_status.in_flight == 0 and ledger_status.pending_count == 0:
                break
            machine.settlement.kick()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.2):
                    await stop.wait()
        final = await machine.engine.ledger_status()
        print(
            json.dumps(
                {
                    "shoppers": stats.started,
                    "outcomes": dict(stats.outcomes),
                    "recovered": report.examined,
                    **final.to_json(),
                }
            ),
            flush=True,
        )
        done = final.in_flight == 0 and final.pending_count == 0
        return 0 if stop.is_set() or args.no_wait or done else 1
    finally:
        await machine.close()
        await devices.close()
