"""The shopper's journey through the touchscreen, Qt-free.

:class:`~kiosk.journey.journey.ShopperJourney` turns shopper actions (touch, pick, scan, pay,
cancel, idle) into calls on the purchase flow and publishes one immutable
:class:`~kiosk.journey.view.View` after every change. Screens (``kiosk/ui``) render views;
they never decide what happens to money or stock.
"""

from kiosk.journey.journey import JourneyConfig, ShopperJourney
from kiosk.journey.view import Notice, PaymentPhase, Screen, Unavailable, View

__all__ = [
    "JourneyConfig",
    "Notice",
    "PaymentPhase",
    "Screen",
    "ShopperJourney",
    "Unavailable",
    "View",
]
