"""What every shopper screen shares: its context (view-model, languages, display settings,
catalog, theme), the ``render(view)`` contract, and re-placing its widgets when the screen's
shape changes.

A screen builds its widgets once in ``_setup_ui()`` and sets *every* text in ``render()``,
through ``self.tr`` (so a language change is just a re-render). Slots are named
``_on_<widget>_<signal>`` and call the view-model; a slot that must await is a one-line
``@asyncSlot`` adapter. A screen laid out differently in portrait and landscape places its
widgets in ``arrange(landscape)``, which :class:`ScreenBase` calls only when that placement
is out of date (see the class).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QWidget

from kiosk.catalog import Catalog
from kiosk.journey import View
from kiosk.ui.i18n import Languages
from kiosk.ui.theme import Theme
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel


@dataclass
class UiContext:
    vm: JourneyViewModel
    languages: Languages
    settings: DisplaySettings
    catalog: Catalog

    @property
    def theme(self) -> Theme:
        return Theme(large=self.settings.large_text)


_UNPLACED = object()  # the layout key before a screen's first placement


class ScreenBase(QWidget):
    """A shopper screen: ``_setup_ui()`` builds it once, ``render(view)`` shows a view.

    Placement by shape: a screen laid out differently in portrait and landscape puts its
    widgets in place in ``arrange(landscape)``. On every resize ScreenBase calls
    ``rearrange()``, which calls ``arrange`` only when ``layout_key()`` differs from the key
    of the last placement (by default the key is the orientation: re-placing a grid on every
    pixel of a resize would be wasted work). A screen whose placement depends on more than
    the orientation adds it to its key (done: whether a receipt is shown) and calls
    ``rearrange()`` after a render that may have changed it; a screen calls it at the end of
    ``_setup_ui()`` for its first placement. A screen whose placement follows its exact size
    and content (browse, finder, product) overrides ``rearrange()`` instead, which then runs
    on every resize.
    """

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.vm = ctx.vm
        self._placed_for: Hashable = _UNPLACED  # the layout key the widgets are placed for
        self._setup_ui()

    def _setup_ui(self) -> None:
        """Build the screen's widgets, once (each screen builds its own; the base has none)."""

    def render(self, view: View) -> None:
        """Show ``view`` (called on every view change and language or settings change); each
        screen sets its own texts here, the base shows nothing of its own."""

    def entered(self, view: View) -> None:
        """The stack switched to this screen (start animations, reset scrolling)."""

    def left(self) -> None:
        """The stack switched away (stop animations and timers)."""

    # -- placement ------------------------------------------------------------------------------
    def is_landscape(self) -> bool:
        """Wider than high."""
        return self.width() > self.height()

    def layout_key(self) -> Hashable:
        """What the placement of the widgets depends on: by default the orientation."""
        return self.is_landscape()

    def arrange(self, landscape: bool) -> None:
        """Place the widgets for the orientation (and whatever else ``layout_key()`` holds).
        Called by ``rearrange()`` only when the key changed; a screen with one layout for
        both orientations needs none."""

    def rearrange(self) -> None:
        """Place the widgets again if ``layout_key()`` changed since they were last placed."""
        key = self.layout_key()
        if key == self._placed_for:
            return
        self._placed_for = key
        self.arrange(self.is_landscape())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.rearrange()
        super().resizeEvent(event)
