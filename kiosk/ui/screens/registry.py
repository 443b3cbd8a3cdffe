"""Every shopper screen, built for one :class:`UiContext`.

Each screen's module is imported when that screen is first built, so the running kiosk's first
frame (the attract loop alone, :data:`FIRST`) does not wait for the other screens' modules and
widgets; it builds them in the loop's idle turns afterwards (``kiosk/app.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from kiosk.journey.view import Screen
from kiosk.ui.screens.base import ScreenBase, UiContext

# Each screen's class, as (module, class name) under kiosk.ui.screens.
SCREENS: dict[Screen, tuple[str, str]] = {
    Screen.ATTRACT: ("attract", "AttractScreen"),
    Screen.BROWSE: ("browse", "BrowseScreen"),
    Screen.FINDER: ("finder", "FinderScreen"),
    Screen.PRODUCT: ("product", "ProductScreen"),
    Screen.LOYALTY: ("loyalty", "LoyaltyScreen"),
    Screen.CHECKOUT: ("checkout", "CheckoutScreen"),
    Screen.PAYMENT: ("payment", "PaymentScreen"),
    Screen.DISPENSING: ("dispensing", "DispensingScreen"),
    Screen.DONE: ("done", "DoneScreen"),
    Screen.UNAVAILABLE: ("unavailable", "UnavailableScreen"),
}
FIRST = (Screen.ATTRACT,)  # what the first frame shows


def screen_class(screen: Screen) -> type[ScreenBase]:
    module, name = SCREENS[screen]
    cls: type[ScreenBase] = getattr(importlib.import_module(f"kiosk.ui.screens.{module}"), name)
    return cls


def build_screen(ctx: UiContext, screen: Screen) -> ScreenBase:
    return screen_class(screen)(ctx)


def build_screens(ctx: UiContext, only: Iterable[Screen] | None = None) -> dict[Screen, ScreenBase]:
    """The screens ``only`` names (default: every one), in :data:`SCREENS` order."""
    wanted = set(SCREENS if only is None else only)
    return {screen: build_screen(ctx, screen) for screen in SCREENS if screen in wanted}
