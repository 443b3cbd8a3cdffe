"""The boot test's export-stick check, host side: sticks, QEMU arguments, plug and pull, verdict.

One FAT image labelled ``PK-EXPORT`` (the technician's export stick) is carried through the
boots, and one labelled ``PHOTOS`` (any other stick) is attached to the first. Both are USB
mass storage on an xHCI controller. The guest half (``guest/export-check``) and the unit that
runs it once the kiosk is READY reach the guest as systemd credentials in SMBIOS type 11
strings (``systemd.extra-unit.*``, ``systemd.unit-dropin.*``, read by systemd-debug-generator,
systemd 256 and later): nothing of the check is written to the image or to the boot test's disk.

* boot 1, ``hotplug``: PHOTOS from power-on; PK-EXPORT is plugged in over QMP (``device_add``)
  once the guest reports ``before`` — after the kiosk unit started, so its arrival in the
  kiosk's mount namespace is the slave propagation ``ReadWritePaths=-/media/usb`` relies on —
  and pulled out (``device_del``) once the guest reports ``plugged``; the guest then reports
  ``removed``.
* later boots, ``coldplug``: PK-EXPORT attached from power-on; the guest reports ``plugged``.

It runs while the health gate waits out its 30-s steady window, so it adds little to a boot.
After the last boot :func:`read_stick` reads the stick image with mtools: every export the guest
wrote must be there, complete (no ``.partial`` folder), each file matching its manifest's
SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

GUEST_SCRIPT = Path(__file__).parent / "guest" / "export-check"
UNIT = "pk-boot-test-export.service"
LINE = re.compile(r"PK-EXPORT-CHECK: (?P<phase>\w+) (?P<facts>\{.*\})\s*$", re.MULTILINE)
PHASES = {"hotplug": ("before", "plugged", "removed"), "coldplug": ("plugged",)}
STICK_ID = "pkexport"


class QmpLike(Protocol):
    def command(self, name: str, **arguments: object) -> object: ...


def unit_text(mode: str) -> str:
    return (
        "[Unit]\n"
        "Description=perfume-kiosk boot test: the export stick in the kiosk's namespace\n"
        "After=perfume-kiosk.service\n"
        "[Service]\n"
        "Type=exec\n"
        "ImportCredential=pk-boot-test.*\n"
        f"ExecStart=/usr/bin/python3 %d/pk-boot-test.export-check {mode}\n"
        "StandardOutput=journal+console\n"
        "StandardError=journal+console\n"
    )


def make_stick(path: Path, label: str, size_mib: int = 16) -> Path:
    """An empty FAT image labelled ``label`` (mkfs.vfat, no partition table, like many sticks)."""
    path.unlink(missing_ok=True)
    subprocess.run(
        ["mkfs.vfat", "-n", label, "-C", str(path), str(size_mib * 1024)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def write_credentials(work: Path, mode: str) -> list[Path]:
    """The unit, the drop-in that starts it, and the guest script, one file per SMBIOS string."""
    items = {
        f"systemd.extra-unit.{UNIT}": unit_text(mode).encode(),
        "systemd.unit-dropin.multi-user.target~pk-boot-test": f"[Unit]\nWants={UNIT}\n".encode(),
        "pk-boot-test.export-check": GUEST_SCRIPT.read_bytes(),
    }
    paths = []
    for index, (name, data) in enumerate(items.items()):
        path = work / f"credential-{index}.txt"
        encoded = base64.b64encode(data).decode()
        path.write_text(f"io.systemd.credential.binary:{name}={encoded}")
        paths.append(path)
    return paths


class ExportCheck:
    """Drives one boot's export-stick check through the serial log and QMP."""

    def __init__(self, work: Path, boot: int, stick: Path, other: Path) -> None:
        self.work, self.boot, self.stick, self.other = work, boot, stick, other
        self.mode = "hotplug" if boot == 1 else "coldplug"
        self.phases: dict[str, dict[str, object]] = {}
        self.actions: list[str] = []

    def qemu_args(self) -> list[str]:
        args = ["-device", "qemu-xhci,id=xhci"]
        args += ["-drive", f"if=none,id={STICK_ID},format=raw,file={self.stick}"]
        if self.mode == "hotplug":
            args += ["-drive", f"if=none,id=photos,format=raw,file={self.other}"]
            args += ["-device", "usb-storage,bus=xhci.0,drive=photos,removable=on"]
        else:
            args += ["-device", f"usb-storage,bus=xhci.0,drive={STICK_ID},removable=on"]
        for path in write_credentials(self.work, self.mode):
            args += ["-smbios", f"type=11,path={path}"]
        return args

    @property
    def finished(self) -> bool:
        return "error" in self.phases or all(p in self.phases for p in PHASES[self.mode])

    def poll(self, text: str, qmp: Callable[[], QmpLike]) -> None:
        """Take in the guest's new report lines; plug or pull the stick when it asks."""
        for match in LINE.finditer(text):
            phase = match["phase"]
            if phase in self.phases:
                continue
            try:
                self.phases[phase] = json.loads(match["facts"])
            except ValueError:
                self.phases[phase] = {"failures": [f"unreadable: {match['facts'][:200]}"]}
            if self.mode != "hotplug":
                continue
            if phase == "before":
                qmp().command(
                    "device_add", driver="usb-storage", id=f"{STICK_ID}-dev", drive=STICK_ID,
                    bus="xhci.0", removable=True,
                )  # fmt: skip
                self.actions.append("plugged in")
            elif phase == "plugged":
                qmp().command("device_del", id=f"{STICK_ID}-dev")
                self.actions.append("pulled out")

    def checks(self) -> dict[str, bool]:
        """``boot<N>_export_<phase>``: the phase was reported without failures."""
        return {
            f"boot{self.boot}_export_{phase}": phase in self.phases
            and not self.phases[phase].get("failures")
            for phase in PHASES[self.mode]
        }

    def result(self) -> dict[str, object]:
        return {"mode": self.mode, "actions": self.actions, "phases": self.phases}


