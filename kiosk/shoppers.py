"""Simulated shoppers walking the real purchase flow (``device simulate --shoppers``).

Each shopper picks an offer from the catalog, is priced by the real pricing (promotions
included), sometimes changes their mind, and pays through the real card reader driver talking
to its simulator; the real dispenser driver delivers. With ``member_rate`` some shoppers are
loyalty members (a few fixed member ids): they earn points, and when the catalog gives points
a value most of them pay part or all of the price with points. Refusals are handled the way a
machine in a mall would: a sold-out SKU is restocked by the "technician", a paused or offline
machine waits. The count of shoppers served is read from the ledger, so a restarted process
carries on.
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
from kiosk.loyalty import Member, points_for
from kiosk.machine import Machine
from kiosk.pricing import Cart, Quote, quote
from kiosk.purchase.model import Dispensable, DispenseKind, PurchaseRefusedError
from sync.ledger import EventDraft
from sync.protocol import EventType

log = logging.getLogger(__name__)


@dataclass
class ShopperStats:
    started: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


SIM_MEMBERS = ("sim-ada", "sim-bo", "sim-cy")


async def payments_started(machine: Machine) -> int:
    """Purchases started so far: the journal's transactions (one per purchase)."""
    assert machine.engine is not None
    counts = await machine.engine.call_ledger(machine.engine.ledger.journal_counts)
    return sum(counts.values())


def _member(rng: random.Random) -> Member:
    member_id = rng.choice(SIM_MEMBERS)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    return Member(member_id, member_id.removeprefix("sim-").title(), "sim", since, None, "sim")


def _price(
    item: Dispensable, catalog: Catalog, rng: random.Random, member_rate: float
) -> tuple[Quote, int]:
    """The shopper's quote (maybe a member's, maybe spending points) and the points it earns."""
    cart, now = Cart.of([(item.sku, 1)]), datetime.now(UTC)
    if not member_rate or rng.random() >= member_rate:
        return quote(cart, catalog, now=now, member=None), 0
    member = _member(rng)
    redeem = 0
    if catalog.loyalty.redemption_enabled and rng.random() < 0.7:
        redeem = rng.choice((50, 10_000))  # part of the price, or (clamped) all of it
    priced = quote(cart, catalog, now=now, member=member, redeem_points=redeem)
    return priced, points_for(priced, catalog)


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
    member_rate: float = 0.0,
) -> ShopperStats:
    """Serve shoppers until the ledger holds ``total`` started payments (or ``stop``)."""
    stats = ShopperStats(started=await payments_started(machine))
    skus = sorted(items)
    flow = machine.flow
    while stats.started < total and not stop.is_set():
        item = items[rng.choice(skus)]
        flow.reset()
        flow.select(item)
        priced, points = _price(item, catalog, rng, member_rate)
        flow.set_quote(priced, points=points)
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
