"""systemd's notification protocol without python-systemd: ``READY=1``, ``STATUS=``,
``WATCHDOG=1`` and ``STOPPING=1`` as datagrams on ``$NOTIFY_SOCKET``.

:meth:`SystemdNotifier.from_environ` reads ``NOTIFY_SOCKET`` (a path, or ``@name`` for the
abstract namespace) and ``WATCHDOG_USEC``, and by default removes them (and ``WATCHDOG_PID``)
from the environment so that no child process (Mosquitto in the demo is built with systemd
support) can report readiness for the kiosk. Without a socket every call is a no-op. Sending
never raises: a notification that cannot be delivered is logged once.

The watchdog interval honours ``WATCHDOG_PID`` when it names another process, except our parent:
under ``cage`` the service's main process is the compositor and the kiosk its child
(``NotifyAccess=all``).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import MutableMapping

log = logging.getLogger(__name__)

ENV_KEYS = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


def socket_address(value: str) -> str | bytes:
    """The ``connect``/``sendto`` address of a ``NOTIFY_SOCKET`` value ('@' = abstract)."""
    if value.startswith("@"):
        return b"\0" + value[1:].encode()
    return value


class SystemdNotifier:
    def __init__(self, address: str | None, *, watchdog_usec: int = 0) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec
        self._sock: socket.socket | None = None
        self._failed = False
        self.ready_sent = False

    @classmethod
    def from_environ(
        cls, environ: MutableMapping[str, str] | None = None, *, unset: bool = True
    ) -> SystemdNotifier:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET") or None
        if address is not None and not address.startswith(("/", "@")):
            log.warning("ignoring NOTIFY_SOCKET %r: not a path or @abstract name", address)
            address = None
        usec = _watchdog_usec(env)
        if unset:
            for key in ENV_KEYS:
                env.pop(key, None)
        return cls(address, watchdog_usec=usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often to send ``WATCHDOG=1``: half the watchdog timeout; None when unarmed."""
        if not self.enabled or self.watchdog_usec <= 0:
            return None
        return self.watchdog_usec / 2 / 1_000_000

    def notify(self, *lines: str) -> bool:
        """Send ``lines`` (``KEY=value``) as one datagram; False when not sent."""
        if self.address is None:
            return False
        payload = "\n".join(lines).encode("utf-8", "replace")
        try:
            if self._sock is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                sock.setblocking(False)
                self._sock = sock
            self._sock.sendto(payload, socket_address(self.address))
        except OSError as exc:
            if not self._failed:
                log.warning("systemd notification to %s failed: %s", self.address, exc)
                self._failed = True
            return False
        if self._failed:
            log.info("systemd notifications to %s work again", self.address)
            self._failed = False
        return True

    def ready(self, status: str = "") -> bool:
        """``READY=1`` (once; later calls only update the status)."""
        lines = [f"STATUS={_one_line(status)}"] if status else []
        if not self.ready_sent:
            lines.insert(0, "READY=1")
            self.ready_sent = self.notify(*lines) or self.address is None
            return self.ready_sent
        return self.notify(*lines) if lines else False

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={_one_line(text)}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str = "") -> bool:
        lines = ["STOPPING=1"]
        if status:
            lines.append(f"STATUS={_one_line(status)}")
        return self.notify(*lines)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _watchdog_usec(env: MutableMapping[str, str]) -> int:
    text = env.get("WATCHDOG_USEC", "")
    try:
        usec = int(text) if text else 0
    except ValueError:
        log.warning("ignoring WATCHDOG_USEC %r: not a number", text)
        return 0
    pid_text = env.get("WATCHDOG_PID", "")
    if pid_text and usec > 0:
        try:
            pid = int(pid_text)
        except ValueError:
            return 0
        if pid not in (os.getpid(), os.getppid()):
            log.info("the systemd watchdog is armed for process %d, not this one", pid)
            return 0
    return max(usec, 0)
