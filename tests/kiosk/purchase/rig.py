"""A whole machine for purchase-flow tests: the real drivers talking to their simulators over
real ptys, the real ledger and sync engine, the settlement worker and the flow."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware.cardreader import CardReader
from hardware.common.simulator import SimulatorServer
from hardware.dispenser import Dispenser, open_dispenser
from hardware.dispenser import simulator as dispenser_sim
from hardware.mdb import simulator as mdb_sim
from hardware.mdb.device import open_card_reader
from kiosk.purchase.flow import PurchaseFlow
from kiosk.purchase.model import Dispensable, DispenseKind, FlowConfig
from kiosk.purchase.settlement import Payments, SettlementWorker
from sync.engine import EngineConfig, SyncEngine
from sync.ledger import EventDraft, Ledger, OutboxLimits
from sync.mqtt import BrokerConfig
from sync.protocol import EventType, Unit

SPRAY = Dispensable(
    "NOIR-SPRAY",
    DispenseKind.SPRAY,
    target=0,
    doses=3,
    stock_qty=300,
    unit=Unit.MICROLITRE,
    item_number=1,
)
BOTTLE = Dispensable(
    "NOIR-30ML", DispenseKind.BOTTLE, target=0, doses=1, stock_qty=1, unit=Unit.UNIT, item_number=2
)


@dataclass(frozen=True)
class FixedQuote:
    total_minor: int
    currency: str = "EUR"
    member_id: str | None = None

    def to_json(self) -> Mapping[str, Any]:
        return {"totalMinor": self.total_minor, "currency": self.currency}


@dataclass
class Rig:
    flow: PurchaseFlow
    engine: SyncEngine
    ledger: Ledger
    reader: CardReader
    dispenser: Dispenser
    settlement: SettlementWorker
    reader_sim: SimulatorServer
    dispenser_sim: Any
    closers: list[Any] = field(default_factory=list)

    async def buy(self, item: Dispensable, price: int = 300) -> Any:
        self.flow.reset()
        self.flow.select(item)
        self.flow.set_quote(FixedQuote(price))
        return await self.flow.pay()

    async def on_hand(self) -> dict[str, int]:
        return dict((await self.engine.ledger_status()).on_hand)

    async def final_step(self, txn: str) -> str:
        entry = await self.engine.call_ledger(self.ledger.journal_entry, txn)
        assert entry is not None
        return entry.step


@asynccontextmanager
async def reader_rig(
    tmp_path: Path,
    *,
    broker_url: str = "mqtt://127.0.0.1:1",
    config: FlowConfig | None = None,
    payments: Payments | None = None,
    dispenser_state: Path | None = None,
    limits: OutboxLimits | None = None,
) -> AsyncIterator[Rig]:
    """MDB cashless reader + dispenser board + ledger/engine (broker optional)."""
    rsim = mdb_sim.create_simulator()
    reader = await open_card_reader(await rsim.start_pty(), non_response_time=2.0)
    await reader.start()
    dsim = dispenser_sim.create_simulator(
        dose_seconds=0.01, drop_seconds=0.02, state_file=dispenser_state
    )
    dispenser = await open_dispenser(await dsim.start_pty())
    ledger = Ledger.open(tmp_path / "device", "pk-rig", limits)
    engine = SyncEngine(
        ledger,
        EngineConfig(
            broker=BrokerConfig(
                url=broker_url, client_id="pk-rig", backoff_min_s=0.05, backoff_max_s=0.5
            ),
            tick_s=0.1,
        ),
    )
    await engine.start()
    await engine.record(
        EventDraft(EventType.RESTOCK, sku=SPRAY.sku, qty=50_000, unit=Unit.MICROLITRE)
    )
    await engine.record(EventDraft(EventType.RESTOCK, sku=BOTTLE.sku, qty=5, unit=Unit.UNIT))
    settlement = SettlementWorker(engine=engine, payments=payments, retry_s=0.2)
    settlement.start()
    flow = PurchaseFlow(
        engine=engine,
        reader=reader,
        dispenser=dispenser,
        settlement=settlement,
        authorizer=payments,
        config=config
        or FlowConfig(
            payment_timeout_s=10, dispense_query_attempts=2, dispense_query_interval_s=0.1
        ),
    )
    rig = Rig(flow, engine, ledger, reader, dispenser, settlement, rsim, dsim)
    try:
        yield rig
    finally:
        await settlement.close()
        await engine.close()
        ledger.close()
        await dispenser.close()
        await reader.close()
        await dsim.close()
        await rsim.close()


@asynccontextmanager
async def gateway_rig(
    tmp_path: Path,
    broker_url: str,
    *,
    config: FlowConfig | None = None,
    token: str | None = None,
) -> AsyncIterator[Rig]:
    """Tokenizing terminal + dispenser + ledger/engine + the device's payment client; the
    caller runs the broker, the middleware and the sandbox gateway."""
    from hardware.terminal import simulator as terminal_sim
    from hardware.terminal.device import open_terminal
    from kiosk.purchase.middleware import MiddlewarePayments
    from sync.payments import PaymentsClient
    from sync.rpc import RpcClient

    tsim = terminal_sim.create_simulator()
    if token is not None:
        tsim.model.token_factory = lambda _pid: token  # type: ignore[attr-defined]
    reader = await open_terminal(await tsim.start_pty())
    dsim = dispenser_sim.create_simulator(dose_seconds=0.01, drop_seconds=0.02)
    dispenser = await open_dispenser(await dsim.start_pty())
    ledger = Ledger.open(tmp_path / "device", "pk-gw")
    engine = SyncEngine(
        ledger,
        EngineConfig(
            broker=BrokerConfig(
                url=broker_url, client_id="pk-gw", backoff_min_s=0.05, backoff_max_s=0.5
            ),
            tick_s=0.1,
            ack_timeout_s=2.0,
        ),
    )
    await engine.start()
    await engine.record(
        EventDraft(EventType.RESTOCK, sku=SPRAY.sku, qty=50_000, unit=Unit.MICROLITRE)
    )
    await engine.record(EventDraft(EventType.RESTOCK, sku=BOTTLE.sku, qty=5, unit=Unit.UNIT))
    payments = MiddlewarePayments(
        PaymentsClient(RpcClient(engine), device_id="pk-gw", call_timeout=5.0), "pk-gw"
    )
    settlement = SettlementWorker(engine=engine, payments=payments, retry_s=0.2)
    settlement.start()
    flow = PurchaseFlow(
        engine=engine,
        reader=reader,
        dispenser=dispenser,
        settlement=settlement,
        authorizer=payments,
        config=config
        or FlowConfig(
            payment_timeout_s=10, dispense_query_attempts=2, dispense_query_interval_s=0.1
        ),
    )
    rig = Rig(flow, engine, ledger, reader, dispenser, settlement, tsim, dsim)
    try:
        yield rig
    finally:
        await settlement.close()
        await engine.close()
        ledger.close()
        await dispenser.close()
        await reader.close()
        await dsim.close()
        await tsim.close()
