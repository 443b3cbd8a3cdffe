"""The technician's hidden service menu on the kiosk window (the domain is kiosk.service).

:func:`install_service_menu` is all kiosk/app.py calls: it builds the view-model, the overlay
and the hidden entry (a 3-second press in the window's top-right corner) on a
:class:`~kiosk.ui.shell.KioskWindow` and returns the :class:`ServiceController`
(``uninstall()`` when the window closes): ``KioskApp`` calls
``install_service_menu(ui.window, runtime.service)`` once the machine runs and
``service.uninstall()`` before it closes the menu.
"""

from __future__ import annotations

from kiosk.service import ServiceMenu
from kiosk.ui.service.controller import IDLE_CHECK_S, ServiceController
from kiosk.ui.service.entry import CORNER_PX, HOLD_MS
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.shell import KioskWindow

__all__ = ["ServiceController", "ServiceViewModel", "install_service_menu"]


def install_service_menu(
    window: KioskWindow,
    menu: ServiceMenu,
    *,
    hold_ms: int = HOLD_MS,
    corner_px: int = CORNER_PX,
    idle_check_s: float = IDLE_CHECK_S,
) -> ServiceController:
    """Add the service overlay to ``window`` (hidden) and start watching for the gesture."""
    controller = ServiceController(
        window,
        ServiceViewModel(menu),
        hold_ms=hold_ms,
        corner_px=corner_px,
        idle_check_s=idle_check_s,
    )
    controller.install()
    return controller
