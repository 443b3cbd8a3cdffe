"""systemd notifications over a real unix datagram socket: a path and the abstract namespace,
the watchdog interval, the environment cleared for children, and a missing listener."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from kiosk.sdnotify import SystemdNotifier


def lines(sock: socket.socket) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_ready_status_watchdog_stopping_in_the_abstract_namespace(
    listener: tuple[socket.socket, str],
) -> None:
    sock, name = listener
    notifier = SystemdNotifier(name)
    assert notifier.status("opening devices")
    assert lines(sock) == ["STATUS=opening devices"]
    assert notifier.ready("showing\nthe screens")
    assert lines(sock) == ["READY=1", "STATUS=showing the screens"]
    assert notifier.ready_sent
    assert notifier.ready("still ready")  # READY=1 goes once
    assert lines(sock) == ["STATUS=still ready"]
    assert notifier.watchdog()
    assert lines(sock) == ["WATCHDOG=1"]
    assert notifier.stopping("bye")
    assert lines(sock) == ["STOPPING=1", "STATUS=bye"]
    notifier.close()


def test_a_socket_path_works_too(tmp_path: Path) -> None:
    short = Path("/tmp") / f"pk-{uuid.uuid4().hex[:12]}.sock"  # sun_path is 108 bytes at most
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(short))
    sock.settimeout(5)
    try:
        notifier = SystemdNotifier(str(short))
        assert notifier.ready()
        assert lines(sock) == ["READY=1"]
        notifier.close()
    finally:
        sock.close()
        short.unlink()


def test_from_environ_reads_and_clears_the_variables(listener: tuple[socket.socket, str]) -> None:
    sock, name = listener
    env = {"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "3000000", "WATCHDOG_PID": str(os.getpid())}
    notifier = SystemdNotifier.from_environ(env)
    assert env == {}  # children (mosquitto has systemd support) cannot report for us
    assert notifier.enabled and notifier.watchdog_interval_s == 1.5
    assert notifier.watchdog()
    assert lines(sock) == ["WATCHDOG=1"]
    notifier.close()


@pytest.mark.parametrize(
    ("env", "interval"),
    [
        ({"WATCHDOG_USEC": "2000000"}, 1.0),
        ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getppid())}, 1.0),  # under cage
        ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}, None),  # someone else's
        ({"WATCHDOG_USEC": "soon"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval(env: dict[str, str], interval: float | None) -> None:
    env = {"NOTIFY_SOCKET": "@pk-unused", **env}
    assert SystemdNotifier.from_environ(env, unset=False).watchdog_interval_s == interval


def test_without_a_socket_everything_is_a_no_op() -> None:
    notifier = SystemdNotifier.from_environ({})
    assert not notifier.enabled
    assert not notifier.status("x") and not notifier.watchdog() and not notifier.stopping()
    assert notifier.ready_sent is False
    notifier.ready()
    assert notifier.watchdog_interval_s is None


def test_a_relative_socket_value_is_ignored() -> None:
    assert not SystemdNotifier.from_environ({"NOTIFY_SOCKET": "notify.sock"}).enabled


def test_nobody_listening_is_logged_once_and_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    notifier = SystemdNotifier(f"@pk-nobody-{uuid.uuid4().hex}")
    assert not notifier.status("a") and not notifier.status("b") and not notifier.watchdog()
    failures = [r for r in caplog.records if "notification" in r.getMessage()]
    assert len(failures) == 1
    notifier.close()
