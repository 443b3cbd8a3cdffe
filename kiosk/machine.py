"""The Qt-free kiosk core: ledger, sync engine, payments, settlement worker, purchase flow.

``kiosk/app.py`` (with the screens), ``perfume-kiosk run --demo`` and ``device simulate``
all build one :class:`Machine` around already opened devices. ``start()`` opens the ledger,
starts the sync engine, finishes whatever the ledger says was in flight (recovery) and only
then hands out a :class:`PurchaseFlow`; ``close()`` stops everything it started, in reverse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from hardware.cardreader import CardReader
from hardware.dispenser import Dispenser
from kiosk.purchase.flow import PurchaseFlow
from kiosk.purchase.middleware import MiddlewarePayments
from kiosk.purchase.model import FlowConfig
from kiosk.purchase.recovery import RecoveryReport, recover
from kiosk.purchase.settlement import SettlementWorker
from sync.engine import EngineConfig, SyncEngine
from sync.ledger import Ledger, OutboxLimits
from sync.loyalty import LoyaltyClient
from sync.mqtt import BrokerConfig
from sync.payments import PaymentsClient
from sync.rpc import RpcClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MachineConfig:
    device_id: str
    data_dir: Path
    broker: BrokerConfig
    flow: FlowConfig = field(default_factory=FlowConfig)
    outbox: OutboxLimits = field(default_factory=OutboxLimits)
    ack_timeout_s: float = 15.0
    settle_retry_s: float = 5.0
    payment_call_timeout_s: float = 10.0


class Machine:
    def __init__(self, config: MachineConfig, *, reader: CardReader, dispenser: Dispenser) -> None:
        self.config = config
        self.reader = reader
        self.dispenser = dispenser
        self.ledger: Ledger | None = None
        self.engine: SyncEngine | None = None
        self.settlement: SettlementWorker | None = None
        self.loyalty: LoyaltyClient | None = None  # balances for the screens; the flow's holds
        self._flow: PurchaseFlow | None = None

    @property
    def flow(self) -> PurchaseFlow:
        if self._flow is None:
            raise RuntimeError("the machine is not started")
        return self._flow

    async def start(self) -> RecoveryReport:
        cfg = self.config
        self.ledger = Ledger.open(cfg.data_dir, cfg.device_id, cfg.outbox)
        self.engine = SyncEngine(
            self.ledger, EngineConfig(broker=cfg.broker, ack_timeout_s=cfg.ack_timeout_s)
        )
        await self.engine.start()
        rpc = RpcClient(self.engine)
        client = PaymentsClient(
            rpc, device_id=cfg.device_id, call_timeout=cfg.payment_call_timeout_s
        )
        payments = MiddlewarePayments(client, cfg.device_id)
        loyalty = self.loyalty = LoyaltyClient(
            rpc, device_id=cfg.device_id, call_timeout=cfg.payment_call_timeout_s
        )
        self.settlement = SettlementWorker(
            engine=self.engine, payments=payments, retry_s=cfg.settle_retry_s, loyalty=loyalty
        )
        report = await recover(
            engine=self.engine,
            dispenser=self.dispenser,
            settlement=self.settlement,
            config=cfg.flow,
        )
        if report.examined:
            log.warning(
                "recovered %d open transactions (%d dispenses resolved, %d to review)",
                report.examined,
                report.dispenses_resolved,
                report.manual_review,
            )
        self.settlement.start()
        self._flow = PurchaseFlow(
            engine=self.engine,
            reader=self.reader,
            dispenser=self.dispenser,
            settlement=self.settlement,
            authorizer=payments,
            config=cfg.flow,
            loyalty=loyalty,
        )
        return report

    async def close(self) -> None:
        if self.settlement is not None:
            await self.settlement.close()
        if self.engine is not None:
            await self.engine.close()
        if self.ledger is not None:
            self.ledger.close()
