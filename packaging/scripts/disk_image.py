"""Reading a perfume-kiosk disk image from the host, without mounting or root: the GPT layout
(sfdisk), the ESP (mtools) and the data partition (debugfs). Used by boot_test.py and
update_test.py after QEMU has powered the guest off.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path


def partitions(disk: Path) -> dict[str, tuple[int, int]]:
    """GPT partition name → (byte offset, byte size), from sfdisk."""
    table = json.loads(
        subprocess.run(["sfdisk", "--json", str(disk)], capture_output=True, check=True).stdout
    )["partitiontable"]
    sector = int(table.get("sectorsize", 512))
    return {
        p["name"]: (int(p["start"]) * sector, int(p["size"]) * sector) for p in table["partitions"]
    }


def esp_files(disk: Path, offset: int) -> list[str]:
    result = subprocess.run(
        ["mdir", "-b", "-i", f"{disk}@@{offset}", "::/perfume-kiosk"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return [line.rsplit("/", 1)[-1] for line in result.stdout.split()]


def data_facts(disk: Path, offset: int, size: int, work: Path) -> dict[str, object]:
    """Read the data partition with debugfs (no mount): key mode, ledger present, the
    technician enrolment file (0600, owned by the kiosk user, until the kiosk imports and
    destroys it) and the service menu's store (the demo's, beside its device ledger)."""
    image = work / "data.ext4"
    with disk.open("rb") as source, image.open("wb") as target:
        source.seek(offset)
        remaining = size
        while remaining:
            block = source.read(min(remaining, 1 << 22))
            if not block:
                break
            target.write(block)
            remaining -= len(block)

    def debugfs(request: str) -> str:
        return subprocess.run(
            ["debugfs", "-R", request, str(image)], capture_output=True, text=True, check=False
        ).stdout

    mode = re.search(r"Mode:\s+(\d+)", debugfs("stat /perfume-kiosk/identity/machine-key.pem"))
    enrolment = debugfs("stat /perfume-kiosk/config/technician-enrolment.json")
    enrolment_mode = re.search(r"Mode:\s+(\d+)", enrolment)
    enrolment_user = re.search(r"User:\s+(\d+)", enrolment)
    store = re.search(r"Size:\s+(\d+)", debugfs("stat /perfume-kiosk/demo/device/service.sqlite3"))
    ledger = [
        fields[4]
        for line in debugfs("ls -p /perfume-kiosk/demo/device").splitlines()
        if len(fields := line.strip("/").split("/")) > 4 and fields[4] not in {".", ".."}
    ]
    # The guest's journal (on /data/var), readable on the host: work/journal.txt.
    shutil.rmtree(work / "journal", ignore_errors=True)
    debugfs(f"rdump /var/log/journal {work}")
    if shutil.which("journalctl") and (work / "journal").is_dir():
        with open(work / "journal.txt", "w") as text:
            subprocess.run(
                ["journalctl", "--directory", str(work / "journal"), "--no-pager", "-o", "short"],
                stdout=text, stderr=subprocess.STDOUT, check=False,
            )  # fmt: skip
    image.unlink()
    return {
        "machine_key_mode": mode.group(1) if mode else None,
        "technician_enrolment": {
            "present": enrolment_mode is not None,
            "mode": enrolment_mode.group(1) if enrolment_mode else None,
            "uid": int(enrolment_user.group(1)) if enrolment_user else None,
        },
        "service_store": int(store.group(1)) if store else None,  # bytes; None: missing
        "ledger_files": ledger,
        "ledger_on_data": any(name.endswith((".db", ".sqlite", ".sqlite3")) for name in ledger),
    }


def add_kernel_args(disk: Path, esp_offset: int, extra: str, work: Path) -> None:
    """Append ``extra`` to the options line of every loader entry on the ESP (mtools)."""
    image = f"{disk}@@{esp_offset}"
    listing = subprocess.run(
        ["mdir", "-b", "-i", image, "::/loader/entries"], capture_output=True, text=True, check=True
    ).stdout.split()
    for entry in listing:
        name = entry.rsplit("/", 1)[-1]
        local = work / name
        subprocess.run(
            ["mcopy", "-o", "-i", image, f"::/loader/entries/{name}", str(local)], check=True
        )
        lines = [
            f"{line} {extra}" if line.startswith("options ") else line
            for line in local.read_text().splitlines()
        ]
        local.write_text("\n".join(lines) + "\n")
        subprocess.run(
            ["mcopy", "-o", "-i", image, str(local), f"::/loader/entries/{name}"], check=True
        )
        local.unlink()
