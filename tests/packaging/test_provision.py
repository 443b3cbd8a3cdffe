"""First-boot provisioning (packaging/rootfs/usr/libexec/perfume-kiosk/provision), run as the
image runs it — a separate process — against a boot and a data directory in tmp_path.

The technician enrolment it writes is read back with the kiosk's own parser
(kiosk.service.enrolment.parse_request), and the rules the script copies from the kiosk
(provision_rules.py: technician id, PIN rules, PIN hash format) are compared with the originals,
so a provisioning file the script accepts is one the kiosk accepts."""

from __future__ import annotations

import importlib.util
import json
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.service.auth import TECHNICIAN_ID_RE
from kiosk.service.enrolment import parse_request
from kiosk.service.errors import EnrolmentError, PinRejectedError
from kiosk.service.pins import COMMON_PINS, PinHash, ScryptParams, check_new_pin, hash_pin

LIBEXEC = Path(__file__).parents[2] / "packaging/rootfs/usr/libexec/perfume-kiosk"
SCRIPT = LIBEXEC / "provision"
CLAIM = "claim-7f3a9c2e41d84b0b"
FAST = ScryptParams(log_n=4)  # a real $scrypt$ hash, cheap to make
GOOD = f"""
[machine]
id = "pk-0042"
[middleware]
broker_url = "mqtts://broker.example.net:8883"
[claim]
credential = "{CLAIM}"
[technician]
id = "t-0042"
name = "Alex Martin"
one_time_pin = "583920"
"""
ENROLMENT = "config/technician-enrolment.json"


