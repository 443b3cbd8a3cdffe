"""Simulated shoppers walking the real purchase flow (``device simulate --shoppers``).

Each shopper picks an offer from the catalog, is priced by the real pricing (promotions
included), sometimes changes their mind, and pays through the real card reader driver talking
to its simulator; the real dispenser driver delivers. Refusals are handled the way a machine
in a mall would: a sold-out SKU is restocked by the "technician", a paused or offline machine
waits. The count of shoppers served is read from the ledger, so a restarted process carries on.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kiosk.catalog import Catalog
from kiosk.machine import Machine
from kiosk.pricing import Cart, quote
from kiosk.purchase.journal import Step
from kiosk.purchase.model import Dispensable, DispenseKind, PurchaseRefusedError
from sync.ledger import EventDraft
from sync.protocol import EventType

log = logging.getLogger(__name__)


@dataclass
class ShopperStats:
    started: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


async def payments_started(machine: Machine) -> int:
    assert machine.engine is not None
    ledger = machine.engine.ledger
    count, _total = await machine.engine.call_ledger(
        ledger.step_totals_since, Step.PAYMENT_STARTED.value, ""
    )
    return count


async def _restock(machine: Machine, item: Dispensable) -> None:
    assert machine.engine is not None
    qty = 50_000 if item.kind is DispenseKind.SPRAY else 10
    await machine.engine.record(
        EventDraft(
            EventType.RESTOCK,
            sku=item.sku,
            qty=qty,
            unit=item.unit,
            data={"reason": "simulated technician", "operator_id": "sim"},
        )
    )


async def run_shoppers(
    machine: Machine,
    catalog: Catalog,
    items: Mapping[str, Dispensable],
    *,
    total: int,
    rate: float,
    rng: random.Random,
    stop: asyncio.Event,
    cancel_rate: float = 0.05,
) -> ShopperStats:
    """Serve shoppers until the ledger holds ``total`` started payments (or ``stop``)."""
    stats = ShopperStats(started=await payments_started(machine))
    skus = sorted(items)
    flow = machine.flow
    while stats.started < total and not stop.is_set():
        item = items[rng.choice(skus)]
        flow.reset()
        flow.select(item)
        flow.set_quote(quote(Cart.of([(item.sku, 1)]), catalog, now=datetime.now(UTC), member=None))
        if rng.random() < cancel_rate:
            await flow.cancel()
            stats.outcomes["changed_mind"] += 1
            continue
        try:
            result = await flow.pay()
        except PurchaseRefusedError as exc:
            stats.outcomes[f"refused:{exc.reason}"] += 1
            if exc.reason == "sold_out":
                await _restock(machine, item)
            else:
                await asyncio.sleep(0.2)
            continue
        stats.started += 1
        stats.outcomes[result.state.value] += 1
        if rate > 0:
            await asyncio.sleep(rng.expovariate(rate))
    flow.reset()
    return stats
