"""First-boot provisioning (packaging/rootfs/usr/libexec/perfume-kiosk/provision), run as the
image runs it — a separate process — against a boot and a data directory in tmp_path."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SCRIPT = Path(__file__).parents[2] / "packaging/rootfs/usr/libexec/perfume-kiosk/provision"
CLAIM = "claim-7f3a9c2e41d84b0b"
GOOD = f"""
[machine]
id = "pk-0042"
[middleware]
broker_url = "mqtts://broker.example.net:8883"
[claim]
credential = "{CLAIM}"
[technician]
name = "Alex Martin"
enrolment_code = "enrol-5521"
"""


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
    enrolment = json.loads((app / "config" / "technician-enrolment.json").read_text())
    assert enrolment == {"name": "Alex Martin", "enrolment_code": "enrol-5521"}
    assert mode(app / "config" / "technician-enrolment.json") == 0o600
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


def test_no_provisioning_file_is_an_error_that_writes_nothing(boot: Path, data: Path) -> None:
    result = run(boot, data)

    assert result.returncode == 2
    assert "no provisioning file" in result.stderr
    assert every_file(data) == []
