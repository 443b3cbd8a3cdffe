"""A live hex trace of one device port, for the service menu's diagnostics screen.

Drivers take a ``trace_bytes(direction, data)`` hook **when they are opened**, so
:class:`kiosk.runtime.KioskRuntime` creates one :class:`HexTraceHub` before opening the devices
and passes ``open_devices(config, trace=hub.hook)``, which asks the hub for one hook per port
that carries bytes ("card_reader", "dispenser", "scanner"...). A trace costs one attribute
test per chunk until a technician starts it; then each chunk becomes a :class:`TraceLine` in
a bounded ring the screen reads (``lines()``) and follows (``subscribe``). The drivers already
redact card data before their hook (MDB, terminal, scanner); the trace redacts anything
card-shaped once more as a last line of defence. Hooks run on the loop thread.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hardware.common.pan import contains_card_data
from hardware.common.transport import TraceHook

REDACTED = b"[REDACTED]"


@dataclass(frozen=True)
class TraceLine:
    at: float  # wall-clock seconds
    port: str
    direction: str  # "tx", "rx" (drivers may add e.g. "rx-garbage")
    data: bytes

    @property
    def hex(self) -> str:
        return self.data.hex(" ")

    @property
    def text(self) -> str:
        """Printable ASCII, other bytes as '.' (the right-hand column of a hex dump)."""
        return "".join(chr(b) if 32 <= b < 127 else "." for b in self.data)


TraceListener = Callable[[TraceLine], None]


class HexTrace:
    """The traffic of one port: a ring of the last ``capacity`` chunks while started."""

    def __init__(
        self, port: str, capacity: int = 500, clock: Callable[[], float] = time.time
    ) -> None:
        self.port = port
        self.clock = clock
        self.running = False
        self._lines: deque[TraceLine] = deque(maxlen=capacity)
        self._listeners: list[TraceListener] = []

    def hook(self, direction: str, data: bytes) -> None:
        """The driver's ``trace_bytes`` hook."""
        if not self.running:
            return
        if contains_card_data(data):
            data = REDACTED
        line = TraceLine(self.clock(), self.port, direction, bytes(data))
        self._lines.append(line)
        for listener in list(self._listeners):
            listener(line)

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def clear(self) -> None:
        self._lines.clear()

    def lines(self) -> list[TraceLine]:
        return list(self._lines)

    def subscribe(self, listener: TraceListener) -> Callable[[], None]:
        """Call ``listener`` with every new line; returns the function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe


class HexTraceHub:
    """One :class:`HexTrace` per named port ("dispenser", "card_reader", "scanner"...)."""

    def __init__(self, capacity: int = 500, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self.clock = clock
        self._traces: dict[str, HexTrace] = {}

    def trace(self, port: str) -> HexTrace:
        if port not in self._traces:
            self._traces[port] = HexTrace(port, self.capacity, self.clock)
        return self._traces[port]

    def hook(self, port: str) -> TraceHook:
        """The ``trace_bytes`` hook to pass to ``port``'s driver at open time."""
        return self.trace(port).hook

    @property
    def ports(self) -> list[str]:
        """By name, numbers counted as numbers ("card_reader_2" before "card_reader_10")."""
        return sorted(self._traces, key=_natural)

    def stop_all(self) -> None:
        for trace in self._traces.values():
            trace.stop()


def _natural(name: str) -> list[tuple[int, str]]:
    return [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", name)]
