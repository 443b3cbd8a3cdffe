"""Byte transports: open a port by URL and move bytes without blocking the event loop.

Supported URLs:

* a device path (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``, a pty slave ``/dev/pts/7``):
  opened and configured with pyserial, then read and written through the file descriptor with
  ``loop.add_reader`` / ``add_writer`` so nothing blocks;
* ``socket://host:port``: a TCP byte stream (ser2net, a simulator's TCP server).

``sim://`` URLs are resolved one level up, by each device's factory, which starts the
simulator and passes its pty path here; driver code never branches on simulation.

Both directions can be traced with a ``trace_bytes(direction, data)`` hook for field hex dumps.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import os
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import serial

from hardware.common.errors import DeviceInitError, TransportClosedError

TraceHook = Callable[[str, bytes], None]
T = TypeVar("T")


async def run_blocking(func: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
    """Run a blocking call in the default executor, optionally bounded by ``timeout``."""
    loop = asyncio.get_running_loop()
    fut = loop.run_in_executor(None, func, *args)
    if timeout is None:
        return await fut
    # asyncio.timeout rather than wait_for: on Python 3.11 wait_for can swallow a cancellation.
    async with asyncio.timeout(timeout):
        return await fut


class ByteTransport(abc.ABC):
    """A bidirectional byte stream to one device."""

    def __init__(self, trace_bytes: TraceHook | None) -> None:
        self._trace = trace_bytes

    def _trace_rx(self, data: bytes) -> None:
        if self._trace is not None and data:
            self._trace("rx", data)

    def _trace_tx(self, data: bytes) -> None:
        if self._trace is not None and data:
            self._trace("tx", data)

    @abc.abstractmethod
    async def read(self) -> bytes:
        """Wait for and return at least one byte; raise TransportClosedError when closed/lost."""

    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """Queue ``data`` for sending; never blocks. Raises TransportClosedError when closed."""

    @abc.abstractmethod
    async def drain(self) -> None:
        """Wait until queued bytes have been handed to the OS."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the port; pending ``read()`` calls raise TransportClosedError."""

    @property
    @abc.abstractmethod
    def is_open(self) -> bool: ...


class FdTransport(ByteTransport):
    """A transport over a non-blocking file descriptor (serial port or pty)."""

    def __init__(
        self, fd: int, *, keepalive: object = None, trace_bytes: TraceHook | None = None
    ) -> None:
        super().__init__(trace_bytes)
        self._fd = fd
        self._keepalive = keepalive  # the pyserial object owning the fd
        self._loop = asyncio.get_running_loop()
        self._rx = bytearray()
        self._rx_event = asyncio.Event()
        self._tx = bytearray()
        self._tx_done = asyncio.Event()
        self._tx_done.set()
        self._closed = False
        self._error: str | None = None
        os.set_blocking(fd, False)
        self._loop.add_reader(fd, self._on_readable)

    @property
    def is_open(self) -> bool:
        return not self._closed and self._error is None

    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail(f"read error: {exc.strerror}")
            return
        if not data:
            self._fail("end of file")
            return
        self._trace_rx(data)
        self._rx += data
        self._rx_event.set()

    def _fail(self, why: str) -> None:
        if self._error is None:
            self._error = why
        self._loop.remove_reader(self._fd)
        self._loop.remove_writer(self._fd)
        self._rx_event.set()
        self._tx_done.set()

    async def read(self) -> bytes:
        while not self._rx:
            if self._closed or self._error is not None:
                raise TransportClosedError(self._error or "transport closed")
            self._rx_event.clear()
            await self._rx_event.wait()
        data = bytes(self._rx)
        self._rx.clear()
        return data

    def write(self, data: bytes) -> None:
        if self._closed or self._error is not None:
            raise TransportClosedError(self._error or "transport closed")
        self._trace_tx(data)
        if self._tx:
            self._tx += data
            return
        try:
            sent = os.write(self._fd, data)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            self._fail(f"write error: {exc.strerror}")
            raise TransportClosedError(self._error or "write error") from None
        if sent < len(data):
            self._tx += data[sent:]
            self._tx_done.clear()
            self._loop.add_writer(self._fd, self._on_writable)

    def _on_writable(self) -> None:
        try:
            sent = os.write(self._fd, self._tx)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail(f"write error: {exc.strerror}")
            return
        del self._tx[:sent]
        if not self._tx:
            self._loop.remove_writer(self._fd)
            self._tx_done.set()

    async def drain(self) -> None:
        await self._tx_done.wait()
        if self._error is not None:
            raise TransportClosedError(self._error)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._fd)
        self._loop.remove_writer(self._fd)
        self._rx_event.set()
        self._tx_done.set()
        closer = getattr(self._keepalive, "close", None)
        if closer is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                closer()
        else:
            with contextlib.suppress(OSError):
                os.close(self._fd)


class StreamTransport(ByteTransport):
    """A transport over an asyncio TCP stream (``socket://host:port``)."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        trace_bytes: TraceHook | None = None,
    ) -> None:
        super().__init__(trace_bytes)
        self._reader = reader
        self._writer = writer
        self._closed = False

    @property
    def is_open(self) -> bool:
        return not self._closed and not self._reader.at_eof()

    async def read(self) -> bytes:
        if self._closed:
            raise TransportClosedError("transport closed")
        try:
            data = await self._reader.read(4096)
        except (ConnectionError, OSError) as exc:
            raise TransportClosedError(f"read error: {exc}") from None
        if not data:
            raise TransportClosedError("end of file")
        self._trace_rx(data)
        return data

    def write(self, data: bytes) -> None:
        if self._closed or self._writer.is_closing():
            raise TransportClosedError("transport closed")
        self._trace_tx(data)
        self._writer.write(data)

    async def drain(self) -> None:
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            raise TransportClosedError(f"write error: {exc}") from None

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()


def _open_serial(url: str, baudrate: int) -> serial.Serial:
    port = serial.Serial(url, baudrate=baudrate, timeout=0, write_timeout=0, exclusive=True)
    return port


async def open_transport(
    url: str,
    *,
    baudrate: int = 9600,
    trace_bytes: TraceHook | None = None,
    open_timeout: float = 3.0,
) -> ByteTransport:
    """Open ``url`` (a device path or ``socket://host:port``) as a non-blocking transport."""
    parts = urlsplit(url)
    if parts.scheme == "socket":
        if not parts.hostname or parts.port is None:
            raise DeviceInitError(f"bad socket URL {url!r}: expected socket://host:port")
        try:
            async with asyncio.timeout(open_timeout):
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        except (OSError, TimeoutError) as exc:
            raise TransportClosedError(f"cannot connect to {url}: {exc}") from None
        return StreamTransport(reader, writer, trace_bytes)
    if parts.scheme not in ("", "file"):
        raise DeviceInitError(
            f"unsupported port URL {url!r}: use a device path, socket://host:port or sim://"
        )
    path = parts.path if parts.scheme == "file" else url
    try:
        port = await run_blocking(_open_serial, path, baudrate, timeout=open_timeout)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise TransportClosedError(f"cannot open {path}: {exc}") from None
    except TimeoutError:
        raise TransportClosedError(f"opening {path} hung for {open_timeout} s") from None
    return FdTransport(port.fileno(), keepalive=port, trace_bytes=trace_bytes)
