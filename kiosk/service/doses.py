"""Calibrated microlitres per spray dose, per channel: machine calibration, not catalog data.

The dispenser protocol has no command to set a dose (``hardware/dispenser/messages.py``: the
board only *reports* ``dose_ul``), so the kiosk keeps the calibration in the service store and
the purchase flow uses it through :func:`kiosk.purchase.items.dispensables`::

    items = dispensables(catalog, menu.doses_ul())   # board channel (0-based) -> µl

and rebuilds its items on :class:`~kiosk.service.events.DoseDidChange`. An uncalibrated
channel uses ``kiosk.purchase.items.DEFAULT_DOSE_UL``.
"""

from __future__ import annotations

from kiosk.purchase.items import DEFAULT_DOSE_UL
from kiosk.service.events import DoseDidChange, Notifier
from kiosk.service.store import ServiceStore

SETTING = "doses_ul"  # {"<board channel>": µl}
MIN_DOSE_UL = 10
MAX_DOSE_UL = 2000


class DoseTable:
    def __init__(self, store: ServiceStore, notifier: Notifier) -> None:
        self.store = store
        self.notifier = notifier
        self._doses: dict[int, int] = {}

    async def load(self) -> None:
        raw = await self.store.call(self.store.setting, SETTING) or {}
        self._doses = {int(k): int(v) for k, v in raw.items()}

    def dose_ul(self, channel: int) -> int:
        """The dose of ``channel`` (1-based, as printed in the machine)."""
        return self._doses.get(channel - 1, DEFAULT_DOSE_UL)

    def doses_ul(self) -> dict[int, int]:
        """Calibrated doses by *board* channel (0-based), for ``dispensables``."""
        return dict(self._doses)

    async def set(self, channel: int, dose_ul: int) -> int:
        """Persist a new dose for ``channel`` (1-based); returns the old one."""
        if not MIN_DOSE_UL <= dose_ul <= MAX_DOSE_UL:
            raise ValueError(f"a dose must be {MIN_DOSE_UL}-{MAX_DOSE_UL} µl")
        old = self.dose_ul(channel)
        doses = {**self._doses, channel - 1: dose_ul}
        await self.store.call(
            self.store.put_setting, SETTING, {str(k): v for k, v in sorted(doses.items())}
        )
        self._doses = doses
        self.notifier.emit(DoseDidChange(channel, old, dose_ul))
        return old
