"""A local Mosquitto broker on a free port: for the kiosk's demo mode, the tests and the
benchmarks. ``stop()``/``kill()`` and ``start()`` keep the same port, so a test can take the
broker away and bring it back.

``die_with_parent=True`` (the demo's broker) runs it under ``setpriv --pdeathsig TERM``
(util-linux), so the kernel stops it when the thread that spawned it dies, even by kill -9.
That thread must live as long as the owner: :meth:`Broker.spawn` on the event loop's thread,
then :meth:`Broker.wait_listening` anywhere (it blocks)."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from sync.errors import ConfigError

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None
    )
    if found is None:
        raise ConfigError("mosquitto is not installed (apt-get install mosquitto)")
    return found


class Broker:
    """One Mosquitto process; ``stop()``/``kill()`` and ``start()`` keep the same port."""

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        persistence: bool = True,
        die_with_parent: bool = False,
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.persistence = persistence
        self.die_with_parent = die_with_parent
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "mosquitto.conf"
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            f"persistence {'true' if persistence else 'false'}",
            f"persistence_location {workdir}/",
            "autosave_interval 1",
            "max_queued_messages 100000",
            "max_inflight_messages 0",
            f"log_dest file {workdir}/mosquitto.log",
            # Run as root, mosquitto would switch to its own user: its files here are ours,
            # and a change of user clears the parent-death signal (prctl(2)).
            f"user {pwd.getpwuid(os.geteuid()).pw_name}",
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Spawn it and wait until it listens (see the module doc for ``die_with_parent``)."""
        self.spawn()
        self.wait_listening(timeout)

    def spawn(self) -> None:
        """Start the process and return at once."""
        argv = [mosquitto_binary(), "-c", str(self.conf)]
        if self.die_with_parent:
            setpriv = shutil.which("setpriv")
            if setpriv is not None:
                argv = [setpriv, "--pdeathsig", "TERM", *argv]
            else:
                log.warning("setpriv is not installed: mosquitto may outlive a killed kiosk")
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_listening(self, timeout: float = 10.0) -> None:
        """Block until the spawned broker accepts connections; an error if it exits first."""
        if self.proc is None:
            raise ConfigError("mosquitto was not started")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.workdir / "mosquitto.log").read_text(errors="replace")[-2000:]
                raise ConfigError(f"mosquitto exited with {self.proc.returncode}: {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise ConfigError(f"mosquitto did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
