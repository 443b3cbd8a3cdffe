"""The Qt face of the shopper journey: one ``viewChanged`` signal and the shopper's actions.

Screens connect to :attr:`JourneyViewModel.viewChanged` and call its methods; a slot that must
await (pay, cancel) is a one-line ``@asyncSlot`` adapter in the screen calling the coroutine
here, which tests await directly. Without a journey (``journey=None``) the view-model only
shows the views it is given: the screenshot tool renders every screen that way.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.journey import ShopperJourney, View
from kiosk.purchase.model import PurchaseResult


class DisplaySettings(QObject):
    """The shopper's accessibility choices: large text and reach mode (controls low)."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.large_text = False
        self.reach = False

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self.changed.emit()

    def toggle_reach(self) -> None:
        self.reach = not self.reach
        self.changed.emit()

    def reset(self) -> None:
        if self.large_text or self.reach:
            self.large_text = self.reach = False
            self.changed.emit()


class JourneyViewModel(QObject):
    viewChanged = Signal(object)  # View

    def __init__(self, journey: ShopperJourney | None) -> None:
        super().__init__()
        self.journey = journey
        self._view = journey.view if journey is not None else View()
        if journey is not None:
            journey.add_listener(self._on_journey_view)

    @property
    def view(self) -> View:
        return self._view

    def show(self, view: View) -> None:
        """Display ``view`` as is (screenshots and previews; a live journey overrides it)."""
        self._on_journey_view(view)

    def _on_journey_view(self, view: View) -> None:
        self._view = view
        self.viewChanged.emit(view)

    # -- shopper actions (no-ops without a journey) --------------------------------------------
    def touch(self) -> None:
        if self.journey:
            self.journey.touch()

    def browse(self, family_id: str | None = None) -> None:
        if self.journey:
            self.journey.browse(family_id)

    def open_finder(self) -> None:
        if self.journey:
            self.journey.open_finder()

    def show_recommendations(self, product_ids: tuple[str, ...]) -> None:
        if self.journey:
            self.journey.show_recommendations(product_ids)

    def show_product(self, product_id: str) -> None:
        if self.journey:
            self.journey.show_product(product_id)

    def choose_offer(self, sku: str) -> None:
        if self.journey:
            self.journey.choose_offer(sku)

    def scan(self, text: str) -> bool:
        return self.journey.scan(text) if self.journey else False

    def skip_loyalty(self) -> None:
        if self.journey:
            self.journey.skip_loyalty()

    def use_points(self, on: bool) -> None:
        if self.journey:
            self.journey.use_points(on)

    def back(self) -> None:
        if self.journey:
            self.journey.back()

    def retry(self) -> None:
        if self.journey:
            self.journey.retry()

    def go_home(self) -> None:
        if self.journey:
            self.journey.go_home()

    def idle_timeout(self) -> None:
        if self.journey:
            self.journey.idle_timeout()

    async def pay(self) -> PurchaseResult | None:
        return await self.journey.pay() if self.journey else None

    async def cancel(self) -> None:
        if self.journey:
            await self.journey.cancel()

    async def refresh(self) -> None:
        if self.journey:
            await self.journey.refresh()
