"""The kiosk configuration file: a full file round trip, defaults, and one clear error naming
the field for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.config import HardwareConfigError, ReaderKind
from kiosk.config import (
    DEFAULT_CONFIG,
    KioskConfigError,
    ServiceSettings,
    default_config_path,
    load_config,
)
from kiosk.purchase.model import UnknownDispensePolicy
from kiosk.purchase.policy import CardPolicy, OfflineCaps

CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "demo.json"
HARDWARE = """
[[hardware.card_readers]]
kind = "terminal"
url = "sim://"

[hardware.dispenser]
url = "sim://"
"""


def write(tmp_path: Path, kiosk: str, hardware: str = HARDWARE) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f"[kiosk]\n{kiosk}\n{hardware}")
    return path


MINIMAL = f"""
device_id = "pk-0001"
data_dir = "ledger"
broker_url = "mqtt://mw.example:1883"
catalog = "{CATALOG}"
"""


def test_minimal_file_gets_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    k = config.kiosk
    assert (k.device_id, k.broker_url) == ("pk-0001", "mqtt://mw.example:1883")
    assert k.data_dir == tmp_path / "ledger"  # relative to the file's folder
    assert k.catalog == CATALOG
    assert k.card_policy is CardPolicy.REQUIRE_ONLINE
    assert k.offline_caps == OfflineCaps()
    assert k.unknown_dispense is UnknownDispensePolicy.VOID
    assert (k.payment_timeout_s, k.idle_s, k.prompt_s, k.language) == (60.0, 60.0, 10, "en")
    assert config.hardware.card_readers[0].kind is ReaderKind.TERMINAL
    machine = k.machine()
    assert machine.device_id == "pk-0001" and machine.data_dir == tmp_path / "ledger"
    assert machine.broker.client_id == "pk-0001" and machine.broker.cert_file is None


def test_every_field_is_read(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("ca.pem", "device.pem", "device.key"):
        (certs / name).write_text("-----BEGIN-----\n")
    text = f"""
device_id = "pk-0042"
data_dir = "/data/perfume-kiosk/ledger"
broker_url = "mqtts://mw.example:8883"
ca_file = "certs/ca.pem"
cert_file = "certs/device.pem"
key_file = "certs/device.key"
catalog = "{CATALOG}"
card_policy = "capped_offline"
unknown_dispense = "leave"
payment_timeout_s = 45
idle_s = 90.5
prompt_s = 15
language = "ar"
receipt_base_url = "https://receipts.example/r/"

