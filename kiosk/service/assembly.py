"""Building the service menu from a running machine, and the demo's first technician.

:func:`build_service_menu` is what :class:`kiosk.runtime.KioskRuntime` calls once the machine
has started: the kiosk's ``[kiosk.service]`` settings become a
:class:`~kiosk.service.menu.ServiceConfig` (the service store beside the device ledger, the
provisioning file, the USB export folder, the log folder), and the menu gets the machine's
engine, settlement worker, card readers, dispenser and scanners, and the hex-trace hub whose
hooks were given to the drivers when they were opened.

The demo (``perfume-kiosk run --demo``) has no factory provisioning, and there is no default
PIN. :func:`demo_enrolment` plays the factory's part on a fresh demo data dir: it writes a
provisioning file for technician ``t-demo`` with a random **one-time** PIN (which the PIN rules
accept and which must be changed at the first login) and logs it once, so that a person trying
the demo can open the service menu (a 3-second press in the top-right corner).

:func:`attach_log_file` keeps the kiosk's log in ``log_dir`` (rotating, 3 × 5 MB) so that the
service menu's export has log files to copy.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from hardware.cardreader import CardReader
from hardware.dispenser import Dispenser
from hardware.scanner import LoyaltyScanner
from kiosk.catalog import Catalog
from kiosk.config import DEFAULT_ENROLMENT, ServiceSettings
from kiosk.purchase.settlement import SettlementWorker
from kiosk.service.errors import PinRejectedError
from kiosk.service.export import ExportConfig
from kiosk.service.hextrace import HexTraceHub
from kiosk.service.menu import ServiceConfig, ServiceMenu
from kiosk.service.pins import check_new_pin
from kiosk.service.store import STORE_FILE
from sync.engine import SyncEngine

log = logging.getLogger(__name__)
DEMO_TECHNICIAN = "t-demo"
LOG_FILE = "kiosk.log"
LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 3


def service_config(
    *,
    data_dir: Path,
    provisioning_file: Path | None,
    export_dir: Path,
    export_require_mount: bool,
    log_dir: Path | None,
    session_idle_s: float,
) -> ServiceConfig:
    """The menu's configuration from the kiosk's ``[kiosk.service]`` settings."""
    return ServiceConfig(
        data_dir=data_dir,
        provisioning_file=provisioning_file,
        export=ExportConfig(root=export_dir, require_mount=export_require_mount, log_dir=log_dir),
        idle_timeout_s=session_idle_s,
    )


def build_service_menu(
    config: ServiceConfig,
    *,
    engine: SyncEngine,
    dispenser: Dispenser,
    catalog: Catalog,
    settlement: SettlementWorker,
    readers: Sequence[CardReader],
    scanners: Sequence[LoyaltyScanner],
    traces: HexTraceHub,
    restart: Callable[[], None] | None,
) -> ServiceMenu:
    """The menu around a started machine (call :meth:`ServiceMenu.start` next)."""
    return ServiceMenu(
        config=config,
        engine=engine,
        dispenser=dispenser,
        catalog=lambda: catalog,
        settlement=settlement,
        readers=readers,
        scanners=scanners,
        traces=traces,
        restart=restart,
    )


def one_time_pin() -> str:
    """A random 6-digit PIN that the PIN rules accept (common values are drawn again)."""
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        try:
            check_new_pin(pin)
        except PinRejectedError:
            continue
        return pin


def demo_enrolment(data_dir: Path, path: Path) -> str | None:
    """On a fresh demo (no service store in ``data_dir`` yet, no file at ``path``), write the
    provisioning file for :data:`DEMO_TECHNICIAN` with a one-time PIN (mode 0600) and return
    the PIN; otherwise None (the technician was enrolled on an earlier start)."""
    if (data_dir / STORE_FILE).exists() or path.exists():
        return None
    pin = one_time_pin()
    body = {
        "v": 1,
        "action": "enrol",
        "technicianId": DEMO_TECHNICIAN,
        "name": "Demo Technician",
        "oneTimePin": pin,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle)
    log.warning(
        "demo service menu: press the top-right corner for 3 s; technician %s, one-time PIN %s"
        " (a new PIN is asked at the first login)",
        DEMO_TECHNICIAN,
        pin,
    )
    return pin


def attach_log_file(log_dir: Path) -> logging.Handler | None:
    """Add a rotating file handler for the root logger in ``log_dir``; the handler (give it to
    :func:`detach_log_file` at close), or None if the folder cannot be written (logged,
    never fatal)."""
    path = (log_dir / LOG_FILE).resolve()
    root = logging.getLogger()
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        log.error("cannot keep a log file in %s: %s", log_dir, exc)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return handler


def detach_log_file(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()


def demo_settings(data_dir: Path, provisioned: Path = DEFAULT_ENROLMENT) -> ServiceSettings:
    """The demo's ``[kiosk.service]``: exports to ``<data dir>/usb`` (a plain folder standing
    in for a stick), logs in ``<data dir>/logs``, and the first technician: the machine's own
    (``provisioned``, written by first-boot provisioning: the OS image runs the demo) when
    there is one, else, on a fresh data dir, one with a one-time PIN (:func:`demo_enrolment`)."""
    device_dir = data_dir / "device"  # kiosk.demo.demo_config's ledger folder
    provisioning = provisioned
    if not provisioned.is_file():
        provisioning = data_dir / "technician-enrolment.json"
        demo_enrolment(device_dir, provisioning)
    return ServiceSettings(
        provisioning_file=provisioning,
        export_dir=data_dir / "usb",
        export_require_mount=False,
        log_dir=data_dir / "logs",
    )