def exported_folders(boots: list[dict[str, object]]) -> list[str]:
    """The folders the guest reports having written, over every boot's phases."""
    folders = []
    for boot in boots:
        export = boot.get("export")
        phases = export.get("phases", {}) if isinstance(export, dict) else {}
        for facts in phases.values():
            written = facts.get("export")
            if isinstance(written, dict) and "folder" in written:
                folders.append(str(written["folder"]))
    return folders


def _mtools(*argv: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, capture_output=True, check=False)


def read_stick(stick: Path, folders: list[str], work: Path) -> dict[str, object]:
    """Each export ``folders`` names, read off the stick image: complete and hash-exact."""
    listing = _mtools("mdir", "-b", "-a", "-i", str(stick), "::/").stdout.decode().split()
    names = sorted(line.rstrip("/").rsplit("/", 1)[-1] for line in listing)
    found: dict[str, object] = {}
    for folder in folders:
        local = work / "stick" / folder
        local.mkdir(parents=True, exist_ok=True)
        _mtools("mcopy", "-s", "-n", "-i", str(stick), f"::/{folder}/*", str(local))
        manifest_path = local / "manifest.json"
        if not manifest_path.exists():
            found[folder] = {"complete": False, "why": "no manifest.json"}
            continue
        manifest = json.loads(manifest_path.read_text())
        files = manifest.get("files", [])
        exact = [
            (local / f["name"]).is_file()
            and hashlib.sha256((local / f["name"]).read_bytes()).hexdigest() == f["sha256"]
            for f in files
        ]
        found[folder] = {"complete": bool(files) and all(exact), "files": len(files)}
    partial = [name for name in names if name.endswith(".partial")]
    return {"entries": names, "exports": found, "partial": partial}


def stick_checks(stick: dict[str, object], folders: list[str]) -> dict[str, bool]:
    exports = stick["exports"]
    assert isinstance(exports, dict)
    complete = bool(folders) and all(
        isinstance(exports.get(f), dict) and exports[f].get("complete") for f in folders
    )
    return {"export_files_on_stick_image": complete and not stick["partial"]}
