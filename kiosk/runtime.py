"""The kiosk's Qt-free core for one configuration: devices, machine, shopper journey, scanners.

:class:`KioskRuntime` is what ``kiosk/app.py`` starts before it builds the screens (and what a
headless harness or benchmark can start without Qt): it opens every configured device
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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hardware.config import Devices, HardwareConfig, open_devices
from hardware.scanner import LoyaltyScanner, ScanDidDecode, ScannerEvent
from kiosk.catalog import Catalog
from kiosk.config import KioskConfig
from kiosk.demo import DemoOptions
from kiosk.journey import Screen, ShopperJourney
from kiosk.journey.points import spendable_points
from kiosk.machine import Machine, MachineConfig
from kiosk.purchase.items import dispensables
from kiosk.purchase.model import Dispensable
from kiosk.purchase.recovery import RecoveryReport

if TYPE_CHECKING:
    from hardware.scanner.camera import CameraLoyaltyScanner

log = logging.getLogger(__name__)
StatusHook = Callable[[str], None]
SCAN_SCREENS = frozenset({Screen.LOYALTY, Screen.CHECKOUT})
REFRESH_S = 5.0
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)


@dataclass(frozen=True)
class AppOptions:
    """What ``perfume-kiosk run`` starts: a configured machine (``config`` + ``hardware``) or
    the demo (``demo``), and how it is shown."""

    catalog: Catalog
    config: KioskConfig | None = None
    hardware: HardwareConfig | None = None
    demo: DemoOptions | None = None
    windowed: bool = False
    landscape: bool = False
    duration_s: float = 0.0  # stop after this long (0: run until stopped)
    started_at: float = field(default_factory=time.monotonic)

    @property
    def size(self) -> tuple[int, int]:
        return LANDSCAPE if self.landscape else PORTRAIT


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
        self.devices = devices = await open_devices(self.hardware)
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
        self.items = dispensables(
            self.catalog, {c: level.dose_ul for c, level in status.channels.items()}
        )
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
        await self._journey.refresh()
        self._refresher = asyncio.get_running_loop().create_task(
            self._refresh_loop(), name="journey-refresh"
        )
        return self._journey

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
        if self._journey is not None:
            await self._journey.close()  # its balance look-ups use the machine's RPC client
        if self.machine is not None:
            await self.machine.close()
            self.machine = None
        if self.devices is not None:
            await self.devices.close()
            self.devices = None
