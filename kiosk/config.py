"""The kiosk's configuration file: one TOML file with a ``[kiosk]`` table and the ``[hardware]``
table (read by :mod:`hardware.config`).

::

    [kiosk]
    device_id = "pk-0001"                 # required; 1-64 of letters, digits, '_', '.', '-'
    data_dir = "/data/perfume-kiosk/ledger"  # required; the device ledger lives here
    broker_url = "mqtts://mw.example:8883"   # required; mqtt:// or mqtts://
    ca_file = "certs/ca.pem"              # optional, mqtts only (default: the system's CAs)
    cert_file = "certs/device.pem"        # optional, mqtts only, together with key_file
    key_file = "certs/device.key"
    catalog = "catalog.json"              # required; the catalog JSON file
    card_policy = "require_online"        # or "capped_offline"
    unknown_dispense = "void"             # or "leave": when a dispense outcome stays unknown
    payment_timeout_s = 60
    idle_s = 60                           # idle time before the "still there?" prompt
    prompt_s = 10                         # how long the prompt waits for an answer
    language = "en"                       # "en", "fr" or "ar": the attract loop's language
    receipt_base_url = "https://receipts.example/r/"
    spray_countdown_s = 3                 # "hold your wrist under the nozzle" before a spray
    loyalty_offline_daily_cap_points = 0  # points redeemable per local day while offline
    timezone = "Europe/Paris"             # the kiosk's local day (default: the catalog's)

    [kiosk.service]                       # the technician's service menu (ServiceSettings)
    provisioning_file = "/data/perfume-kiosk/config/technician-enrolment.json"
    export_dir = "/media/usb"             # a USB stick's mount point for exports
    log_dir = "/data/perfume-kiosk/logs"   # default: "logs" beside data_dir's folder
    session_idle_s = 900

    [kiosk.offline_caps]                  # capped_offline only (defaults: OfflineCaps)
    per_sale_minor = 2000
    daily_total_minor = 20000
    max_pending = 20
    max_age_s = 86400
    exclude_bottles = true

Relative paths are resolved against the configuration file's folder. :func:`load_config` checks
everything before anything starts and raises :class:`KioskConfigError` with one sentence
naming the file and the field; a bad ``[hardware]`` table raises
:class:`hardware.config.HardwareConfigError` the same way.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.config_reader import KioskConfigError as KioskConfigError  # re-exported
from kiosk.config_reader import TableReader
from kiosk.purchase.model import FlowConfig, UnknownDispensePolicy
from kiosk.purchase.policy import CardPolicy, OfflineCaps
from sync.broker_url import parse_broker_url
from sync.errors import ConfigError, ProtocolError
from sync.protocol import validate_device_id

# Imported where used: the [hardware] check (hardware.config: no driver, yet not the demo's),
# the machine and journey (sync.engine, SQLAlchemy) and paho (sync.mqtt) are not needed to
# paint the attract loop's first frame.
if TYPE_CHECKING:
    from hardware.config import HardwareConfig
    from kiosk.journey import JourneyConfig
    from kiosk.machine import MachineConfig
    from sync.mqtt import BrokerConfig

LANGUAGE_CODES = ("en", "fr", "ar")
RECEIPT_BASE_URL = "https://receipts.sillage.example/r/"  # JourneyConfig's default
DEFAULT_CONFIG = Path("/etc/perfume-kiosk/kiosk.toml")
_KNOWN = frozenset(
    {
        "device_id",
        "data_dir",
        "broker_url",
        "ca_file",
        "cert_file",
        "key_file",
        "catalog",
        "card_policy",
        "offline_caps",
        "unknown_dispense",
        "payment_timeout_s",
        "idle_s",
        "prompt_s",
        "language",
        "receipt_base_url",
        "spray_countdown_s",
        "loyalty_offline_daily_cap_points",
        "timezone",
        "service",
    }
)
_CAPS = frozenset(
    {"per_sale_minor", "daily_total_minor", "max_pending", "max_age_s", "exclude_bottles"}
)
_SERVICE = frozenset(
    {"provisioning_file", "export_dir", "export_require_mount", "log_dir", "session_idle_s"}
)
DEFAULT_ENROLMENT = Path("/data/perfume-kiosk/config/technician-enrolment.json")


@dataclass(frozen=True)
class ServiceSettings:
    """The ``[kiosk.service]`` table: where the technician's service menu reads and writes.

    ``provisioning_file``: the first technician's enrolment (written by first-boot
    provisioning, consumed and deleted by the menu); ``export_dir``: where a USB stick is
    mounted for log and audit exports (``export_require_mount``: refuse a plain folder);
    ``log_dir``: the kiosk's log files the export copies; ``session_idle_s``: a technician's
    session ends after this long without a touch (15 minutes)."""

    provisioning_file: Path | None = None
    export_dir: Path = Path("/media/usb")
    export_require_mount: bool = True
    log_dir: Path | None = None
    session_idle_s: float = 900.0


@dataclass(frozen=True, kw_only=True)
class KioskConfig:
    """The ``[kiosk]`` table, checked."""

    device_id: str
    data_dir: Path
    broker_url: str
    catalog: Path
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    card_policy: CardPolicy = CardPolicy.REQUIRE_ONLINE
    offline_caps: OfflineCaps = field(default_factory=OfflineCaps)
    unknown_dispense: UnknownDispensePolicy = UnknownDispensePolicy.VOID
    payment_timeout_s: float = 60.0
    idle_s: float = 60.0
    prompt_s: int = 10
    language: str = "en"
    receipt_base_url: str = RECEIPT_BASE_URL
    spray_countdown_s: float = 3.0
    loyalty_offline_daily_cap_points: int = 0
    timezone: str | None = None  # None: the catalog's zone
    service: ServiceSettings = field(default_factory=ServiceSettings)

    def broker(self) -> BrokerConfig:
        from sync.mqtt import BrokerConfig

        def text(path: Path | None) -> str | None:
            return None if path is None else str(path)

        return BrokerConfig(
            url=self.broker_url,
            client_id=self.device_id,
            ca_file=text(self.ca_file),
            cert_file=text(self.cert_file),
            key_file=text(self.key_file),
        )

    def flow(self) -> FlowConfig:
        return FlowConfig(
            payment_timeout_s=self.payment_timeout_s,
            card_policy=self.card_policy,
            offline_caps=self.offline_caps,
            unknown_dispense=self.unknown_dispense,
            spray_lead_s=self.spray_countdown_s,
            loyalty_offline_daily_cap_points=self.loyalty_offline_daily_cap_points,
            timezone=self.timezone or _catalog_timezone(self.catalog),
        )

    def machine(self) -> MachineConfig:
        from kiosk.machine import MachineConfig

        return MachineConfig(
            device_id=self.device_id,
            data_dir=self.data_dir,
            broker=self.broker(),
            flow=self.flow(),
        )

    def journey(self) -> JourneyConfig:
        from kiosk.journey import JourneyConfig

        return JourneyConfig(receipt_base_url=self.receipt_base_url)


@dataclass(frozen=True)
class AppConfig:
    """Everything one configuration file says: the kiosk and its hardware."""

    kiosk: KioskConfig
    hardware: HardwareConfig
    path: Path


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$PERFUME_KIOSK_CONFIG``, else ``$PERFUME_KIOSK_DATA/kiosk.toml``, else
    ``/etc/perfume-kiosk/kiosk.toml``."""
    env = os.environ if environ is None else environ
    if env.get("PERFUME_KIOSK_CONFIG"):
        return Path(env["PERFUME_KIOSK_CONFIG"])
    if env.get("PERFUME_KIOSK_DATA"):
        return Path(env["PERFUME_KIOSK_DATA"]) / "kiosk.toml"
    return DEFAULT_CONFIG


