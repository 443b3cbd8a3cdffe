"""Fixtures shared by the kiosk's tests."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

from kiosk.sdnotify import socket_address


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's ``NOTIFY_SOCKET`` (abstract name), and the
    name to give the notifier."""
    name = f"@pk-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(socket_address(name))
    sock.setblocking(False)
    yield sock, name
    sock.close()
