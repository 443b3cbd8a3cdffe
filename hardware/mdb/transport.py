"""Opening the MDB-to-serial bridge's port (a thin wrapper of hardware.common.transport).

The bridge's host side is a plain 8-bit serial line (often USB CDC, where the rate does not
matter); the 9600 baud 9-bit MDB bus is on the other side of the bridge.
"""

from __future__ import annotations

from hardware.common.transport import ByteTransport, TraceHook, open_transport

BRIDGE_BAUDRATE = 115200


async def open_bridge(
    url: str,
    *,
    baudrate: int = BRIDGE_BAUDRATE,
    trace_bytes: TraceHook | None = None,
    open_timeout: float = 3.0,
) -> ByteTransport:
    """Open the bridge at ``url`` (a device path or ``socket://host:port``)."""
    return await open_transport(
        url, baudrate=baudrate, trace_bytes=trace_bytes, open_timeout=open_timeout
    )
