"""The boot test's export-stick check, host side (packaging/scripts/export_check.py).

Reading the stick back: a real FAT image (mkfs.vfat, mtools) holding an export written by the
app's own ``kiosk.service.export.write_export`` must read as complete; a changed file or a left
``.partial`` folder must not. Driving the guest: its report lines plug the stick in and pull it
out over QMP (QEMU's interface, the boundary: a stand-in records the commands) in that order,
and a phase that reports a failure fails its check."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.service.export import write_export

SCRIPTS = Path(__file__).parents[2] / "packaging/scripts"
SBIN_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"  # mkfs.vfat, as boot_test.py runs
needs_fat_tools = pytest.mark.skipif(
    not (shutil.which("mkfs.vfat", path=SBIN_PATH) and shutil.which("mcopy")),
    reason="dosfstools and mtools are installed by make -C packaging boot-test",
)


@pytest.fixture(autouse=True)
def sbin_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", SBIN_PATH)


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_check", SCRIPTS / "export_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class RecordingQmp:
    def __init__(self) -> None:
        self.commands: list[tuple[str, dict[str, object]]] = []

    def command(self, name: str, **arguments: object) -> object:
        self.commands.append((name, arguments))
        return {}


def line(phase: str, failures: list[str], **facts: object) -> str:
    return f"PK-EXPORT-CHECK: {phase} {json.dumps({**facts, 'failures': failures})}\n"


def export_onto(stick: Path, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "written"
    folder.mkdir(exist_ok=True)
    write_export(folder, name, {"check.txt": b"hello", "logs/kiosk.log": b"log"},
                 require_mount=False, manifest={"check": name})  # fmt: skip
    subprocess.run(["mcopy", "-s", "-i", str(stick), str(folder / name), "::/"], check=True)


@needs_fat_tools
def test_an_export_copied_onto_a_fat_stick_reads_back_complete(
    check: ModuleType, tmp_path: Path
) -> None:
    stick = check.make_stick(tmp_path / "stick.img", "PK-EXPORT", size_mib=4)
    export_onto(stick, tmp_path, "perfume-kiosk_boot-test_hotplug")

    found = check.read_stick(stick, ["perfume-kiosk_boot-test_hotplug"], tmp_path)

    assert found["exports"] == {"perfume-kiosk_boot-test_hotplug": {"complete": True, "files": 2}}
    assert check.stick_checks(found, ["perfume-kiosk_boot-test_hotplug"]) == {
        "export_files_on_stick_image": True
    }


@needs_fat_tools
def test_a_changed_file_a_missing_export_or_a_partial_folder_fails(
    check: ModuleType, tmp_path: Path
) -> None:
    stick = check.make_stick(tmp_path / "stick.img", "PK-EXPORT", size_mib=4)
    export_onto(stick, tmp_path, "exp")
    changed = tmp_path / "check.txt"
    changed.write_bytes(b"HELLO")
    subprocess.run(["mcopy", "-o", "-i", str(stick), str(changed), "::/exp/check.txt"], check=True)
    subprocess.run(["mmd", "-i", str(stick), "::/.exp-2.partial"], check=True)

    found = check.read_stick(stick, ["exp", "never-written"], tmp_path / "read")

    exports = found["exports"]
    assert exports["exp"]["complete"] is False
    assert exports["never-written"]["complete"] is False
    assert found["partial"] == [".exp-2.partial"]
    assert check.stick_checks(found, ["exp"]) == {"export_files_on_stick_image": False}


def test_the_first_boot_plugs_the_stick_in_then_pulls_it_out_as_the_guest_reports(
    check: ModuleType, tmp_path: Path
) -> None:
    export = check.ExportCheck(tmp_path, 1, tmp_path / "stick.img", tmp_path / "photos.img")
    qmp = RecordingQmp()
    args = export.qemu_args()
    assert "usb-storage,bus=xhci.0,drive=photos,removable=on" in args  # only PHOTOS at power-on
    assert not any("drive=pkexport" in arg for arg in args)

    text = line("before", [], export={"error": "export_no_medium"})
    export.poll(text, lambda: qmp)
    text += "kernel noise\n" + line("plugged", [], export={"folder": "x"})
    export.poll(text, lambda: qmp)
    assert not export.finished
    export.poll(text + line("removed", []), lambda: qmp)

    assert [(name, args.get("id")) for name, args in qmp.commands] == [
        ("device_add", "pkexport-dev"),
        ("device_del", "pkexport-dev"),
    ]
    assert qmp.commands[0][1]["drive"] == "pkexport"
    assert export.finished
    assert export.checks() == {
        "boot1_export_before": True,
        "boot1_export_plugged": True,
        "boot1_export_removed": True,
    }
    assert check.exported_folders([{"export": export.result()}, {"verdict": "timeout"}]) == ["x"]


def test_a_failure_or_a_missing_report_fails_its_phase(check: ModuleType, tmp_path: Path) -> None:
    export = check.ExportCheck(tmp_path, 2, tmp_path / "stick.img", tmp_path / "photos.img")
    assert export.checks() == {"boot2_export_plugged": False}

    export.poll(line("plugged", ["others_can_write"]), lambda: RecordingQmp())

    assert export.finished
    assert export.checks() == {"boot2_export_plugged": False}
    args = export.qemu_args()
    assert "usb-storage,bus=xhci.0,drive=pkexport,removable=on" in args  # from power-on


def test_the_guest_gets_its_unit_and_script_as_smbios_credentials(
    check: ModuleType, tmp_path: Path
) -> None:
    export = check.ExportCheck(tmp_path, 1, tmp_path / "stick.img", tmp_path / "photos.img")
    args = export.qemu_args()
    paths = [arg.split("path=", 1)[1] for arg in args if arg.startswith("type=11,path=")]
    credentials = {}
    for path in paths:
        prefix, _, encoded = Path(path).read_text().partition("=")
        kind, _, name = prefix.partition(":")
        assert kind == "io.systemd.credential.binary"
        credentials[name] = base64.b64decode(encoded).decode()

    unit = credentials[f"systemd.extra-unit.{check.UNIT}"]
    assert "After=perfume-kiosk.service" in unit
    assert "export-check hotplug" in unit
    assert (
        f"Wants={check.UNIT}" in credentials["systemd.unit-dropin.multi-user.target~pk-boot-test"]
    )
    assert credentials["pk-boot-test.export-check"] == check.GUEST_SCRIPT.read_text()
