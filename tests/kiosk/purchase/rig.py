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
from hardware.terminal import simulator as terminal_sim
from hardware.terminal.device import open_terminal
from kiosk.purchase.flow import PurchaseFlow
from kiosk.purchase.middleware import MiddlewarePayments
from kiosk.purchase.model import Dispensable, DispenseKind, FlowConfig
from kiosk.purchase.settlement import Payments, SettlementWorker
from sync.engine import EngineConfig, SyncEngine
from sync.ledger import EventDraft, Ledger, OutboxLimits
from sync.loyalty import LoyaltyClient
from sync.mqtt import BrokerConfig
from sync.payments import PaymentsClient
from sync.protocol import EventType, Unit
from sync.rpc import RpcClient

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
    points_redeemed: int = 0  # loyalty points the price is already net of

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
async def _machine(
    tmp_path: Path,
    *,
    device_id: str,
    reader: CardReader,
    reader_sim: SimulatorServer,
    broker_url: str,
    config: FlowConfig | None,
    payments: Payments | None,
    limits: OutboxLimits | None,
    dispenser_state: Path | None = None,
) -> AsyncIterator[Rig]:
    """Everything but the card reader: dispenser on its simulator, ledger, engine (broker
    optional), settlement worker and flow; closes it all, the reader and its simulator too."""
    dsim = dispenser_sim.create_simulator(
        dose_seconds=0.01, drop_seconds=0.02, state_file=dispenser_state
    )
    dispenser = await open_dispenser(await dsim.start_pty())
    ledger = Ledger.open(tmp_path / "device", device_id, limits)
    engine = SyncEngine(
        ledger,
        EngineConfig(
            broker=BrokerConfig(
                url=broker_url, client_id=device_id, backoff_min_s=0.05, backoff_max_s=0.5
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
    try:
        yield Rig(flow, engine, ledger, reader, dispenser, settlement, reader_sim, dsim)
    finally:
        await settlement.close()
        await engine.close()
        ledger.close()
        await dispenser.close()
        await reader.close()
        await dsim.close()
        await reader_sim.close()


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
    """MDB cashless reader (it authorizes the vend itself) + the rest of the machine."""
    rsim = mdb_sim.create_simulator()
    reader = await open_card_reader(await rsim.start_pty(), non_response_time=2.0)
    await reader.start()
    async with _machine(
        tmp_path,
        device_id="pk-rig",
        reader=reader,
        reader_sim=rsim,
        broker_url=broker_url,
        config=config,
        payments=payments,
        limits=limits,
        dispenser_state=dispenser_state,
    ) as rig:
        yield rig


@asynccontextmanager
async def gateway_rig(
    tmp_path: Path,
    broker_url: str,
    *,
    config: FlowConfig | None = None,
    token: str | None = None,
) -> AsyncIterator[Rig]:
    """Tokenizing terminal + the device's payment client (RPC to the middleware) + the rest of
    the machine; the caller runs the broker, the middleware and the sandbox gateway."""
    tsim = terminal_sim.create_simulator()
    if token is not None:
        tsim.model.token_factory = lambda _pid: token  # type: ignore[attr-defined]
    reader = await open_terminal(await tsim.start_pty())
    async with _machine(
        tmp_path,
        device_id="pk-gw",
        reader=reader,
        reader_sim=tsim,
        broker_url=broker_url,
        config=config,
        payments=None,
        limits=None,
    ) as rig:
        rpc = RpcClient(rig.engine)  # one per engine: it owns the response topic
        payments = MiddlewarePayments(
            PaymentsClient(rpc, device_id="pk-gw", call_timeout=5.0), "pk-gw"
        )
        loyalty = LoyaltyClient(rpc, device_id="pk-gw", call_timeout=5.0)
        rig.settlement.payments = payments
        rig.settlement.loyalty = loyalty
        rig.flow.authorizer = payments
        rig.flow.loyalty = loyalty
        yield rig
