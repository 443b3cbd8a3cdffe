"""The payment terminal's byte transport: ``hardware.common.transport`` at 115200 8N1.

Byte tracing is done one level up, frame by frame, by :mod:`hardware.terminal.protocol`
(so that a frame carrying card data can be redacted whole); this wrapper therefore opens the
transport without a raw ``trace_bytes`` hook.
"""

from __future__ import annotations

from hardware.common.transport import ByteTransport, open_transport

BAUDRATE = 115200


async def open_terminal_transport(url: str, *, open_timeout: float = 3.0) -> ByteTransport:
    """Open a device path or ``socket://host:port`` for the terminal."""
    return await open_transport(url, baudrate=BAUDRATE, open_timeout=open_timeout)
