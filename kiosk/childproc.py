"""Child processes the kiosk supervises: the demo's reference middleware and sandbox gateway.

Why processes: their work (the middleware's ingest commits, the gateway's HTTP handling) would
otherwise hold the kiosk's GIL and compete with its screen thread (docs/benchmarks.md §3). In
the field the middleware is not on the kiosk at all; the demo now looks the same from inside.
Each child is ``perfume-kiosk <command> --status-lines``, started and watched here:

* **it dies with the kiosk**: it runs ``python -m kiosk.childproc PARENT_PID NICE ARGS...``,
  which asks the kernel for SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``; if the
  parent is already gone it exits), makes itself ``NICE`` steps nicer (the kiosk's screen
  first), then runs the command. The kernel's "parent" is the *thread* that forked: children
  are spawned from the event loop's thread, which lives as long as the kiosk.
* **ready when it says so**: the command prints JSON lines on stdout; :meth:`ChildProcess.start`
  returns the first ``{"<name>": "ready", ...}`` (bounded wait, no sleeping, no polling) and
  later lines update :attr:`ChildProcess.state` (e.g. ``connected`` / ``disconnected``).
* **watched without threads**: its stdout is read on the event loop (``add_reader``); end of
  file means it exited. An exit nobody asked for is logged and handed to ``on_exit``.
* **stopped in bounded time**: SIGTERM, then SIGKILL after ``stop_timeout_s``.
* **its log** (stderr) goes to ``log_path``; the previous run's log is kept as ``<name>.1``.

Linux (``prctl``) and an event loop with ``add_reader`` (asyncio's selector loop, qasync).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sync.errors import ConfigError

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class ChildDidFail(ConfigError):
    """A child exited or stayed silent before it was ready (its log says why)."""


class ChildProcess:
    """One supervised ``perfume-kiosk`` command; ``name`` is the key of its status lines."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        log_path: Path,
        nice: int = 0,
        on_exit: Callable[[ChildProcess], None] | None = None,
        ready_timeout_s: float = 60.0,
        stop_timeout_s: float = 10.0,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self.nice = nice
        self.on_exit = on_exit
        self.ready_timeout_s = ready_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.state = "new"  # then "starting", what its status lines say, "exited"
        self.report: dict[str, Any] = {}  # its ready line
        self.returncode: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._stopping = False
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._exited: asyncio.Future[int] | None = None
        self._reaping: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self.returncode is None

    @property
    def connected(self) -> bool:
        """Its last status line said ``ready`` or ``connected`` (a middleware: to its broker)."""
        return self.running and self.state in ("ready", "connected")

    def __repr__(self) -> str:
        return f"ChildProcess({self.name!r}, pid={self.pid}, state={self.state!r})"

    async def start(self) -> dict[str, Any]:
        """Spawn it and wait for its ready line (returned); stopped again if that fails."""
        if self._proc is not None:
            raise RuntimeError(f"{self.name} was started already")
        loop = asyncio.get_running_loop()
        self._ready, self._exited = loop.create_future(), loop.create_future()
        self._spawn(loop)
        try:
            async with asyncio.timeout(self.ready_timeout_s):
                return await asyncio.shield(self._ready)
        except TimeoutError:
            await self.stop()
            raise ChildDidFail(
                f"the {self.name} was not ready within {self.ready_timeout_s:g} s"
                f" (its log: {self.log_path})"
            ) from None
        except BaseException:
            await self.stop()
            raise

    def _spawn(self, loop: asyncio.AbstractEventLoop) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
        argv = [sys.executable, "-m", "kiosk.childproc", str(os.getpid()), str(self.nice)]
        with self.log_path.open("ab") as err:
            self._proc = subprocess.Popen(  # on the loop thread: see the module docstring
                [*argv, *self.args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,  # a Ctrl-C at the terminal reaches the kiosk only
            )
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._on_stdout_readable, loop)
        self.state = "starting"
        log.info("%s started (pid %d, log %s)", self.name, self._proc.pid, self.log_path)

    def _on_stdout_readable(self, loop: asyncio.AbstractEventLoop) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        try:
            data = os.read(proc.stdout.fileno(), 65536)
        except BlockingIOError:
            return
        if not data:  # end of file: it exited (or is exiting)
            loop.remove_reader(proc.stdout.fileno())
            self._reaping = loop.create_task(self._reap(), name=f"{self.name}-reap")
            return
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._on_line(line)

    def _on_line(self, line: bytes) -> None:
        try:
            status = json.loads(line)
        except ValueError:
            log.debug("%s said: %r", self.name, line[:200])
            return
        if not isinstance(status, dict) or not isinstance(status.get(self.name), str):
            return
        self.state = status[self.name]
        if self.state == "ready" and self._ready is not None and not self._ready.done():
            self.report = status
            self._ready.set_result(status)
        elif self.state != "ready":
            log.info("%s is %s", self.name, self.state)

    async def _reap(self) -> None:
        proc = self._proc
        assert proc is not None
        code = proc.poll()
        if code is None:  # its stdout closed a moment before the kernel made it a zombie
            code = await asyncio.to_thread(proc.wait)
        self._close_pipe()
        self.returncode, self.state = code, "exited"
        if self._ready is not None and not self._ready.done():
            if self._stopping:  # stopped while starting: start() is not waiting any more
                self._ready.cancel()
            else:
                self._ready.set_exception(
                    ChildDidFail(f"the {self.name} exited with {code} (its log: {self.log_path})")
                )
        if self._exited is not None and not self._exited.done():
            self._exited.set_result(code)
        if self._stopping:
            log.info("%s stopped (%s)", self.name, code)
            return
        if not self.report:  # not ready yet: start() raises ChildDidFail
            return
        log.error("%s exited unexpectedly with %s (its log: %s)", self.name, code, self.log_path)
        if self.on_exit is not None:
            self.on_exit(self)

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after ``stop_timeout_s``; returns once it has exited."""
        proc, exited = self._proc, self._exited
        if proc is None or exited is None:
            return
        self._stopping = True
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(self.stop_timeout_s):
                    await asyncio.shield(exited)
            except TimeoutError:
                log.warning("%s ignored SIGTERM for %g s: killed", self.name, self.stop_timeout_s)
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                try:  # SIGKILL cannot be ignored: its pipe closes and _reap runs
                    async with asyncio.timeout(self.stop_timeout_s):
                        await asyncio.shield(exited)
                except TimeoutError:  # only if a grandchild kept its stdout open
                    self.returncode = await asyncio.to_thread(proc.wait)
                    self.state = "exited"
                    return
        if self._reaping is not None:
            await self._reaping

    def _close_pipe(self) -> None:
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()


# -- the child's side ---------------------------------------------------------------------------
def die_with_parent(parent: int) -> None:
    """SIGTERM this process when ``parent`` dies; exit now if it already has."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    except (AttributeError, OSError) as exc:  # not Linux: only an orderly close stops us
        print(f"kiosk.childproc: cannot follow the parent: {exc}", file=sys.stderr)
    if os.getppid() != parent:
        raise SystemExit(f"kiosk.childproc: parent {parent} is gone")


def main(argv: Sequence[str]) -> int:
    """``python -m kiosk.childproc PARENT_PID NICE perfume-kiosk-args...``."""
    parent, nice, *args = argv
    die_with_parent(int(parent))
    if int(nice) > 0:
        os.nice(int(nice))
    from kiosk.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
