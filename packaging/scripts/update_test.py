"""RAUC update test in QEMU: refusals, an A→B update, and the fall-back from a broken update.

Bundles come from ``scripts/make-test-bundles`` and reach the guest the way a technician's do:
on a stick (a second virtual disk, vfat labelled PK-UPDATE) that the image's
``perfume-kiosk-usb-update@.service`` installs from once the running slot passed its health
gate. One disk is carried through three scenarios, each one QEMU run that may reboot:

1. ``refused``: older, wrong-architecture, untrusted-signer, tampered-signature,
   tampered-payload and unsigned bundles are each refused; afterwards slot B is still blank
   and the ESP still holds only slot A's entry.
2. ``update``: the good bundle installs into B, the machine reboots into B, B's gate passes and
   marks it good (entry ``perfume-b.conf`` without counter).
3. ``fallback``: the broken bundle (kiosk exits at once, never READY) installs into A, the
   machine reboots into A on trial, A's gate fails (crash loop), A is marked bad, and the
   machine comes back to B by itself.

    python packaging/scripts/update_test.py --image IMG --bundles DIR --work DIR
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from boot_machines import MACHINES, qemu_command
from boot_test import Qmp, start_qemu
from disk_image import data_facts, esp_files, partitions

GOOD = r"PERFUME-KIOSK-HEALTH: GOOD slot={slot}\b"
BAD = r"PERFUME-KIOSK-HEALTH: BAD slot={slot}\b"
INSTALLED = r"PERFUME-KIOSK-UPDATE: installed {name}"
REFUSED = r"PERFUME-KIOSK-UPDATE: refused {name}:[^\n]*{reason}"
# Why each refused bundle must be refused (a substring of RAUC's or our handler's message).
REASONS = {
    "a-older.raucb": "Pre-install handler error",  # the reason itself: in the journal
    "b-wrong-arch.raucb": "ompatible",
    "c-untrusted-signer.raucb": "signature verification failed",
    "d-tampered-signature.raucb": "",
    "e-tampered-payload.raucb": "",
    "f-unsigned.raucb": "ignature",  # "Signature size is 0"
}


def make_stick(bundles: list[Path], path: Path) -> None:
    size_kib = sum(b.stat().st_size for b in bundles) // 1024 + 65536
    path.unlink(missing_ok=True)
    subprocess.run(
        ["/usr/sbin/mkfs.vfat", "-n", "PK-UPDATE", "-C", str(path), str(size_kib)],
        check=True, capture_output=True,
    )  # fmt: skip
    for bundle in bundles:
        subprocess.run(["mcopy", "-i", str(path), str(bundle), "::/"], check=True)


def scenario(
    args: argparse.Namespace, work: Path, name: str, stick: Path, expected: list[str]
) -> dict[str, object]:
    """Boot with the stick; wait for each expected line in order (reboots allowed)."""
    log = work / f"serial-{name}.log"
    command = qemu_command(args, work, name, reboot=True, extra_disks=(stick,))
    started = time.monotonic()
    seen: list[dict[str, object]] = []
    qemu = start_qemu(command, work / f"qemu-{name}.out")
    position = 0
    try:
        for pattern in expected:
            regex = re.compile(pattern)
            deadline = time.monotonic() + args.step_deadline
            while True:
                text = log.read_text(errors="replace") if log.exists() else ""
                match = regex.search(text, position)
                if match:
                    position = match.end()
                    line = text[match.start() : text.find("\n", match.start())].strip()
                    seen.append({"line": line, "seconds": round(time.monotonic() - started, 1)})
                    break
                if time.monotonic() > deadline or qemu.poll() is not None:
                    seen.append(
                        {"missing": pattern, "seconds": round(time.monotonic() - started, 1)}
                    )
                    return {"passed": False, "seen": seen}
                time.sleep(0.5)
        return {"passed": True, "seen": seen}
    finally:
        if qemu.poll() is None:
            # A clean power-off, so the guest's journal on /data reaches the disk.
            qmp = Qmp(work / "qmp.sock")
            try:
                qmp.command("system_powerdown")
                try:
                    qemu.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    qmp.command("quit")
            finally:
                qmp.close()
        qemu.wait(timeout=60)


def blank(disk: Path, offset: int, length: int = 1 << 20) -> bool:
    with disk.open("rb") as handle:
        handle.seek(offset)
        return not any(handle.read(length))


def entries(disk: Path, esp_offset: int) -> list[str]:
    result = subprocess.run(
        ["mdir", "-b", "-i", f"{disk}@@{esp_offset}", "::/loader/entries"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return sorted(line.rsplit("/", 1)[-1] for line in result.stdout.split())


def run(args: argparse.Namespace) -> dict[str, object]:
    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    firmware = MACHINES["amd64"]
    shutil.copyfile(firmware.vars, work / firmware.vars_copy)
    disk = work / "disk.raw"
    subprocess.run(["cp", "--sparse=always", str(args.image), str(disk)], check=True)
    layout = partitions(disk)
    esp_offset = layout["esp"][0]
    bundles: Path = args.bundles
    refused = sorted((bundles / "refused").glob("*.raucb"))
    results: dict[str, object] = {}
    checks: dict[str, bool] = {}

    if "refused" in args.scenarios:
        stick = work / "stick-refused.img"
        make_stick(refused, stick)
        expected = [GOOD.format(slot="A")]
        expected += [
            REFUSED.format(name=re.escape(b.name), reason=re.escape(REASONS.get(b.name, "")))
            for b in refused
        ]
        results["refused"] = scenario(args, work, "refused", stick, expected)
        checks["refused_all"] = bool(results["refused"]["passed"])  # type: ignore[index]
        checks["refused_left_slot_b_blank"] = blank(disk, layout["root-b"][0])
        checks["refused_left_entries"] = entries(disk, esp_offset) == ["perfume-a.conf"]
        data_facts(disk, *layout["data"], work)  # the guest's journal → work/journal.txt
        journal = (work / "journal.txt").read_text(errors="replace")
        checks["refused_older_by_version"] = (
            "refusing bundle 0.0.1: older than the running" in journal
        )
        stick.unlink()

    if "update" in args.scenarios:
        stick = work / "stick-update.img"
        make_stick([bundles / "1-good.raucb"], stick)
        expected = [
            GOOD.format(slot="A"),
            INSTALLED.format(name=re.escape("1-good.raucb")),
            GOOD.format(slot="B"),
        ]
        results["update"] = scenario(args, work, "update", stick, expected)
        checks["update_booted_b_good"] = bool(results["update"]["passed"])  # type: ignore[index]
        results["entries_after_update"] = entries(disk, esp_offset)
        checks["update_b_marked_good"] = "perfume-b.conf" in entries(disk, esp_offset)
        stick.unlink()

    if "fallback" in args.scenarios:
        stick = work / "stick-fallback.img"
        make_stick([bundles / "2-broken.raucb"], stick)
        expected = [
            GOOD.format(slot="B"),
            INSTALLED.format(name=re.escape("2-broken.raucb")),
            BAD.format(slot="A"),
            GOOD.format(slot="B"),
        ]
        results["fallback"] = scenario(args, work, "fallback", stick, expected)
        checks["fallback_back_on_b"] = bool(results["fallback"]["passed"])  # type: ignore[index]
        results["entries_after_fallback"] = entries(disk, esp_offset)
        checks["fallback_a_marked_bad"] = any(
            e.startswith("perfume-a+0") for e in entries(disk, esp_offset)
        )
        stick.unlink()

    results["esp_perfume_kiosk"] = esp_files(disk, esp_offset)
    results["checks"] = checks
    results["passed"] = bool(checks) and all(checks.values())
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--bundles", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--step-deadline", type=float, default=600.0)
    parser.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    parser.add_argument("--smp", type=int, default=2)
    parser.add_argument("--memory", type=int, default=2048)
    parser.add_argument(
        "--scenarios", nargs="+", default=["refused", "update", "fallback"],
        choices=["refused", "update", "fallback"],
    )  # fmt: skip
    args = parser.parse_args()
    result = run(args)
    (args.work / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
