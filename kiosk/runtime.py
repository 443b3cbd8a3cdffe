"""The kiosk's Qt-free core for one configuration: devices, machine, shopper journey, scanners.

:class:`KioskRuntime` is what ``kiosk/app.py`` starts behind the attract loop's first frame (and
what a headless harness or benchmark can start without Qt): it opens every configured device
(:func:`hardware.config.open_devices`), starts the :class:`~kiosk.machine.Machine` (ledger,
sync engine, payments, settlement worker; start-up recovery runs before any sale), resolves the
catalog's offers to the dispenser's channels and slots with their calibrated doses, builds the
:class:`~kiosk.journey.ShopperJourney` (members' points balances looked up through the
machine's loyalty client), feeds it the loyalty scanners' codes while the shopper is on the
loyalty or checkout screen, and refreshes stock and availability every few seconds (an owned
task). ``close()`` stops all of it, in reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from hardware.config import Devices, HardwareConfig, open_devices
from hardware.scanner import LoyaltyScanner, ScanDidDecode, ScannerEvent
from kiosk.catalog import Catalog
from kiosk.config import KioskConfig
from kiosk.journey import Screen, ShopperJourney
from kiosk.journey.points import spendable_points
from kiosk.launch import PORTRAIT as PORTRAIT  # re-exported: bench/_kiosk.py
from kiosk.machine import Machine, MachineConfig
from kiosk.purchase.items import dispensables
from kiosk.purchase.model import Dispensable
from kiosk.purchase.recovery import RecoveryReport
from kiosk.service.hextrace import HexTraceHub

if TYPE_CHECKING:
    from hardware.scanner.camera import CameraLoyaltyScanner
    from kiosk.service.menu import ServiceMenu

log = logging.getLogger(__name__)
StatusHook = Callable[[str], None]
SCAN_SCREENS = frozenset({Screen.LOYALTY, Screen.CHECKOUT})
REFRESH_S = 5.0


class KioskRuntime:
    def __init__(
        self,
        config: KioskConfig,
        hardware: HardwareConfig,
        catalog: Catalog,
        *,
        machine_config: MachineConfig | None = None,
        on_status: StatusHook | None = None,
        refresh_s: float = REFRESH_S,
        restart: Callable[[], None] | None = None,
        with_service: bool = True,
    ) -> None:
        self.config = config
        self.hardware = hardware
        self.catalog = catalog
        self.machine_config = machine_config or config.machine()
        self.refresh_s = refresh_s
        self._status = on_status or (lambda _text: None)
        self.devices: Devices | None = None
        self.machine: Machine | None = None
        self.recovery: RecoveryReport | None = None
        self.items: dict[str, Dispensable] = {}
        self._journey: ShopperJourney | None = None
        self._scanners: list[LoyaltyScanner] = []
        self._refresher: asyncio.Task[None] | None = None
        self.traces = HexTraceHub()  # the drivers' trace hooks, for the service menu
        self.restart = restart
        self.with_service = with_service
        self.service: ServiceMenu | None = None
        self._board_doses: dict[int, int] = {}
        self._log_file: logging.Handler | None = None

    @property
    def journey(self) -> ShopperJourney:
        if self._journey is None:
            raise RuntimeError("the kiosk runtime is not started")
        return self._journey

    async def start(self) -> ShopperJourney:
        """Open the devices, start the machine (recovery first), build the journey. On any
        error, everything opened so far is closed and the error raised."""
        try:
            return await self._start()
        except BaseException:
            await self.close()
            raise

    async def _start(self) -> ShopperJourney:
        self._status("opening devices")
        self.devices = devices = await open_devices(self.hardware, trace=self.traces.hook)
        if not devices.card_readers or devices.dispenser is None:
            raise RuntimeError("the hardware configuration needs a card reader and a dispenser")
        if len(devices.card_readers) > 1:
            log.info(
                "%d card readers configured: selling with the first", len(devices.card_readers)
            )
        self._status("recovering open transactions")
        self.machine = Machine(
            self.machine_config, reader=devices.card_readers[0], dispenser=devices.dispenser
        )
        self.recovery = await self.machine.start()
        status = await devices.dispenser.read_status()
        self._board_doses = {c: level.dose_ul for c, level in status.channels.items()}
        self.items = dispensables(self.catalog, self._board_doses)
        assert self.machine.engine is not None
        self._journey = ShopperJourney(
            catalog=self.catalog,
            flow=self.machine.flow,
            engine=self.machine.engine,
            items=self.items,
            config=self.config.journey(),
            balance=spendable_points(self.machine.loyalty) if self.machine.loyalty else None,
        )
        for scanner in (devices.scanner, devices.camera):
            if scanner is not None:
                scanner.add_listener(self._on_scanner_event)
                self._scanners.append(scanner)
        if self.with_service:
            await self._start_service()
        await self._journey.refresh()
        self._refresher = asyncio.get_running_loop().create_task(
            self._refresh_loop(), name="journey-refresh"
        )
        return self._journey

    async def _start_service(self) -> None:
        """The technician's menu around the started machine: maintenance mode and calibrated
        doses follow it from now on (kiosk/service/assembly.py)."""
        from kiosk.service.assembly import attach_log_file, build_service_menu, service_config

        assert self.machine is not None and self.devices is not None
        assert self.machine.engine is not None and self.machine.settlement is not None
        dispenser = self.devices.dispenser
        assert dispenser is not None  # checked in _start
        settings = self.config.service
        if settings.log_dir is not None:
            self._log_file = attach_log_file(settings.log_dir)
        self._status("starting the service menu")
        scanners = [s for s in (self.devices.scanner, self.devices.camera) if s is not None]
        menu = build_service_menu(
            service_config(
                data_dir=self.config.data_dir,
                provisioning_file=settings.provisioning_file,
                export_dir=settings.export_dir,
                export_require_mount=settings.export_require_mount,
                log_dir=settings.log_dir,
                session_idle_s=settings.session_idle_s,
            ),
            engine=self.machine.engine,
            dispenser=dispenser,
            catalog=self.catalog,
            settlement=self.machine.settlement,
            readers=self.devices.card_readers,
            scanners=scanners,
            traces=self.traces,
            restart=self.restart,
        )
        await menu.start()
        self.service = menu
        menu.bind_maintenance(self.journey.set_maintenance)
        menu.bind_doses(self._apply_doses)

    def _apply_doses(self, calibrated: dict[int, int]) -> None:
        """Calibrated doses (the service menu's) over the board's reported ones."""
        self.items = dispensables(self.catalog, {**self._board_doses, **calibrated})
        if self._journey is not None:
            self._journey.items = dict(self.items)

    def camera_frames(self) -> CameraLoyaltyScanner | None:
        """The camera scanner, if one is fitted: the loyalty screen previews its frames."""
        camera = self.devices.camera if self.devices is not None else None
        if camera is None:
            return None
        from hardware.scanner.camera import CameraLoyaltyScanner  # pyzbar: only with a camera

        return camera if isinstance(camera, CameraLoyaltyScanner) else None

    def set_maintenance(self, on: bool) -> None:
        """The service menu's switch: the shopper sees "temporarily unavailable" while on."""
        self.journey.set_maintenance(on)

    def _on_scanner_event(self, event: ScannerEvent) -> None:
        journey = self._journey
        if journey is None or not isinstance(event, ScanDidDecode):
            return
        if journey.view.screen in SCAN_SCREENS:
            journey.scan(event.scan.text)

    async def _refresh_loop(self) -> None:
        """Re-read stock and availability every ``refresh_s``; an error is logged, never fatal."""
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                await self.journey.refresh()
            except Exception:
                log.exception("refreshing the shopper journey failed")

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
            self._refresher = None
        for scanner in self._scanners:
            scanner.remove_listener(self._on_scanner_event)
        self._scanners.clear()
        if self.service is not None:
            await self.service.close()  # ends a technician's session (audited) first
            self.service = None
        if self._journey is not None:
            await self._journey.close()  # its balance look-ups use the machine's RPC client
        if self.machine is not None:
            await self.machine.close()
            self.machine = None
        if self.devices is not None:
            await self.devices.close()
            self.devices = None
        if self._log_file is not None:
            from kiosk.service.assembly import detach_log_file

            detach_log_file(self._log_file)
            self._log_file = None
