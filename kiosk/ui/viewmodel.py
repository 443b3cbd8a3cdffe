"""The Qt face of the shopper journey: one ``viewChanged`` signal and the shopper's actions.

Screens connect to :attr:`JourneyViewModel.viewChanged` and call its methods; a slot that must
await (pay, cancel) is a one-line ``@asyncSlot`` adapter in the screen calling the coroutine
here, which tests await directly. Without a journey (``journey=None``) the view-model only
shows the views it is given: the screenshot tool renders every screen that way.

The running kiosk paints its attract loop before its machine has started, so its view-model
is made ``starting=True`` without a journey and :meth:`JourneyViewModel.attach` gives it the
journey once the machine runs (start-up recovery done). Until then every shopper action is a
no-op, so nothing reaches a half-started machine; a touch emits ``touchedWhileStarting`` (the
attract loop says "one moment").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from kiosk.journey.view import View

if TYPE_CHECKING:  # the journey brings the purchase flow and the sync engine
    from kiosk.journey import ShopperJourney
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
    touchedWhileStarting = Signal()  # a touch before the journey was attached: nothing starts

    def __init__(self, journey: ShopperJourney | None = None, *, starting: bool = False) -> None:
        super().__init__()
        self.journey: ShopperJourney | None = None
        self._starting = starting
        self._view = View()
        if journey is not None:
            self.attach(journey)

    @property
    def view(self) -> View:
        return self._view

    @property
    def starting(self) -> bool:
        """A live kiosk whose machine is not started yet: the journey comes by :meth:`attach`."""
        return self._starting and self.journey is None

    def attach(self, journey: ShopperJourney) -> None:
        """Follow ``journey`` from now on (once: a view-model serves one journey)."""
        if self.journey is not None:
            raise RuntimeError("the view-model already follows a journey")
        self.journey = journey
        journey.add_listener(self._on_journey_view)
        self._on_journey_view(journey.view)

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
        elif self._starting:
            self.touchedWhileStarting.emit()

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
