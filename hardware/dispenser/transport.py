"""The dispenser board's byte transport: hardware.common.transport with the board's settings.

The board talks 115200 baud 8N1 over USB-serial (``/dev/serial/by-id/...``), a pty, or TCP
(``socket://host:port``, e.g. ser2net or the simulator's TCP server).
"""

from __future__ import annotations

from hardware.common.transport import ByteTransport, TraceHook, open_transport

BAUDRATE = 115200

__all__ = ["BAUDRATE", "ByteTransport", "TraceHook", "open_dispenser_transport"]


async def open_dispenser_transport(
    url: str, *, trace_bytes: TraceHook | None = None, open_timeout: float = 3.0
) -> ByteTransport:
    """Open the board's port (a device path or ``socket://host:port``)."""
    return await open_transport(
        url, baudrate=BAUDRATE, trace_bytes=trace_bytes, open_timeout=open_timeout
    )