def run(boot: Path, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--boot", str(boot), "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def boot(tmp_path: Path) -> Path:
    directory = tmp_path / "efi"
    (directory / "perfume-kiosk").mkdir(parents=True)
    return directory


@pytest.fixture
def data(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    return directory


def provision_file(boot: Path, text: str = GOOD) -> Path:
    path = boot / "perfume-kiosk" / "provision.toml"
    path.write_text(text)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def every_file(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_first_boot_creates_key_csr_claim_and_config_then_deletes_the_secret(
    boot: Path, data: Path
) -> None:
    source = provision_file(boot)

    result = run(boot, data)

    assert result.returncode == 0, result.stderr
    assert "provisioned pk-0042" in result.stdout
    assert not source.exists()
    app = data / "perfume-kiosk"
    key_path = app / "identity" / "machine-key.pem"
    assert mode(key_path) == 0o600
    assert mode(app / "identity") == 0o700
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    csr = x509.load_pem_x509_csr((app / "identity" / "machine.csr").read_bytes())
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "pk-0042"
    csr_key = csr.public_key()
    assert isinstance(csr_key, ec.EllipticCurvePublicKey)
    assert csr_key.public_numbers() == key.public_key().public_numbers()
    claim = json.loads((app / "identity" / "claim.json").read_text())
    assert claim == {"machine_id": "pk-0042", "credential": CLAIM}
    assert mode(app / "identity" / "claim.json") == 0o600
    config = tomllib.loads((app / "config" / "machine.toml").read_text())
    assert config == {
        "machine": {"id": "pk-0042"},
        "middleware": {"broker_url": "mqtts://broker.example.net:8883"},
    }
    enrolment = json.loads((app / ENROLMENT).read_text())
    assert enrolment == {
        "v": 1,
        "action": "enrol",
        "technicianId": "t-0042",
        "name": "Alex Martin",
        "oneTimePin": "583920",
    }
    assert mode(app / ENROLMENT) == 0o600
    marker = json.loads((app / "identity" / "provisioned").read_text())
    assert marker["machine_id"] == "pk-0042"
    # The claim credential lives only in the 0600 claim file, never in the marker or config.
    holders = [p.name for p in every_file(data) if CLAIM in p.read_text(errors="replace")]
    assert holders == ["claim.json"]
    assert not [p for p in every_file(data) if p.name.endswith(".tmp")]


def test_second_boot_does_nothing_and_keeps_the_key(boot: Path, data: Path) -> None:
    provision_file(boot)
    assert run(boot, data).returncode == 0
    key_path = data / "perfume-kiosk" / "identity" / "machine-key.pem"
    key_before = key_path.read_bytes()
    files_before = {p: p.read_bytes() for p in every_file(data)}

    result = run(boot, data)

    assert result.returncode == 0
    assert "already provisioned: nothing to do" in result.stdout
    assert key_path.read_bytes() == key_before
    assert {p: p.read_bytes() for p in every_file(data)} == files_before


def test_a_provisioning_file_arriving_after_provisioning_is_deleted_unused(
    boot: Path, data: Path
) -> None:
    provision_file(boot)
    assert run(boot, data).returncode == 0
    config_before = (data / "perfume-kiosk" / "config" / "machine.toml").read_text()
    second = provision_file(boot, GOOD.replace("pk-0042", "pk-9999"))

    result = run(boot, data)

    assert result.returncode == 0
    assert "deleted unused" in result.stdout
    assert not second.exists()
    assert (data / "perfume-kiosk" / "config" / "machine.toml").read_text() == config_before


def test_a_run_cut_short_before_the_marker_is_completed_and_keeps_the_first_key(
    boot: Path, data: Path
) -> None:
    provision_file(boot)
    assert run(boot, data).returncode == 0
    identity = data / "perfume-kiosk" / "identity"
    key_before = (identity / "machine-key.pem").read_bytes()
    # Power lost after the key was written, before the secret was deleted and the marker written.
    (identity / "provisioned").unlink()
    source = provision_file(boot)

    result = run(boot, data)

    assert result.returncode == 0, result.stderr
    assert (identity / "machine-key.pem").read_bytes() == key_before
    assert (identity / "provisioned").exists()
    assert not source.exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('id = "pk-0042"', 'id = "PK 42!"'), "machine.id"),
        (lambda t: t.replace("mqtts://broker.example.net:8883", "http://x"), "broker_url"),
        (lambda t: t.replace(CLAIM, "short"), "claim.credential"),
        (lambda t: t.replace('name = "Alex Martin"\n', ""), "technician.name"),
        (lambda t: t.replace('name = "Alex Martin"', f'name = "{"A" * 81}"'), "technician.name"),
        (lambda t: t.replace('id = "t-0042"', 'id = "t 42!"'), "technician.id"),
        (lambda t: t.replace('id = "t-0042"', f'id = "t{"0" * 32}"'), "technician.id"),
        (lambda t: t.replace('id = "t-0042"\n', ""), "technician.id"),
        (lambda t: t.replace('one_time_pin = "583920"', ""), "exactly one of"),
        (lambda t: t + 'pin_hash = "$scrypt$ln=14,r=8,p=1$AAAA$AAAA"\n', "exactly one of"),
        (lambda t: t.replace('"583920"', "583920"), "quoted string of digits"),
        (lambda t: t.replace('"583920"', '"123456"'), "too easy to guess"),
        (lambda t: t.replace('"583920"', '"58392"'), "6 to 12 digits"),
        (lambda t: t.replace('"583920"', '"58392a"'), "digits only"),
        (
            lambda t: t.replace('one_time_pin = "583920"', 'pin_hash = "$bcrypt$x"'),
            "technician.pin_hash: not a $scrypt$ PIN hash",
        ),
        (lambda t: t.replace("[middleware]", "[elsewhere]"), "[middleware]"),
        (lambda t: t + "[broken", "not valid TOML"),
    ],
)
def test_an_invalid_file_is_refused_left_in_place_and_nothing_is_written(
    boot: Path, data: Path, edit: Callable[[str], str], message: str
) -> None:
    source = provision_file(boot, edit(GOOD))

    result = run(boot, data)

    assert result.returncode == 2
    assert message in result.stderr
    assert source.exists()
    assert every_file(data) == []
    # Recovering: the technician fixes the file and the next boot provisions.
    provision_file(boot)
    assert run(boot, data).returncode == 0
    assert (data / "perfume-kiosk" / "identity" / "provisioned").exists()


def test_the_enrolment_written_is_accepted_by_the_kiosk_as_the_same_technician(
    boot: Path, data: Path
) -> None:
    provision_file(boot)
    assert run(boot, data).returncode == 0

    request = parse_request(
        (data / "perfume-kiosk" / ENROLMENT).read_bytes(), default_action="enrol"
    )

    assert (request.action, request.technician_id, request.name) == (
        "enrol",
        "t-0042",
        "Alex Martin",
    )
    assert (request.one_time_pin, request.pin_hash) == ("583920", None)


