"""Device state shared by all drivers: one enum with named groups and one notifying setter.

A device that cannot be reached is *unavailable*; :class:`DeviceStateHolder` logs going down
once and coming back once, however many times the state is set in between.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable


class DeviceState(enum.Enum):
    CLOSED = "closed"
    CONNECTING = "connecting"
    INITIALIZING = "initializing"
    READY = "ready"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"
    FAULT = "fault"


USABLE_STATES = frozenset({DeviceState.READY, DeviceState.BUSY})
DOWN_STATES = frozenset({DeviceState.UNAVAILABLE, DeviceState.FAULT})

StateListener = Callable[[DeviceState, DeviceState], None]


class DeviceStateHolder:
    """Holds a device's state; ``set()`` is the only way to change it and notifies listeners."""

    def __init__(self, name: str, logger: logging.Logger) -> None:
        self._name = name
        self._log = logger
        self._state = DeviceState.CLOSED
        self._listeners: list[StateListener] = []
        self._down_logged = False

    @property
    def state(self) -> DeviceState:
        return self._state

    @property
    def usable(self) -> bool:
        return self._state in USABLE_STATES

    def add_listener(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: StateListener) -> None:
        self._listeners.remove(listener)

    def set(self, new: DeviceState, reason: str = "") -> None:
        old = self._state
        if new is old:
            return
        self._state = new
        if new in DOWN_STATES and not self._down_logged:
            self._down_logged = True
            self._log.warning("%s is %s%s", self._name, new.value, f": {reason}" if reason else "")
        elif new in USABLE_STATES and self._down_logged:
            self._down_logged = False
            self._log.info("%s is back (%s)", self._name, new.value)
        for listener in list(self._listeners):
            listener(old, new)
