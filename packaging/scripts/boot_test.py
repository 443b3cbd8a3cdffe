"""Boot the image in QEMU (q35, OVMF, TCG by default) and wait for the kiosk's health marker.

The image is never modified: QEMU boots a sparse copy, with ``--provision`` a provisioning file
put on its ESP (mtools, no mount). It boots ``--boots`` times in a row (first boot provisions,
the second must not). The serial console goes to a log file per boot; the gate is
``PERFUME-KIOSK-HEALTH: GOOD ...`` printed by perfume-kiosk-health.service, whose facts must
say the root is read-only and /data is mounted. Then a screendump is taken through QMP (PPM)
and saved as PNG with Pillow, and the guest is powered off. Afterwards the
data partition is read with debugfs (machine key mode, ledger present) and the ESP with mdir
(provisioning file gone). Timings and the verdict go to result.json.

    python packaging/scripts/boot_test.py --image out/perfume-kiosk-amd64.img --work DIR
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
GOOD = re.compile(r"PERFUME-KIOSK-HEALTH: GOOD (?P<facts>.*)")
BAD = re.compile(r"PERFUME-KIOSK-HEALTH: BAD (?P<facts>.*)")
MILESTONES = {
    "kernel": re.compile(r"Linux version|Booting Linux"),
    "systemd": re.compile(r"systemd\[1\]|Welcome to"),
}


class Qmp:
    """Minimal QMP client: connect, negotiate capabilities, run commands."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._sock.connect(str(path))
        self._file = self._sock.makefile("rwb")
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self) -> dict[str, object]:
        while True:
            line = self._file.readline()
            if not line:
                raise ConnectionError("QMP closed")
            message: dict[str, object] = json.loads(line)
            if "event" not in message:
                return message

    def command(self, name: str, **arguments: object) -> object:
        request: dict[str, object] = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self._file.write(json.dumps(request).encode() + b"\n")
        self._file.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"QMP {name}: {reply['error']}")
        return reply.get("return")

    def close(self) -> None:
        self._file.close()
        self._sock.close()


def _wait_for(path: Path, deadline: float) -> None:
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.1)


def qemu_command(
    args: argparse.Namespace,
    work: Path,
    boot: int | str,
    *,
    reboot: bool = False,
    extra_disks: tuple[Path, ...] = (),
) -> list[str]:
    """QEMU for ``work/disk.raw``; ``reboot`` lets the guest reboot instead of exiting."""
    disks = [arg for disk in extra_disks for arg in ("-drive", f"if=virtio,format=raw,file={disk}")]
    return [
        "qemu-system-x86_64",
        "-machine", "q35",
        "-accel", args.accel,
        "-cpu", "max" if args.accel == "tcg" else "host",
        "-smp", str(args.smp),
        "-m", str(args.memory),
        "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
        "-drive", f"if=pflash,format=raw,unit=1,file={work / 'OVMF_VARS.fd'}",
        "-drive", f"if=virtio,format=raw,file={work / 'disk.raw'}",
        # A portrait panel like the kiosk's (std VGA with an EDID preferring 1080x1920).
        "-vga", "none",
        "-device", "VGA,edid=on,xres=1080,yres=1920",
        "-display", "none",
        "-nic", "user,model=virtio-net-pci,restrict=on",
        "-chardev", f"file,id=serial0,path={work / f'serial-{boot}.log'}",
        "-serial", "chardev:serial0",
        "-qmp", f"unix:{work / 'qmp.sock'},server=on,wait=off",
        *disks,
        *([] if reboot else ["-no-reboot"]),
    ]  # fmt: skip


def screendump(qmp: Qmp, work: Path, boot: int) -> dict[str, object]:
    ppm = work / "screen.ppm"
    ppm.unlink(missing_ok=True)
    qmp.command("screendump", filename=str(ppm))
    _wait_for(ppm, time.monotonic() + 10)
    png = work / f"screen-{boot}.png"
    with Image.open(ppm) as image:
        rgb = image.convert("RGB")
        rgb.save(png)
        colours = rgb.getcolors(maxcolors=1 << 16) or []
    colours.sort(reverse=True)
    total = rgb.width * rgb.height
    dominant = [
        {"rgb": "#{:02x}{:02x}{:02x}".format(*c), "share": round(n / total, 3)}
        for n, c in colours[:5]
    ]
    return {
        "png": str(png),
        "size": [rgb.width, rgb.height],
        "distinct_colours": len(colours),
        "dominant": dominant,
        "blank": len(colours) <= 1,
    }


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
    """Read the data partition with debugfs (no mount): key mode, ledger present."""
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


