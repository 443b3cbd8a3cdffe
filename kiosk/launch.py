"""What ``perfume-kiosk run`` starts, in a module that imports next to nothing.

``kiosk/run.py`` fills :class:`AppOptions` before Qt is imported and ``kiosk/app.py`` shows the
attract loop from it before the machine's modules are loaded: the drivers
(:func:`hardware.config.open_devices`), the sync engine (SQLAlchemy, paho) and the purchase
flow come after the first frame. So this module names those only for the type checker, and the
demo's choices travel as :class:`DemoRequest` (plain values) until :meth:`DemoRequest.options`
makes the :class:`kiosk.demo.DemoOptions` that loads them.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.catalog import Catalog
from kiosk.config import KioskConfig
from kiosk.purchase.policy import CardPolicy
from kiosk.ui.assets import asset_path

if TYPE_CHECKING:
    from hardware.config import HardwareConfig
    from kiosk.demo import DemoOptions

log = logging.getLogger(__name__)
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)
READERS = ("mdb", "terminal")  # hardware.config.ReaderKind's values (a test keeps them equal)


@dataclass(frozen=True)
class DemoRequest:
    """``run --demo``'s choices as given: where the data lives (None: ``var/demo``), which
    reader (a :data:`READERS` value), which card policy, the attract loop's language."""

    data_dir: Path | None = None
    reader: str = "terminal"
    card_policy: CardPolicy = CardPolicy.REQUIRE_ONLINE
    language: str = "en"

    def options(self) -> DemoOptions:
        """The demo's options; imports :mod:`kiosk.demo`, and with it the whole machine."""
        from hardware.config import ReaderKind
        from kiosk.demo import DEFAULT_DATA_DIR, DemoOptions

        return DemoOptions(
            data_dir=self.data_dir or DEFAULT_DATA_DIR,
            reader=ReaderKind(self.reader),
            card_policy=self.card_policy,
            language=self.language,
        )


@dataclass(frozen=True)
class AppOptions:
    """What ``perfume-kiosk run`` starts: a configured machine (``config`` + ``hardware``) or
    the demo (``demo``), and how it is shown."""

    catalog: Catalog
    config: KioskConfig | None = None
    hardware: HardwareConfig | None = None
    demo: DemoRequest | None = None
    windowed: bool = False
    landscape: bool = False
    duration_s: float = 0.0  # stop after this long (0: run until stopped)
    started_at: float = field(default_factory=time.monotonic)

    @property
    def size(self) -> tuple[int, int]:
        return LANDSCAPE if self.landscape else PORTRAIT

    @property
    def language(self) -> str:
        """The attract loop's language, known before the machine starts."""
        if self.config is not None:
            return self.config.language
        return self.demo.language if self.demo is not None else "en"

    @property
    def idle_s(self) -> float:
        """The "still there?" timings: the configuration's, or its defaults (the demo's)."""
        return self.config.idle_s if self.config is not None else KioskConfig.idle_s

    @property
    def prompt_s(self) -> int:
        return self.config.prompt_s if self.config is not None else KioskConfig.prompt_s


def demo_catalog_path() -> Path:
    """The demo's catalog (:func:`kiosk.demo.demo_catalog_path`'s; a test keeps them equal)."""
    return asset_path("assets/catalog/demo.json")


def restart_process(environ: Mapping[str, str] | None = None) -> None:
    """Start this kiosk again after an orderly stop. Under systemd (``NOTIFY_SOCKET`` or
    ``INVOCATION_ID`` set) return: the unit's ``Restart=always`` starts a fresh process and
    keeps its watchdog and cgroup. Elsewhere (``run --demo --windowed`` on a desktop), replace
    this process with the same command line."""
    env = os.environ if environ is None else environ
    if env.get("NOTIFY_SOCKET") or env.get("INVOCATION_ID"):
        log.info("restarting: exiting for systemd to start the unit again")
        return
    log.info("restarting: %s", " ".join(sys.orig_argv))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
