"""Every shopper screen, built for one :class:`UiContext`."""

from __future__ import annotations

from kiosk.journey import Screen
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.base import ScreenBase, UiContext
from kiosk.ui.screens.browse import BrowseScreen
from kiosk.ui.screens.checkout import CheckoutScreen
from kiosk.ui.screens.dispensing import DispensingScreen
from kiosk.ui.screens.done import DoneScreen
from kiosk.ui.screens.finder import FinderScreen
from kiosk.ui.screens.loyalty import LoyaltyScreen
from kiosk.ui.screens.payment import PaymentScreen
from kiosk.ui.screens.product import ProductScreen
from kiosk.ui.screens.unavailable import UnavailableScreen

SCREENS: dict[Screen, type[ScreenBase]] = {
    Screen.ATTRACT: AttractScreen,
    Screen.BROWSE: BrowseScreen,
    Screen.FINDER: FinderScreen,
    Screen.PRODUCT: ProductScreen,
    Screen.LOYALTY: LoyaltyScreen,
    Screen.CHECKOUT: CheckoutScreen,
    Screen.PAYMENT: PaymentScreen,
    Screen.DISPENSING: DispensingScreen,
    Screen.DONE: DoneScreen,
    Screen.UNAVAILABLE: UnavailableScreen,
}


def build_screens(ctx: UiContext) -> dict[Screen, ScreenBase]:
    return {screen: cls(ctx) for screen, cls in SCREENS.items()}