def boot_once(args: argparse.Namespace, work: Path, boot: int) -> dict[str, object]:
    log = work / f"serial-{boot}.log"
    result: dict[str, object] = {}
    started = time.monotonic()
    with open(work / f"qemu-{boot}.out", "wb") as out:
        qemu = subprocess.Popen(qemu_command(args, work, boot), stdout=out, stderr=out)
    milestones: dict[str, float] = {}
    verdict, facts = "timeout", ""
    try:
        deadline = started + args.deadline
        while time.monotonic() < deadline and qemu.poll() is None:
            text = log.read_text(errors="replace") if log.exists() else ""
            for name, pattern in MILESTONES.items():
                if name not in milestones and pattern.search(text):
                    milestones[name] = round(time.monotonic() - started, 1)
            if (match := GOOD.search(text)) or (match := BAD.search(text)):
                verdict = "good" if match.re is GOOD else "bad"
                facts = match["facts"].strip()
                milestones["health"] = round(time.monotonic() - started, 1)
                break
            time.sleep(0.5)
        if qemu.poll() is not None:
            verdict = f"qemu exited {qemu.returncode}"
        else:
            qmp = Qmp(work / "qmp.sock")
            try:
                if args.settle:
                    time.sleep(args.settle)  # let the first frame reach the display
                result["screen"] = screendump(qmp, work, boot)
                qmp.command("system_powerdown")
                try:
                    qemu.wait(timeout=90)
                except subprocess.TimeoutExpired:
                    qmp.command("quit")
            finally:
                qmp.close()
    finally:
        try:
            qemu.wait(timeout=30)
        except subprocess.TimeoutExpired:
            qemu.kill()
            qemu.wait()
    milestones["powered_off"] = round(time.monotonic() - started, 1)
    text = log.read_text(errors="replace") if log.exists() else ""
    result["verdict"] = verdict
    result["facts"] = facts
    result["seconds"] = milestones
    result["provisioned_now"] = "perfume-kiosk provisioning: provisioned" in text
    return result


def run(args: argparse.Namespace) -> dict[str, object]:
    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copyfile(OVMF_VARS, work / "OVMF_VARS.fd")
    disk = work / "disk.raw"
    subprocess.run(["cp", "--sparse=always", str(args.image), str(disk)], check=True)
    layout = partitions(disk)
    esp_offset = layout["esp"][0]
    if args.provision:
        subprocess.run(
            ["mcopy", "-o", "-i", f"{disk}@@{esp_offset}", str(args.provision),
             "::/perfume-kiosk/provision.toml"],
            check=True,
        )  # fmt: skip
    if args.kernel_args:
        add_kernel_args(disk, esp_offset, args.kernel_args, work)
    result: dict[str, object] = {"image": str(args.image), "accel": args.accel}
    boots = [boot_once(args, work, n) for n in range(1, args.boots + 1)]
    result["boots"] = boots
    checks: dict[str, bool] = {}
    for n, boot in enumerate(boots, start=1):
        facts = str(boot["facts"])
        checks[f"boot{n}_health_good"] = boot["verdict"] == "good"
        checks[f"boot{n}_root_read_only"] = "root=ro" in facts
        checks[f"boot{n}_data_mounted"] = bool(re.search(r"data=/dev/\S+", facts))
        if args.expect_ui:
            screen = boot.get("screen")
            checks[f"boot{n}_screen_not_blank"] = isinstance(screen, dict) and not screen["blank"]
    data = data_facts(disk, *layout["data"], work)
    result["data"] = data
    checks["ledger_on_data_partition"] = bool(data["ledger_on_data"])
    if args.provision:
        checks["provisioned_on_first_boot"] = bool(boots[0]["provisioned_now"])
        checks["provisioning_file_deleted"] = "provision.toml" not in esp_files(disk, esp_offset)
        checks["machine_key_0600"] = data["machine_key_mode"] == "0600"
        checks["not_provisioned_again"] = not any(b["provisioned_now"] for b in boots[1:])
    result["checks"] = checks
    result["passed"] = all(checks.values())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--deadline", type=float, default=420.0, help="seconds to the marker")
    parser.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    parser.add_argument("--smp", type=int, default=2)
    parser.add_argument("--memory", type=int, default=2048)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before screendump")
    parser.add_argument("--boots", type=int, default=2, help="boot this many times in a row")
    parser.add_argument("--provision", type=Path, help="provisioning file to put on the ESP")
    parser.add_argument(
        "--kernel-args",
        default="",
        help="append to every boot entry, e.g. systemd.journald.forward_to_console=1 to debug",
    )
    parser.add_argument(
        "--expect-ui", action="store_true", help="fail when the screendump is one flat colour"
    )
    args = parser.parse_args()
    if not os.access(OVMF_CODE, os.R_OK):
        print(f"boot-test: {OVMF_CODE} missing (apt-get install ovmf)", file=sys.stderr)
        return 2
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"  # sfdisk, debugfs
    result = run(args)
    (args.work / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if not result["passed"]:
        print(f"boot-test: FAILED; serial logs in {args.work}", file=sys.stderr)
        return 1
    boots = result["boots"]
    assert isinstance(boots, list)
    print(
        f"boot-test: passed; boot to health marker: {[b['seconds'] for b in boots]}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
