"""``perfume-kiosk run``: start the kiosk.

* ``run [--config FILE]``: the machine's configuration (``kiosk.config``: ``[kiosk]`` and
  ``[hardware]``), full screen. The file is checked before anything starts; a broken one is one
  line on stderr and exit status 2 (under systemd, after a pause, so that ``Restart=always``
  does not spin).
* ``run --demo [--windowed] [--landscape]``: every hardware simulator, data in ``--data-dir``
  (default var/demo) and, when ``mosquitto`` is installed, a local broker, the reference
  middleware and the sandbox payment gateway (``kiosk.demo``). ``--windowed`` is a portrait
  window scaled to fit the desktop (``--landscape``: 1920 × 1080).
* ``run --demo --headless``: no screen; the machine's ledger and sync engine selling at a gentle
  pace, one status line every few seconds (the benchmarks' and sync demos' seller).

``--duration S`` stops any of them after S seconds (tests, benchmarks). SIGTERM and SIGINT stop
them in order and exit 0. The screens are built in ``kiosk/ui`` and ``kiosk/app.py``; Qt is
imported only there.

With a window, this module imports only what checks the arguments, the configuration and the
catalog (:mod:`kiosk.launch`); :mod:`kiosk.ui.startup` then paints the attract loop, and
asyncio, qasync, the drivers, the sync engine (SQLAlchemy, paho) and the purchase flow load
after that first frame (``kiosk/app.py``). A configured machine's file
is checked whole before Qt starts: its ``[hardware]`` table brings :mod:`hardware.config`'s
values and check but no driver (the devices open after the frame), its ``broker_url`` paho and
asyncio (:mod:`sync.mqtt`); ``--headless`` (:mod:`kiosk.headless`) imports what it needs at once.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.catalog import Catalog, CatalogError
from kiosk.config import (
    LANGUAGE_CODES,
    AppConfig,
    KioskConfigError,
    default_config_path,
    load_config,
)
from kiosk.launch import READERS, AppOptions, DemoRequest, demo_catalog_path
from kiosk.purchase.policy import CardPolicy
from kiosk.sdnotify import SystemdNotifier

log = logging.getLogger(__name__)
CONFIG_ERROR_PAUSE_S = 3.0  # under systemd: wait before exiting on a broken configuration


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="start the kiosk")
    run.add_argument("--config", type=Path, default=None, help="TOML file ([kiosk], [hardware])")
    run.add_argument(
        "--demo",
        action="store_true",
        help="every hardware simulator, local broker, middleware and payment gateway",
    )
    run.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    run.add_argument("--landscape", action="store_true", help="windowed 1920x1080")
    run.add_argument("--headless", action="store_true", help="demo without a screen")
    run.add_argument("--duration", type=float, default=0.0, help="stop after S seconds (0: never)")
    demo = run.add_argument_group("demo options")
    demo.add_argument("--data-dir", type=Path, default=None, help="default var/demo")
    demo.add_argument("--catalog", type=Path, default=None, help="catalog JSON")
    demo.add_argument("--reader", choices=READERS, default="terminal")
    demo.add_argument(
        "--card-policy", choices=[p.value for p in CardPolicy], default="require_online"
    )
    demo.add_argument("--language", choices=LANGUAGE_CODES, default="en")
    demo.add_argument("--rate", type=float, default=0.5, help="headless: sales per second")
    demo.add_argument("--status-every", type=float, default=5.0, help="headless: seconds")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.headless:
        if not args.demo:
            return _usage_error("--headless needs --demo")
        import asyncio

        from kiosk.headless import run_headless

        return asyncio.run(run_headless(args))
    if args.duration < 0:
        return _usage_error("--duration must be >= 0")
    try:
        options = _options(args)
    except (KioskConfigError, CatalogError) as exc:
        return config_error(str(exc))
    # Qt is imported here, after the checks; asyncio, qasync and the machine after the frame.
    startup = importlib.import_module("kiosk.ui.startup")
    first = startup.show_first_frame(options, SystemdNotifier.from_environ())
    app = importlib.import_module("kiosk.app")
    return int(app.run_app(options, first=first))


def _options(args: argparse.Namespace) -> AppOptions:
    started_at = time.monotonic()
    common = {
        "windowed": args.windowed,
        "landscape": args.landscape,
        "duration_s": args.duration,
        "started_at": started_at,
    }
    if args.demo:
        catalog_path = args.catalog or demo_catalog_path()
        return AppOptions(
            catalog=_catalog(catalog_path, "--catalog"),
            demo=DemoRequest(
                data_dir=args.data_dir,
                reader=args.reader,
                card_policy=CardPolicy(args.card_policy),
                language=args.language,
            ),
            **common,
        )
    loaded = _load_config(args.config or default_config_path())
    catalog = _catalog(loaded.kiosk.catalog, f"{loaded.path}: kiosk.catalog")
    return AppOptions(catalog=catalog, config=loaded.kiosk, hardware=loaded.hardware, **common)


def _load_config(path: Path) -> AppConfig:
    """The whole file checked; a bad ``[hardware]`` table is a configuration error too."""
    from hardware.config import HardwareConfigError  # load_config imports it anyway

    try:
        return load_config(path)
    except HardwareConfigError as exc:
        raise KioskConfigError(str(exc)) from None


def _catalog(path: Path, where: str) -> Catalog:
    try:
        return Catalog.load(path)
    except OSError as exc:
        raise KioskConfigError(f"{where}: cannot read {path}: {exc.strerror}") from None
    except CatalogError as exc:
        raise KioskConfigError(f"{where}: {path} is not a valid catalog: {exc}") from None


def config_error(message: str) -> int:
    """One line on stderr and status 2; under systemd first a STATUS line and a pause."""
    line = " ".join(message.split())
    print(f"perfume-kiosk: error: {line}", file=sys.stderr, flush=True)
    if os.environ.get("NOTIFY_SOCKET"):
        notifier = SystemdNotifier.from_environ()
        notifier.status(f"configuration error: {line}")
        notifier.close()
        time.sleep(CONFIG_ERROR_PAUSE_S)
    return 2


def _usage_error(message: str) -> int:
    print(f"perfume-kiosk run: error: {message}", file=sys.stderr, flush=True)
    return 2
