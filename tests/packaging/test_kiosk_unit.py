"""The kiosk's systemd unit gives the screen the CPU first (docs/benchmarks.md §3): a bigger
CPU share than any other unit of the image and a negative nice, which the app's background
threads raise again (``sync.priority``). The boot test proves the unit still starts with them
(a nice it may not set fails the start)."""

from __future__ import annotations

import re
from pathlib import Path

ROOTFS = Path(__file__).resolve().parents[2] / "packaging/rootfs"
UNITS = ROOTFS / "etc/systemd/system"


def _settings(unit: Path) -> dict[str, str]:
    return dict(re.findall(r"^(\w+)=(.*)$", unit.read_text(), re.MULTILINE))


def test_the_kiosk_unit_outranks_every_other_unit_of_the_image() -> None:
    kiosk = _settings(UNITS / "perfume-kiosk.service")
    assert int(kiosk["CPUWeight"]) == 1000  # ten times systemd's default of 100
    assert -10 <= int(kiosk["Nice"]) < 0
    for unit in UNITS.glob("*.service"):
        if unit.name == "perfume-kiosk.service":
            continue
        other = _settings(unit)
        assert int(other.get("CPUWeight", "100")) < int(kiosk["CPUWeight"]), unit.name
        assert int(other.get("Nice", "0")) > int(kiosk["Nice"]), unit.name


def test_background_threads_renice_back_to_an_ordinary_level() -> None:
    """The sync engine's threads go +5 from the process's nice: the kiosk's -5 makes them 0."""
    from sync.engine_config import EngineConfig

    kiosk = _settings(UNITS / "perfume-kiosk.service")
    assert int(kiosk["Nice"]) + EngineConfig.background_nice >= 0
