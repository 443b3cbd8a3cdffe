"""The technician's service menu, Qt-free: the one object the service screens talk to.

:class:`ServiceMenu` builds every part around the machine's engine and devices. Before login
it offers the PIN gate, ``login`` and the enrolment state; a successful login returns a
:class:`~kiosk.service.session.ServiceSession` that every other call takes first::

    menu = ServiceMenu(config=..., engine=..., dispenser=..., readers=..., scanners=...,
                       catalog=lambda: catalog, settlement=..., traces=hub, restart=...)
    await menu.start()
    result = await menu.login("t-0042", "583920")        # LoginResult
    session = result.session
    await menu.stock.refill_channel(session, 1, Decimal("50"), "L2405", date(2027, 3, 1))
    await menu.tests.test_spray(session, 1)
    await menu.transactions.refund(session, txn_id, 250, "scent not as expected")
    await menu.control.set_maintenance(session, True)
    await menu.logout(session)

Errors are :class:`~kiosk.service.errors.ServiceError` subclasses with a message ``key``;
events go to listeners (``add_listener``) as past-tense dataclasses (kiosk.service.events).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hardware.cardreader import CardReader
from hardware.dispenser import Dispenser
from hardware.scanner import LoyaltyScanner
from kiosk.catalog import Catalog
from kiosk.purchase.settlement import SettlementWorker
from kiosk.service.actuators import TestVends
from kiosk.service.audit import AuditTrail
from kiosk.service.auth import Authenticator, LockoutPolicy, LoginResult, PinGate
from kiosk.service.control import MachineControl
from kiosk.service.diagnostics import Diagnostics, FaultRing, OutboxSampler
from kiosk.service.doses import DoseTable
from kiosk.service.enrolment import ENROL_LEAF, Enrolment
from kiosk.service.errors import ServiceError
from kiosk.service.events import (
    DoseDidChange,
    EndReason,
    MaintenanceDidChange,
    Notifier,
    ServiceEvent,
    ServiceListener,
    SessionDidEnd,
)
from kiosk.service.export import ExportConfig
from kiosk.service.hextrace import HexTrace, HexTraceHub
from kiosk.service.pins import DEFAULT_PARAMS, ScryptParams
from kiosk.service.session import SESSION_IDLE_S, Clock, ServiceSession
from kiosk.service.stock import StockService, StockThresholds
from kiosk.service.store import ServiceStore
from kiosk.service.transactions import TransactionsService
from sync.engine import SyncEngine


@dataclass(frozen=True)
class ServiceConfig:
    data_dir: Path  # the kiosk's data dir: service.sqlite3 lives beside the ledger
    provisioning_file: Path | None = None  # first technician (kiosk.service.enrolment)
    export: ExportConfig = field(default_factory=ExportConfig)
    idle_timeout_s: float = SESSION_IDLE_S
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    pin_params: ScryptParams = DEFAULT_PARAMS
    thresholds: StockThresholds = field(default_factory=StockThresholds)
    outbox_sample_s: float = 300.0  # 0: do not sample (tests sample by hand)
    fault_capacity: int = 200
    chunk_doses: int = 3  # doses per dispenser command during calibration (driver cap)


class ServiceMenu:
    def __init__(
        self,
        *,
        config: ServiceConfig,
        engine: SyncEngine,
        dispenser: Dispenser,
        catalog: Callable[[], Catalog],
        settlement: SettlementWorker,
        readers: Sequence[CardReader] = (),
        scanners: Sequence[LoyaltyScanner] = (),
        traces: HexTraceHub | None = None,
        restart: Callable[[], None] | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.traces = traces or HexTraceHub(clock=clock)
        self._notifier = Notifier()
        self.store = ServiceStore.open(config.data_dir)
        self.audit = AuditTrail(engine)
        self.auth = Authenticator(
            store=self.store,
            audit=self.audit,
            notifier=self._notifier,
            clock=clock,
            policy=config.lockout,
            params=config.pin_params,
            idle_timeout_s=config.idle_timeout_s,
        )
        self.enrolment = Enrolment(
            store=self.store, auth=self.auth, audit=self.audit, notifier=self._notifier
        )
        self.doses = DoseTable(self.store, self._notifier)
        self.stock = StockService(
            engine=engine,
            audit=self.audit,
            notifier=self._notifier,
            catalog=catalog,
            doses=self.doses,
            thresholds=config.thresholds,
            clock=clock,
        )
        self.tests = TestVends(
            engine=engine,
            dispenser=dispenser,
            audit=self.audit,
            notifier=self._notifier,
            stock=self.stock,
            doses=self.doses,
            chunk_doses=config.chunk_doses,
        )
        self.faults = FaultRing(clock, config.fault_capacity)
        self.faults.attach_dispenser("dispenser", dispenser)
        for i, reader in enumerate(readers):
            self.faults.attach_reader("card_reader" if i == 0 else f"card_reader_{i + 1}", reader)
        for i, scanner in enumerate(scanners):
            self.faults.attach_scanner("scanner" if i == 0 else f"scanner_{i + 1}", scanner)
        self.sampler = OutboxSampler(
            engine=engine, store=self.store, clock=clock, interval_s=config.outbox_sample_s
        )
        self.diagnostics = Diagnostics(
            engine=engine,
            dispenser=dispenser,
            readers=readers,
            scanners=scanners,
            faults=self.faults,
            sampler=self.sampler,
            stock=self.stock,
            catalog=catalog,
            clock=clock,
        )
        self.transactions = TransactionsService(
            engine=engine, settlement=settlement, audit=self.audit
        )
        self.control = MachineControl(
            engine=engine,
            store=self.store,
            audit=self.audit,
            notifier=self._notifier,
            stock=self.stock,
            catalog=catalog,
            export=config.export,
            clock=clock,
            restart=restart,
        )
        self._notifier.add_listener(self._on_service_event)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Load persisted state, enrol from the provisioning file (fresh machine only), listen
        for middleware enrolment and start sampling the outbox depth."""
        await self.auth.start()
        await self.doses.load()
        await self.control.load()
        if self.config.provisioning_file is not None:
            await self.enrolment.import_provisioning_file(self.config.provisioning_file)
        self.engine.add_message_handler(ENROL_LEAF, self.enrolment.on_message)
        if self.config.outbox_sample_s > 0:
            self.sampler.start()

    async def close(self) -> None:
        session = self.auth.session
        if session is not None:
            await self.auth.end(session, EndReason.LOGOUT)
        await self.sampler.close()
        await self.enrolment.close()
        self.traces.stop_all()
        await self.store.aclose()

    # -- listeners -----------------------------------------------------------------------------
    def add_listener(self, listener: ServiceListener) -> None:
        self._notifier.add_listener(listener)

    def remove_listener(self, listener: ServiceListener) -> None:
        self._notifier.remove_listener(listener)

    def _on_service_event(self, event: ServiceEvent) -> None:
        if isinstance(event, SessionDidEnd):
            self.traces.stop_all()  # a trace never outlives the session that started it

    # -- before login --------------------------------------------------------------------------
    def gate(self) -> PinGate:
        """Can a PIN be checked now? (failures so far, seconds to wait, locked)."""
        return self.auth.gate()

    async def enrolled(self) -> bool:
        """False on a fresh machine: the PIN pad shows "no technician enrolled"."""
        return await self.store.call(self.store.active_count) > 0

    async def login(self, technician_id: str, pin: str) -> LoginResult:
        return await self.auth.login(technician_id, pin)

    @property
    def session(self) -> ServiceSession | None:
        return self.auth.session

    async def expire_idle(self) -> bool:
        """End the session if it has been idle for the timeout (call from a UI timer)."""
        return await self.auth.expire_idle()

    @property
    def maintenance(self) -> bool:
        return self.control.maintenance

    def doses_ul(self) -> dict[int, int]:
        """Calibrated µl per dose by board channel, for ``kiosk.purchase.items.dispensables``."""
        return self.doses.doses_ul()

    def bind_maintenance(self, apply: Callable[[bool], None]) -> None:
        """Call ``apply(flag)`` now and on every change (after ``start``): kiosk/app.py passes
        ``journey.set_maintenance``."""
        apply(self.maintenance)

        def on_event(event: ServiceEvent) -> None:
            if isinstance(event, MaintenanceDidChange):
                apply(event.on)

        self.add_listener(on_event)

    def bind_doses(self, apply: Callable[[dict[int, int]], None]) -> None:
        """Call ``apply(doses_ul())`` now and after every calibration (after ``start``), e.g.
        ``lambda d: setattr(journey, "items", dispensables(catalog, d))``."""
        apply(self.doses_ul())

        def on_event(event: ServiceEvent) -> None:
            if isinstance(event, DoseDidChange):
                apply(self.doses_ul())

        self.add_listener(on_event)

    # -- session-level -------------------------------------------------------------------------
    async def logout(self, session: ServiceSession) -> None:
        await self.auth.end(session, EndReason.LOGOUT)

    async def change_pin(self, session: ServiceSession, current_pin: str, new_pin: str) -> None:
        await self.auth.change_pin(session, current_pin, new_pin)

    async def start_trace(self, session: ServiceSession, port: str) -> HexTrace:
        """Start the live hex trace of ``port`` (one of ``traces.ports``); stops at logout."""
        await session.authorize()
        if port not in self.traces.ports:
            raise ServiceError("unknown_port", f"no trace hook was wired for {port!r}")
        trace = self.traces.trace(port)
        trace.start()
        return trace
