"""Serving byte-level device simulators on a pty pair or a TCP socket.

A :class:`DeviceModel` is the device's behaviour: it receives raw bytes and sends raw bytes,
exactly like the real device on the wire. A :class:`SimulatorServer` serves one model on a pty
(the driver opens the slave path like a serial port) or on TCP (``socket://127.0.0.1:PORT``).

Transport-level fault injection lives here (the device goes silent, garbage bytes, unplug and
replug); device-level faults (jam, decline, card number...) live in each model.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import os
import pty
import tty
from collections.abc import Callable

log = logging.getLogger(__name__)

Sender = Callable[[bytes], None]


class DeviceModel(abc.ABC):
    """Byte-level behaviour of one simulated device."""

    def __init__(self) -> None:
        self._send: Sender | None = None

    def attach(self, send: Sender | None) -> None:
        """Connect (or with ``None`` disconnect) the model to its wire."""
        self._send = send

    def send(self, data: bytes) -> None:
        """Put ``data`` on the wire; silently nothing when no driver is attached (as a real
        device talking to an unplugged cable)."""
        if self._send is not None and data:
            self._send(data)

    @abc.abstractmethod
    def data_received(self, data: bytes) -> None:
        """Bytes arrived from the driver."""


class SimulatorServer:
    """Serves one :class:`DeviceModel` on a pty pair and/or a TCP socket.

    Faults: :attr:`silent` (swallow input and send nothing: a hung device), :meth:`inject`
    (raw bytes, e.g. garbage), :meth:`unplug` / :meth:`replug` (TCP: drop and refuse the
    connection; pty: go silent, since a pty cannot disappear without changing its path).
    """

    def __init__(self, model: DeviceModel, *, name: str) -> None:
        self.model = model
        self.name = name
        self.silent = False
        self._master: int | None = None
        self._slave: int | None = None
        self._pty_path: str | None = None
        self._server: asyncio.Server | None = None
        self._tcp_host = "127.0.0.1"
        self._tcp_port = 0
        self._writer: asyncio.StreamWriter | None = None
        self._unplugged = False
        self._tx_backlog = bytearray()
        self._client_tasks: set[asyncio.Task[None]] = set()

    # -- pty -------------------------------------------------------------------------------
    async def start_pty(self) -> str:
        """Open a pty pair and return the slave path for the driver to open."""
        master, slave = pty.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._pty_path = os.ttyname(slave)
        asyncio.get_running_loop().add_reader(master, self._on_pty_readable)
        self.model.attach(self._send)
        log.debug("%s simulator on %s", self.name, self._pty_path)
        return self._pty_path

    def _on_pty_readable(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return  # EIO while nobody has the slave open: nothing to read
        self._deliver(data)

    # -- tcp -------------------------------------------------------------------------------
    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on TCP and return ``socket://host:port``."""
        self._tcp_host = host
        self._server = await asyncio.start_server(self._on_client, host, port)
        self._tcp_port = self._server.sockets[0].getsockname()[1]
        return self.tcp_url

    @property
    def tcp_url(self) -> str:
        return f"socket://{self._tcp_host}:{self._tcp_port}"

    @property
    def pty_path(self) -> str | None:
        return self._pty_path

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._unplugged:
            writer.close()
            return
        if self._writer is not None:
            self._writer.close()  # one driver at a time, the newest wins
        self._writer = writer
        self.model.attach(self._send)
        task = asyncio.current_task()
        if task is not None:
            self._client_tasks.add(task)
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                self._deliver(data)
        except (ConnectionError, OSError):
            pass
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()
            if task is not None:
                self._client_tasks.discard(task)

    # -- common ----------------------------------------------------------------------------
    def _deliver(self, data: bytes) -> None:
        if self.silent or self._unplugged:
            return
        self.model.data_received(data)

    def _send(self, data: bytes) -> None:
        if self.silent or self._unplugged:
            return
        self._write_raw(data)

    def _write_raw(self, data: bytes) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)
        if self._master is not None:
            self._tx_backlog += data
            self._flush_pty()

    def _flush_pty(self) -> None:
        assert self._master is not None
        while self._tx_backlog:
            try:
                sent = os.write(self._master, self._tx_backlog)
            except BlockingIOError:
                asyncio.get_running_loop().call_later(0.01, self._flush_pty)
                return
            except OSError:
                self._tx_backlog.clear()
                return
            del self._tx_backlog[:sent]

    def inject(self, data: bytes) -> None:
        """Write raw bytes to the driver, bypassing the model (garbage, partial frames)."""
        self._write_raw(data)

    def unplug(self) -> None:
        """Simulate pulling the cable: the connection drops and the device answers nothing."""
        self._unplugged = True
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def replug(self) -> None:
        self._unplugged = False

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        self.model.attach(None)
        if self._master is not None:
            loop.remove_reader(self._master)
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._server is not None:
            self._server.close()
            # The writer is closed above, so client handlers end by themselves; cancelling
            # them makes Python 3.11's StreamReaderProtocol report a CancelledError to the
            # loop's exception handler, so only stragglers are cancelled.
            if self._client_tasks:
                await asyncio.wait(list(self._client_tasks), timeout=1.0)
            for task in list(self._client_tasks):
                task.cancel()
            await self._server.wait_closed()
            self._server = None
