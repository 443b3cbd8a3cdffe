"""Checking a ``[hardware]`` table loads no driver: the kiosk checks its configuration file
before its first frame and opens the devices after it, so ``hardware.config`` imports its values
and its check at once and the opening (every driver, asyncio, pyserial) on first use. Only a
``sim://`` URL loads a simulator, to check its options. The option types moved to driver-free
modules keep their old import paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hardware.config
import hardware.dispenser
from hardware.dispenser import options, values
from hardware.terminal import device, session, timings

ROOT = Path(__file__).resolve().parents[3]
# A machine's file (docs/simulators.md §5): the udev aliases of its serial ports, a terminal on
# the network, a camera, and options for every device.
MACHINE = """
[hardware]

[[hardware.card_readers]]
kind = "mdb"
url = "/dev/perfume-kiosk/mdb"
addresses = ["10", "60"]
options = { non_response_time = 4.0 }

[[hardware.card_readers]]
kind = "terminal"
url = "socket://10.0.0.5:4001"
options = { reply_timeout = 3.0 }

[hardware.dispenser]
url = "/dev/perfume-kiosk/dispenser"
timings = { reply_timeout = 0.8 }
limits = { max_doses_per_command = 2 }

[hardware.scanner]
url = "/dev/perfume-kiosk/scanner"
camera = "camera://?debounce=1.5"
options = { debounce = 1.5, max_data = 128 }
"""
# Everything the check may import of this project's hardware package.
CHECK_MODULES = {
    "hardware",
    "hardware.common",
    "hardware.common.errors",
    "hardware.config",
    "hardware.config.loader",
    "hardware.config.model",
    "hardware.dispenser",
    "hardware.dispenser.errors",
    "hardware.dispenser.options",
    "hardware.terminal",
    "hardware.terminal.timings",
}
LIBRARIES = ("asyncio", "serial", "paho", "sqlalchemy", "PySide6", "pyzbar")
PROBE = """
import json, sys
from hardware.config import load_hardware_config

config = load_hardware_config(sys.argv[1])
assert len(config.card_readers) == 2 and config.dispenser is not None
checked = sorted(sys.modules)
from hardware.config import open_devices  # noqa: E402  the kiosk's runtime, after the frame
print(json.dumps({"checked": checked, "opening": sorted(sys.modules)}))
"""


def modules_after_checking(tmp_path: Path, text: str) -> dict[str, list[str]]:
    """In a fresh interpreter: the modules loaded once the file holding ``text`` is checked,
    then once ``open_devices`` is imported."""
    path = tmp_path / "hardware.toml"
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report: dict[str, list[str]] = json.loads(proc.stdout)
    return report


def roots(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_checking_a_machines_file_loads_no_driver(tmp_path: Path) -> None:
    report = modules_after_checking(tmp_path, MACHINE)
    checked = report["checked"]
    assert {m for m in checked if m.startswith("hardware")} == CHECK_MODULES
    assert roots(checked) & set(LIBRARIES) == set()
    # open_devices brings the drivers, on first use
    opening = set(report["opening"])
    assert {"hardware.config.opening", "hardware.dispenser.device", "serial"} <= opening
    assert {"hardware.mdb.device", "hardware.terminal.device", "hardware.scanner.device"} <= opening


def test_a_sim_url_loads_the_simulators_to_check_its_options(tmp_path: Path) -> None:
    text = MACHINE.replace('"/dev/perfume-kiosk/dispenser"', '"sim://?channels=2"')
    checked = modules_after_checking(tmp_path, text)["checked"]
    assert {"hardware.config.simulators", "hardware.dispenser.simulator"} <= set(checked)


def test_the_moved_option_types_keep_their_old_import_paths() -> None:
    assert session.TerminalTimings is device.TerminalTimings is timings.TerminalTimings
    for name in ("ActuationLimits", "LinkTimings", "DispenserOptions", "HARD_MAX_DOSES"):
        assert getattr(values, name) is getattr(hardware.dispenser, name)
        assert getattr(values, name) is getattr(options, name)


@pytest.mark.parametrize("package", [hardware.config, hardware.dispenser])
def test_every_public_name_resolves_and_no_other(package: object) -> None:
    for name in package.__all__:  # type: ignore[attr-defined]
        assert getattr(package, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'open_everything'"):
        _ = package.open_everything  # type: ignore[attr-defined]
