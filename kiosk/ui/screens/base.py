"""What every shopper screen shares: its context (view-model, languages, display settings,
catalog, theme) and the ``render(view)`` contract.

A screen builds its widgets once in ``_setup_ui()`` and sets *every* text in ``render()``,
through ``self.tr`` (so a language change is just a re-render). Slots are named
``_on_<widget>_<signal>`` and call the view-model; a slot that must await is a one-line
``@asyncSlot`` adapter.
"""

from __future__ import annotations

from dataclasses import dataclass

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


class ScreenBase(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.vm = ctx.vm
        self._setup_ui()

    def _setup_ui(self) -> None:
        raise NotImplementedError

    def render(self, view: View) -> None:
        """Show ``view`` (called on every view change and language or settings change)."""
        raise NotImplementedError

    def entered(self, view: View) -> None:
        """The stack switched to this screen (start animations, reset scrolling)."""

    def left(self) -> None:
        """The stack switched away (stop animations and timers)."""
