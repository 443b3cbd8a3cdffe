"""What the service menu tells its listeners (the screens, kiosk/app.py): past-tense frozen
dataclasses, one listener type, and the small notifier every part uses."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


class EndReason(enum.Enum):
    LOGOUT = "logout"
    IDLE = "idle"  # no touch for the idle timeout (15 minutes)
    REPLACED = "replaced"  # another technician logged in on the same screen
    REVOKED = "revoked"  # the middleware revoked the technician


@dataclass(frozen=True)
class SessionDidStart:
    technician_id: str
    name: str
    must_change_pin: bool


@dataclass(frozen=True)
class SessionDidEnd:
    technician_id: str
    reason: EndReason


@dataclass(frozen=True)
class PinDidFail:
    failures: int  # consecutive failed PIN checks on this machine
    retry_after_s: float  # wait imposed before the next check


@dataclass(frozen=True)
class ServiceDidLock:
    """The PIN pad is locked (10 consecutive failures) for ``retry_after_s`` seconds."""

    retry_after_s: float


@dataclass(frozen=True)
class ServiceDidUnlock:
    """The middleware cleared the lockout (``unlock`` message)."""


@dataclass(frozen=True)
class TechnicianDidChange:
    technician_id: str
    change: str  # "enrolled", "revoked", "pin_changed"
    source: str  # "provisioning", "middleware", "menu"


@dataclass(frozen=True)
class MaintenanceDidChange:
    on: bool
    technician_id: str | None


@dataclass(frozen=True)
class DoseDidChange:
    """A spray channel was calibrated: rebuild the dispensables (``ServiceMenu.doses_ul``)."""

    channel: int  # as printed in the machine (1-based)
    old_ul: int
    new_ul: int


@dataclass(frozen=True)
class StockDidMove:
    """A refill, adjustment or test vend moved stock: screens re-read on-hand."""

    sku: str
    qty: int  # signed change in the SKU's unit
    event_type: str  # RESTOCK, ADJUSTMENT, TEST_VEND


ServiceEvent = (
    SessionDidStart
    | SessionDidEnd
    | PinDidFail
    | ServiceDidLock
    | ServiceDidUnlock
    | TechnicianDidChange
    | MaintenanceDidChange
    | DoseDidChange
    | StockDidMove
)
ServiceListener = Callable[[ServiceEvent], None]


class Notifier:
    """Listeners of service events; one failing listener never stops the others."""

    def __init__(self) -> None:
        self._listeners: list[ServiceListener] = []

    def add_listener(self, listener: ServiceListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: ServiceListener) -> None:
        self._listeners.remove(listener)

    def emit(self, event: ServiceEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a screen's bug must not stop the service domain
                log.exception("service listener failed on %s", type(event).__name__)
