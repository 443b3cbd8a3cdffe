"""Diagnostics for the service menu: devices, recent faults, sync health, versions, charts.

* devices: each device's identity and state (message key: ``ready``, ``unavailable``...);
* faults: a bounded ring (:class:`FaultRing`, last 200) fed by the devices' listeners from
  start-up — state drops, reader faults and resets, board resets, failed dispenses, door,
  rejected scans — in memory only (the ledger and the logs keep the durable story);
* sync: ``SyncEngine.telemetry()`` — connected, queue depth and age, last ack, retransmits,
  sales paused;
* versions: the installed ``perfume-kiosk`` distribution, the catalog's version;
* charts: sales per local hour today (SALE events since local midnight, catalog timezone),
  spray-channel levels (the stock overview), and the outbox depth over the last 24 hours
  (:class:`OutboxSampler`: one sample every 5 minutes, kept in the service store so a restart
  does not blank the chart; samples older than 24 h are dropped as new ones come in).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.metadata
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hardware.cardreader import (
    CardReader,
    ReaderDidReset,
    ReaderEvent,
    ReaderFaultDidOccur,
    ReaderIdentityDidChange,
    ReaderStateDidChange,
)
from hardware.common.errors import HardwareError
from hardware.common.state import DOWN_STATES
from hardware.dispenser import (
    BoardDidReset,
    BoardStatus,
    CommandDidFinish,
    DispenseOutcome,
    Dispenser,
    DispenserEvent,
    DispenserStateDidChange,
    DoorDidOpen,
)
from hardware.scanner import LoyaltyScanner
from hardware.scanner.events import ScanDidReject, ScannerEvent, ScannerStateDidChange
from kiosk.catalog import Catalog
from kiosk.service.session import Clock, ServiceSession
from kiosk.service.stock import ChannelStock, StockService
from kiosk.service.store import ServiceStore
from sync.engine import SyncEngine
from sync.protocol import PROTOCOL_VERSION, EventType

log = logging.getLogger(__name__)
DAY_S = 24 * 3600.0
OUTBOX_SERIES = "outbox_depth"


@dataclass(frozen=True)
class FaultRecord:
    at: float
    device: str
    code: str  # message key: "unavailable", "jam", "board_reset", "door_open"...
    detail: str = ""


class FaultRing:
    """The last ``capacity`` device faults, newest last; attach each device once."""

    def __init__(self, clock: Clock, capacity: int = 200) -> None:
        self.clock = clock
        self._faults: deque[FaultRecord] = deque(maxlen=capacity)

    def add(self, device: str, code: str, detail: str = "") -> None:
        self._faults.append(FaultRecord(self.clock(), device, code, detail))

    def faults(self) -> list[FaultRecord]:
        return list(self._faults)

    def attach_reader(self, name: str, reader: CardReader) -> None:
        def on_event(event: ReaderEvent) -> None:
            if isinstance(event, ReaderStateDidChange) and event.new in DOWN_STATES:
                self.add(name, event.new.value)
            elif isinstance(event, ReaderFaultDidOccur):
                self.add(name, "reader_fault", f"{event.code}: {event.detail}")
            elif isinstance(event, ReaderDidReset):
                self.add(name, "reader_reset", event.payment_id_in_flight or "")
            elif isinstance(event, ReaderIdentityDidChange):
                self.add(name, "identity_changed", event.new.serial)

        reader.add_listener(on_event)

    def attach_dispenser(self, name: str, dispenser: Dispenser) -> None:
        def on_event(event: DispenserEvent) -> None:
            if isinstance(event, DispenserStateDidChange) and event.new in DOWN_STATES:
                self.add(name, event.new.value)
            elif isinstance(event, BoardDidReset):
                self.add(name, "board_reset", event.reason)
            elif isinstance(event, CommandDidFinish):
                result = event.result
                if result.outcome is not DispenseOutcome.OK:
                    detail = f"command {result.command_id}: {result.detail}".rstrip(": ")
                    self.add(name, result.outcome.value, detail)
            elif isinstance(event, DoorDidOpen):
                self.add(name, "door_open")

        dispenser.add_listener(on_event)

    def attach_scanner(self, name: str, scanner: LoyaltyScanner) -> None:
        def on_event(event: ScannerEvent) -> None:
            if isinstance(event, ScannerStateDidChange) and event.new in DOWN_STATES:
                self.add(name, event.new.value)
            elif isinstance(event, ScanDidReject):
                self.add(name, f"scan_rejected_{event.reason.value}")

        scanner.add_listener(on_event)


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # "card_reader", "dispenser", "scanner"... (also its hex-trace port name)
    state: str  # DeviceState value: the message key
    identity: Mapping[str, str]  # model, serial, firmware... (empty until identified)


@dataclass(frozen=True)
class SyncStatus:
    connected: bool
    queue_count: int
    queue_bytes: int
    oldest_age_s: float | None
    last_seq: int
    acked_seq: int  # the middleware's last cumulative ack
    in_flight: int
    retransmits: int
    reconnects: int
    seconds_disconnected: float
    sales_paused: bool
    high_watermark: bool
    middleware_ack_p50_ms: float | None


@dataclass(frozen=True)
class Versions:
    software: str
    catalog: int
    protocol: int
    device_id: str
    epoch: int


@dataclass(frozen=True)
class HourBucket:
    hour: int  # local hour 0-23
    sales: int
    amount_minor: int


@dataclass(frozen=True)
class DepthSample:
    at: float
    depth: int


def software_version() -> str:
    try:
        return importlib.metadata.version("perfume-kiosk")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def local_midnight_utc(now: float, timezone: str) -> str:
    """Local midnight of ``now``'s day in ``timezone``, as a ledger timestamp (UTC, Z)."""
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_ts(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class OutboxSampler:
    """Samples the outbox depth every ``interval_s`` into the service store (24 h kept)."""

    def __init__(
        self, *, engine: SyncEngine, store: ServiceStore, clock: Clock, interval_s: float = 300.0
    ) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.sample_now()
            except Exception:  # task root: a failed sample only leaves a hole in the chart
                log.exception("outbox depth sample failed")
            await asyncio.sleep(self.interval_s)

    async def sample_now(self) -> DepthSample:
        now = self.clock()
        depth = (await self.engine.ledger_status()).pending_count
        await self.store.call(self.store.add_sample, OUTBOX_SERIES, now, depth, now - DAY_S)
        return DepthSample(now, depth)

    async def series(self) -> list[DepthSample]:
        rows = await self.store.call(self.store.samples, OUTBOX_SERIES, self.clock() - DAY_S)
        return [DepthSample(at, value) for at, value in rows]


def _identity(value: Any) -> dict[str, str]:
    if value is None or not dataclasses.is_dataclass(value) or isinstance(value, type):
        return {}
    return {k: str(v) for k, v in dataclasses.asdict(value).items()}


class Diagnostics:
    def __init__(
        self,
        *,
        engine: SyncEngine,
        dispenser: Dispenser,
        readers: Sequence[CardReader],
        scanners: Sequence[LoyaltyScanner],
        faults: FaultRing,
        sampler: OutboxSampler,
        stock: StockService,
        catalog: Callable[[], Catalog],
        clock: Clock,
    ) -> None:
        self.engine = engine
        self.dispenser = dispenser
        self.readers = readers
        self.scanners = scanners
        self.fault_ring = faults
        self.sampler = sampler
        self.stock = stock
        self.catalog = catalog
        self.clock = clock

    def device_names(self) -> list[tuple[str, Any]]:
        named: list[tuple[str, Any]] = [("dispenser", self.dispenser)]
        for i, reader in enumerate(self.readers):
            named.append(("card_reader" if i == 0 else f"card_reader_{i + 1}", reader))
        for i, scanner in enumerate(self.scanners):
            named.append(("scanner" if i == 0 else f"scanner_{i + 1}", scanner))
        return named

    async def devices(self, session: ServiceSession) -> list[DeviceInfo]:
        await session.authorize()
        return [
            DeviceInfo(name, device.state.value, _identity(device.identity))
            for name, device in self.device_names()
        ]

    async def board_status(self, session: ServiceSession) -> BoardStatus | None:
        """The board's own view (levels, door, temperature); None when it cannot answer."""
        await session.authorize()
        try:
            return await self.dispenser.read_status()
        except HardwareError as exc:  # any driver failure means "no answer" on this screen
            log.info("board status unavailable: %s", exc)
            return None

    async def faults(self, session: ServiceSession) -> list[FaultRecord]:
        await session.authorize()
        return self.fault_ring.faults()

    async def sync_status(self, session: ServiceSession) -> SyncStatus:
        await session.authorize()
        t = await self.engine.telemetry()
        return SyncStatus(
            connected=t.connected,
            queue_count=t.queue_count,
            queue_bytes=t.queue_bytes,
            oldest_age_s=t.oldest_age_s,
            last_seq=t.last_seq,
            acked_seq=t.acked_seq,
            in_flight=t.in_flight,
            retransmits=t.retransmits,
            reconnects=t.reconnects,
            seconds_disconnected=t.seconds_disconnected,
            sales_paused=t.sales_paused,
            high_watermark=t.high_watermark,
            middleware_ack_p50_ms=t.middleware_ack_ms.get("p50"),
        )

    async def versions(self, session: ServiceSession) -> Versions:
        await session.authorize()
        e = self.engine
        return Versions(
            software_version(), self.catalog().version, PROTOCOL_VERSION, e.device_id, e.epoch
        )

    async def sales_per_hour(self, session: ServiceSession) -> list[HourBucket]:
        await session.authorize()
        return await self.read_sales_per_hour()

    async def read_sales_per_hour(self) -> list[HourBucket]:
        zone = ZoneInfo(self.catalog().timezone)
        since = local_midnight_utc(self.clock(), self.catalog().timezone)
        sales = await self.engine.call_ledger(
            self.engine.ledger.events_since, since, (EventType.SALE,)
        )
        counts, amounts = [0] * 24, [0] * 24
        for event in sales:
            hour = parse_ts(event.ts).astimezone(zone).hour
            counts[hour] += 1
            amounts[hour] += event.amount_minor
        return [HourBucket(h, counts[h], amounts[h]) for h in range(24)]

    async def channel_levels(self, session: ServiceSession) -> list[ChannelStock]:
        await session.authorize()
        return list((await self.stock.read_overview()).channels)

    async def outbox_depth(self, session: ServiceSession) -> list[DepthSample]:
        await session.authorize()
        return await self.sampler.series()
