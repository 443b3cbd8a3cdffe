"""The image's wheel lock (packaging/requirements/*.lock) pins exactly the versions this test
venv runs, so the OS image runs what the tests ran. Reads the lock and the installed
distributions only: no network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGING = Path(__file__).parents[2] / "packaging"


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_the_lock_matches_the_test_venv_and_every_pin_has_a_hash(arch: str) -> None:
    lock = PACKAGING / "requirements" / f"{arch}.lock"
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "scripts/lock.py"), "check", "--arch", arch,
         "--lock", str(lock)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr + result.stdout
    pins = [line for line in lock.read_text().splitlines() if "==" in line]
    assert pins
    assert all(" --hash=sha256:" in line for line in pins)
    assert any(line.startswith("pyside6-essentials==") for line in pins)


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_the_lock_has_the_addons_wheel_for_the_camera_but_not_webengine_or_pdf(arch: str) -> None:
    # PySide6_Addons carries QtMultimedia (the loyalty camera; customize-rootfs prunes the rest).
    lock = PACKAGING / "requirements" / f"{arch}.lock"
    names = {line.split("==")[0] for line in lock.read_text().splitlines() if "==" in line}

    assert "pyside6-addons" in names
    assert not names & {"pyside6-webengine", "pyside6-pdf"}
