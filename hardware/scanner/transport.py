"""The serial scanner module's port: hardware.common.transport with the module's settings.

OEM 2D scan engines ship at 9600 or 115200 8N1; ours are configured for 115200. The byte
trace hook is deliberately not passed down to the transport: raw chunks may hold a scanned card
number, so :mod:`hardware.scanner.protocol` traces whole frames after redacting them.
"""

from __future__ import annotations

from hardware.common.transport import ByteTransport, open_transport

BAUDRATE = 115200


async def open_scanner_transport(url: str, *, open_timeout: float = 3.0) -> ByteTransport:
    """Open a device path or ``socket://host:port`` at the module's baud rate."""
    return await open_transport(url, baudrate=BAUDRATE, open_timeout=open_timeout)
