"""The shopper's journey through the touchscreen, Qt-free.

:class:`~kiosk.journey.journey.ShopperJourney` turns shopper actions (touch, pick, scan, pay,
cancel, idle) into calls on the purchase flow and publishes one immutable
:class:`~kiosk.journey.view.View` after every change. Screens (``kiosk/ui``) render views;
they never decide what happens to money or stock.

The views are imported here at once; :class:`ShopperJourney` and :class:`JourneyConfig` on
first use (PEP 562), because the journey module brings the purchase flow and the sync engine
(SQLAlchemy, paho) with it, and the attract loop's first frame needs only the views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.journey.view import Notice, PaymentPhase, Screen, Unavailable, View

if TYPE_CHECKING:
    from kiosk.journey.journey import JourneyConfig, ShopperJourney

_LAZY = frozenset({"JourneyConfig", "ShopperJourney"})

__all__ = [
    "JourneyConfig",
    "Notice",
    "PaymentPhase",
    "Screen",
    "ShopperJourney",
    "Unavailable",
    "View",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from kiosk.journey import journey

        value = getattr(journey, name)
        globals()[name] = value  # once imported, a plain attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