[kiosk.offline_caps]
per_sale_minor = 1500
daily_total_minor = 9000
max_pending = 5
max_age_s = 3600
exclude_bottles = false
"""
    k = load_config(write(tmp_path, text)).kiosk
    assert k.data_dir == Path("/data/perfume-kiosk/ledger")
    assert k.card_policy is CardPolicy.CAPPED_OFFLINE
    assert k.offline_caps == OfflineCaps(1500, 9000, 5, 3600.0, False)
    assert k.unknown_dispense is UnknownDispensePolicy.LEAVE
    assert (k.payment_timeout_s, k.idle_s, k.prompt_s, k.language) == (45.0, 90.5, 15, "ar")
    flow = k.flow()
    assert flow.card_policy is CardPolicy.CAPPED_OFFLINE and flow.payment_timeout_s == 45.0
    assert flow.offline_caps.max_pending == 5
    broker = k.broker()
    assert (broker.ca_file, broker.cert_file, broker.key_file) == (
        str(certs / "ca.pem"),
        str(certs / "device.pem"),
        str(certs / "device.key"),
    )
    assert k.journey().receipt_base_url == "https://receipts.example/r/"


def _replace(key: str, value: str) -> str:
    lines = [line for line in MINIMAL.strip().splitlines() if not line.startswith(f"{key} ")]
    return "\n".join(lines) + (f"\n{key} = {value}" if value else "")


# (what is wrong, [kiosk] text, the field the message must name, a phrase it must contain)
BROKEN = [
    ("device id missing", _replace("device_id", ""), "kiosk.device_id", "missing"),
    ("device id bad", _replace("device_id", '"pk 1"'), "kiosk.device_id", "letters"),
    ("device id a number", _replace("device_id", "7"), "kiosk.device_id", "string"),
    ("data dir empty", _replace("data_dir", '""'), "kiosk.data_dir", "empty"),
    ("broker url", _replace("broker_url", '"http://x"'), "kiosk.broker_url", "mqtt://"),
    ("catalog missing", _replace("catalog", '"nope.json"'), "kiosk.catalog", "not a file"),
    ("policy", _replace("card_policy", '"sometimes"'), "kiosk.card_policy", "capped_offline"),
    ("unknown dispense", _replace("unknown_dispense", '"keep"'), "kiosk.unknown_dispense", "void"),
    ("timeout", _replace("payment_timeout_s", "0"), "kiosk.payment_timeout_s", "between"),
    ("idle text", _replace("idle_s", '"60"'), "kiosk.idle_s", "number"),
    ("idle negative", _replace("idle_s", "-1"), "kiosk.idle_s", "between"),
    ("prompt float", _replace("prompt_s", "2.5"), "kiosk.prompt_s", "whole number"),
    ("prompt bool", _replace("prompt_s", "true"), "kiosk.prompt_s", "whole number"),
    ("language", _replace("language", '"de"'), "kiosk.language", "'fr'"),
    ("receipt url", _replace("receipt_base_url", '"ftp://x/"'), "kiosk.receipt_base_url", "http"),
    ("unknown key", _replace("idle_seconds", "60"), "kiosk.idle_seconds", "not a known key"),
    (
        "caps type",
        MINIMAL + "[kiosk.offline_caps]\nmax_pending = -1\n",
        "kiosk.offline_caps.max_pending",
        ">= 0",
    ),
    (
        "caps key",
        MINIMAL + "[kiosk.offline_caps]\nper_sale = 1\n",
        "kiosk.offline_caps.per_sale",
        "not a known key",
    ),
    (
        "caps flag",
        MINIMAL + "[kiosk.offline_caps]\nexclude_bottles = 1\n",
        "kiosk.offline_caps.exclude_bottles",
        "true or false",
    ),
    (
        "service key",
        MINIMAL + "[kiosk.service]\nexport = 'usb'\n",
        "kiosk.service.export",
        "not a known key",
    ),
    (
        "service idle",
        MINIMAL + "[kiosk.service]\nsession_idle_s = 5\n",
        "kiosk.service.session_idle_s",
        "between 60 and 3600",
    ),
    (
        "service mount flag",
        MINIMAL + "[kiosk.service]\nexport_require_mount = 'no'\n",
        "kiosk.service.export_require_mount",
        "true or false",
    ),
    (
        "tls on plain mqtt",
        MINIMAL + f'ca_file = "{CATALOG}"\n',
        "kiosk.ca_file",
        "mqtts",
    ),
]


@pytest.mark.parametrize(
    ("text", "field", "phrase"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_a_broken_field_is_one_clear_error(
    tmp_path: Path, text: str, field: str, phrase: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(KioskConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field} ")
    assert phrase in message
    assert "\n" not in message
    # ... and the fixed file loads.
    assert load_config(write(tmp_path, MINIMAL)).kiosk.device_id == "pk-0001"


def test_tls_certificate_and_key_go_together(tmp_path: Path) -> None:
    cert = tmp_path / "device.pem"
    cert.write_text("x")
    text = _replace("broker_url", '"mqtts://mw.example:8883"') + f'\ncert_file = "{cert}"'
    with pytest.raises(KioskConfigError, match=r"kiosk\.key_file is needed"):
        load_config(write(tmp_path, text))
    missing = text + '\nkey_file = "device.key"'
    with pytest.raises(KioskConfigError, match=r"kiosk\.key_file .*device\.key is not a file"):
        load_config(write(tmp_path, missing))
    (tmp_path / "device.key").write_text("k")
    assert load_config(write(tmp_path, missing)).kiosk.key_file == tmp_path / "device.key"


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("[kiosk\n", "not valid TOML"),
        (HARDWARE, "no [kiosk] table"),
        (f"[kiosk]\n{MINIMAL}", "no [hardware] table"),
        (f"[kiosk]\n{MINIMAL}{HARDWARE}\n[service]\npin = 1\n", "[service] is not a known table"),
        (f"[kiosk]\n{MINIMAL}\n[hardware]\n", "hardware.card_readers must list"),
    ],
)
def test_file_level_errors(tmp_path: Path, content: str, phrase: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(content)
    with pytest.raises(KioskConfigError) as caught:
        load_config(path)
    assert phrase in str(caught.value) and str(caught.value).startswith(str(path))


def test_missing_file_and_hardware_errors(tmp_path: Path) -> None:
    with pytest.raises(KioskConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.toml")
    bad_hw = '[[hardware.card_readers]]\nkind = "cash"\nurl = "sim://"\n'
    with pytest.raises(HardwareConfigError, match=r"hardware\.card_readers\[0\]\.kind"):
        load_config(write(tmp_path, MINIMAL, bad_hw))


def test_default_path_follows_the_environment() -> None:
    assert default_config_path({}) == DEFAULT_CONFIG
    assert default_config_path({"PERFUME_KIOSK_DATA": "/data/pk"}) == Path("/data/pk/kiosk.toml")
    env = {"PERFUME_KIOSK_DATA": "/data/pk", "PERFUME_KIOSK_CONFIG": "/etc/pk.toml"}
    assert default_config_path(env) == Path("/etc/pk.toml")


def test_the_service_table(tmp_path: Path) -> None:
    default = load_config(write(tmp_path, MINIMAL)).kiosk.service
    # no provisioning file on this machine's /data; the log beside the ledger's folder
    assert default == ServiceSettings(log_dir=tmp_path / "logs")
    assert (default.export_dir, default.export_require_mount) == (Path("/media/usb"), True)
    assert default.session_idle_s == 900.0  # 15 minutes
    text = MINIMAL + (
        "[kiosk.service]\n"
        'provisioning_file = "enrol.json"\n'
        'export_dir = "/mnt/stick"\n'
        "export_require_mount = false\n"
        'log_dir = "logs"\n'
        "session_idle_s = 600\n"
    )
    service = load_config(write(tmp_path, text)).kiosk.service
    assert service == ServiceSettings(
        provisioning_file=tmp_path / "enrol.json",
        export_dir=Path("/mnt/stick"),
        export_require_mount=False,
        log_dir=tmp_path / "logs",
        session_idle_s=600.0,
    )