def load_config(path: str | Path) -> AppConfig:
    """Read and check the whole file (``[kiosk]`` and ``[hardware]``)."""
    path = Path(path)
    where = str(path)
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise KioskConfigError(f"{where}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KioskConfigError(f"{where}: cannot read the file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise KioskConfigError(f"{where}: not valid TOML: {exc}") from None
    for table in ("kiosk", "hardware"):
        if table not in document:
            raise KioskConfigError(f"{where}: no [{table}] table")
    unknown = sorted(set(document) - {"kiosk", "hardware"})
    if unknown:
        raise KioskConfigError(f"{where}: [{unknown[0]}] is not a known table (kiosk, hardware)")
    kiosk = parse_kiosk_config(document["kiosk"], where=where, base=path.resolve().parent)
    from hardware.config import parse_hardware_config  # only for a configured machine

    hardware = parse_hardware_config(document["hardware"], where=where)
    if not hardware.card_readers:
        raise KioskConfigError(f"{where}: hardware.card_readers must list at least one reader")
    if hardware.dispenser is None:
        raise KioskConfigError(f"{where}: hardware.dispenser is missing")
    return AppConfig(kiosk=kiosk, hardware=hardware, path=path)


def parse_kiosk_config(table: object, *, where: str = "<config>", base: Path) -> KioskConfig:
    """Check a ``[kiosk]`` table already parsed from TOML; relative paths start at ``base``."""
    r = TableReader(table, f"{where}: kiosk", base, known=_KNOWN)
    device_id = r.text("device_id")
    try:
        validate_device_id(device_id)
    except ProtocolError as exc:
        r.fail("device_id", str(exc).removeprefix("bad device id "))
    broker_url = r.text("broker_url")
    try:
        tls, _host, _port = parse_broker_url(broker_url)
    except ConfigError as exc:
        r.fail("broker_url", f"must be mqtt://host:port or mqtts://host:port ({exc})")
    ca_file, cert_file, key_file = (r.file(k) for k in ("ca_file", "cert_file", "key_file"))
    if not tls:
        for name, value in (("ca_file", ca_file), ("cert_file", cert_file), ("key_file", key_file)):
            if value is not None:
                r.fail(name, "applies to mqtts:// broker URLs only")
    if (cert_file is None) != (key_file is None):
        r.fail("cert_file" if cert_file is None else "key_file", "is needed with the other one")
    return KioskConfig(
        device_id=device_id,
        data_dir=r.path("data_dir"),
        broker_url=broker_url,
        catalog=r.existing_file("catalog"),
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        card_policy=r.choice("card_policy", CardPolicy, CardPolicy.REQUIRE_ONLINE),
        offline_caps=_caps(r),
        unknown_dispense=r.choice(
            "unknown_dispense", UnknownDispensePolicy, UnknownDispensePolicy.VOID
        ),
        payment_timeout_s=r.number("payment_timeout_s", 60.0, lo=5.0, hi=600.0),
        idle_s=r.number("idle_s", 60.0, lo=5.0, hi=3600.0),
        prompt_s=r.integer("prompt_s", 10, lo=1, hi=120),
        language=r.one_of("language", LANGUAGE_CODES, "en"),
        receipt_base_url=r.url("receipt_base_url", RECEIPT_BASE_URL),
        spray_countdown_s=r.number("spray_countdown_s", 3.0, lo=0.0, hi=10.0),
        loyalty_offline_daily_cap_points=r.integer(
            "loyalty_offline_daily_cap_points", 0, lo=0, hi=1_000_000
        ),
        timezone=_zone(r),
        service=_service(r, r.path("data_dir")),
    )


def _zone(r: TableReader) -> str | None:
    if "timezone" not in r.table:
        return None
    name = r.text("timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        r.fail("timezone", f"is not a known IANA time zone: {name!r}")
    return name


def _catalog_timezone(path: Path) -> str:
    """The catalog's own zone (its promotion windows' zone), or UTC if it cannot be read."""
    try:
        zone = json.loads(path.read_text(encoding="utf-8")).get("timezone")
    except (OSError, ValueError, AttributeError):
        return "UTC"
    return zone if isinstance(zone, str) and zone else "UTC"


def _service(r: TableReader, data_dir: Path) -> ServiceSettings:
    """``[kiosk.service]``; without ``provisioning_file``, the first-boot provisioning's file
    when it is there (a fresh machine's first technician); without ``log_dir``, ``logs``
    beside the ledger's folder (so that an export always has the kiosk's log)."""
    d = ServiceSettings()
    table = r.table.get("service", {})
    s = TableReader(table, f"{r.where}.service", r.base, known=_SERVICE)
    provisioning = s.path("provisioning_file") if "provisioning_file" in table else None
    if provisioning is None and DEFAULT_ENROLMENT.is_file():
        provisioning = DEFAULT_ENROLMENT
    return ServiceSettings(
        provisioning_file=provisioning,
        export_dir=s.path("export_dir") if "export_dir" in table else d.export_dir,
        export_require_mount=s.flag("export_require_mount", d.export_require_mount),
        log_dir=s.path("log_dir") if "log_dir" in table else data_dir.parent / "logs",
        session_idle_s=s.number("session_idle_s", d.session_idle_s, lo=60.0, hi=3600.0),
    )


def _caps(r: TableReader) -> OfflineCaps:
    if "offline_caps" not in r.table:
        return OfflineCaps()
    c = TableReader(r.table["offline_caps"], f"{r.where}.offline_caps", r.base, known=_CAPS)
    d = OfflineCaps()
    return OfflineCaps(
        per_sale_minor=c.integer("per_sale_minor", d.per_sale_minor, lo=0),
        daily_total_minor=c.integer("daily_total_minor", d.daily_total_minor, lo=0),
        max_pending=c.integer("max_pending", d.max_pending, lo=0),
        max_age_s=c.number("max_age_s", d.max_age_s, lo=0.0, hi=7 * 24 * 3600.0),
        exclude_bottles=c.flag("exclude_bottles", d.exclude_bottles),
    )