def test_a_pin_hash_is_passed_on_as_the_kiosks_pinhash(boot: Path, data: Path) -> None:
    stored = hash_pin("583920", FAST)
    provision_file(boot, GOOD.replace('one_time_pin = "583920"', f'pin_hash = "{stored}"'))

    result = run(boot, data)

    assert result.returncode == 0, result.stderr
    raw = (data / "perfume-kiosk" / ENROLMENT).read_bytes()
    assert json.loads(raw)["pinHash"] == stored
    assert "oneTimePin" not in json.loads(raw)
    request = parse_request(raw, default_action="enrol")
    assert (request.technician_id, request.pin_hash, request.one_time_pin) == (
        "t-0042",
        stored,
        None,
    )


# -- the copied rules agree with the kiosk's ---------------------------------------------------
@pytest.fixture(scope="module")
def rules() -> ModuleType:
    spec = importlib.util.spec_from_file_location("provision_rules", LIBEXEC / "provision_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kiosk_accepts_pin(pin: str) -> bool:
    try:
        check_new_pin(pin)
    except PinRejectedError:
        return False
    return True


def test_the_technician_id_pattern_and_common_pins_are_the_kiosks(rules: ModuleType) -> None:
    assert rules.TECHNICIAN_ID_RE.pattern == TECHNICIAN_ID_RE.pattern
    assert rules.COMMON_PINS == COMMON_PINS


def test_the_pin_rules_agree_with_the_kiosks_on_every_kind_of_pin(rules: ModuleType) -> None:
    # Every 37th 6-digit PIN (dates, runs, repeats and mirrors all occur), samples of 7-12
    # digits, the common list, and strings that are not PINs at all.
    candidates = [f"{n:06d}" for n in range(0, 1_000_000, 37)]
    for digits in range(7, 13):
        candidates += [f"{n:0{digits}d}" for n in range(0, 10**digits, 10**digits // 1999)]
    candidates += [*sorted(COMMON_PINS), "", "12345", "1234567890123", "58392a", "٥٨٣٩٢٠"]

    disagree = [
        pin for pin in candidates if (rules.pin_problem(pin) is None) != kiosk_accepts_pin(pin)
    ]

    assert disagree == []
    assert sum(rules.pin_problem(pin) is None for pin in candidates) > len(candidates) // 2


def test_the_pin_hash_check_agrees_with_the_kiosks(rules: ModuleType) -> None:
    good = hash_pin("583920", FAST)
    salt, key = good.split("$")[3:]
    hashes = [
        good,
        hash_pin("583920"),
        good.replace("ln=4", "ln=21"),
        good.replace("r=8", "r=33"),
        good.replace("p=1", "p=0"),
        good.replace("ln=4,", ""),
        f"$scrypt$ln=4,r=8,p=1${salt[:8]}${key}",
        f"$scrypt$ln=4,r=8,p=1${salt}${key[:10]}",
        f"$scrypt$ln=4,r=8,p=1${salt}!${key}",
        good.replace("$scrypt$", "$argon2$"),
        good + "$extra",
        "583920",
    ]

    for text in hashes:
        try:
            PinHash.parse(text)
            kiosk_ok = True
        except ValueError:
            kiosk_ok = False
        assert (rules.pin_hash_problem(text) is None) == kiosk_ok, text


@pytest.mark.parametrize(("name", "accepted"), [("A" * 80, True), ("A" * 81, False)])
def test_the_name_limit_is_the_kiosks(boot: Path, data: Path, name: str, accepted: bool) -> None:
    message = {
        "v": 1,
        "action": "enrol",
        "technicianId": "t-1",
        "name": name,
        "oneTimePin": "583920",
    }
    try:
        parse_request(json.dumps(message))
        kiosk_ok = True
    except EnrolmentError:
        kiosk_ok = False
    provision_file(boot, GOOD.replace("Alex Martin", name))

    assert (run(boot, data).returncode == 0) == kiosk_ok == accepted


def test_no_provisioning_file_is_an_error_that_writes_nothing(boot: Path, data: Path) -> None:
    result = run(boot, data)

    assert result.returncode == 2
    assert "no provisioning file" in result.stderr
    assert every_file(data) == []
