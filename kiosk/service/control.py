"""Machine control from the service menu: maintenance mode, restart, export to a USB stick.

* Maintenance mode is persisted in the service store (a restart keeps the machine closed to
  shoppers) and announced with :class:`~kiosk.service.events.MaintenanceDidChange`; kiosk/app.py
  applies it to the shopper journey (``ShopperJourney.set_maintenance``), whose screens then
  show "temporarily unavailable".
* Restart: audited first, then the ``restart`` callback kiosk/app.py provides is called (it
  stops the loop so systemd restarts the unit); without one, ``restart_unavailable``.
* Export: the day's audit and the logs (kiosk.service.export, kiosk.service.report), audited
  with its folder name and file count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.catalog import Catalog
from kiosk.service.audit import AuditAction, AuditTrail
from kiosk.service.diagnostics import local_midnight_utc, software_version
from kiosk.service.errors import ControlError, ExportError
from kiosk.service.events import MaintenanceDidChange, Notifier
from kiosk.service.export import ExportConfig, ExportResult, log_files, write_export
from kiosk.service.report import EXPORTED_TYPES, build_files
from kiosk.service.session import Clock, ServiceSession
from kiosk.service.stock import StockService
from kiosk.service.store import ServiceStore
from sync.engine import SyncEngine
from sync.protocol import utc_now_iso

MAINTENANCE = "maintenance"


class MachineControl:
    def __init__(
        self,
        *,
        engine: SyncEngine,
        store: ServiceStore,
        audit: AuditTrail,
        notifier: Notifier,
        stock: StockService,
        catalog: Callable[[], Catalog],
        export: ExportConfig,
        clock: Clock,
        restart: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.audit = audit
        self.notifier = notifier
        self.stock = stock
        self.catalog = catalog
        self.export_config = export
        self.clock = clock
        self.restart = restart
        self._maintenance = False

    async def load(self) -> None:
        self._maintenance = bool(await self.store.call(self.store.setting, MAINTENANCE))

    @property
    def maintenance(self) -> bool:
        return self._maintenance

    async def set_maintenance(self, session: ServiceSession, on: bool) -> None:
        tech = await session.authorize()
        await self.store.call(self.store.put_setting, MAINTENANCE, bool(on))
        changed = self._maintenance != bool(on)
        self._maintenance = bool(on)
        await self.audit.record(
            AuditAction.MAINTENANCE, technician_id=tech, details={"on": bool(on)}
        )
        if changed:
            self.notifier.emit(MaintenanceDidChange(bool(on), tech))

    async def request_restart(self, session: ServiceSession) -> None:
        tech = await session.authorize()
        if self.restart is None:
            await self.audit.refused(
                AuditAction.RESTART, technician_id=tech, key="restart_unavailable"
            )
            raise ControlError("restart_unavailable", "this kiosk cannot restart itself")
        await self.audit.record(AuditAction.RESTART, technician_id=tech)
        self.restart()

    async def export(self, session: ServiceSession, root: Path | None = None) -> ExportResult:
        """Write today's audit and the logs under ``root`` (default: the configured stick)."""
        tech = await session.authorize()
        cfg = self.export_config
        target = root or cfg.root
        catalog = self.catalog()
        now = self.clock()
        local = datetime.fromtimestamp(now, ZoneInfo(catalog.timezone))
        events = await self.engine.call_ledger(
            self.engine.ledger.events_since,
            local_midnight_utc(now, catalog.timezone),
            EXPORTED_TYPES,
        )
        overview = await self.stock.read_overview()
        header = {
            "generatedAt": utc_now_iso(),
            "timezone": catalog.timezone,
            "technicianId": tech,
            "softwareVersion": software_version(),
        }
        files = build_files(
            device_id=self.engine.device_id,
            epoch=self.engine.epoch,
            day=local.date().isoformat(),
            catalog=catalog,
            events=events,
            overview=overview,
            header=header,
        )
        name = f"perfume-kiosk_{self.engine.device_id}_{local:%Y%m%d-%H%M%S}"
        manifest = {**header, "deviceId": self.engine.device_id, "events": len(events)}

        def blocking() -> ExportResult:
            everything = {**files, **log_files(cfg.log_dir, cfg.max_log_bytes)}
            return write_export(
                target, name, everything, require_mount=cfg.require_mount, manifest=manifest
            )

        try:
            result = await asyncio.get_running_loop().run_in_executor(None, blocking)
        except ExportError as exc:
            await self.audit.refused(
                AuditAction.EXPORT, technician_id=tech, key=exc.key, details={"root": str(target)}
            )
            raise
        except OSError as exc:  # reading the logs failed before anything was written
            await self.audit.refused(AuditAction.EXPORT, technician_id=tech, key="export_failed")
            raise ExportError("export_failed", f"export failed: {exc.strerror}") from None
        await self.audit.record(
            AuditAction.EXPORT,
            technician_id=tech,
            details={
                "folder": result.folder.name,
                "files": len(result.files),
                "events": result.events,
            },
        )
        return result
