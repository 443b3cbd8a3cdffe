"""Boot the image in QEMU (TCG by default) and wait for the kiosk's health marker.

``--arch`` (default: from the image's name, ``perfume-kiosk-ARCH.img``) picks the machine:
amd64 is q35 with OVMF and std VGA; arm64 is ``virt`` with AAVMF (Debian's qemu-efi-aarch64),
a Cortex-A72 (a Raspberry Pi 4's core) and virtio-gpu, with a wider default deadline: TCG
translates every arm64 instruction on the x86 host, and only quiet boots were measured (manual
only, never in CI; docs/packaging.md).

The image is never modified: QEMU boots a sparse copy, with ``--provision`` a provisioning file
put on its ESP (mtools, no mount). It boots ``--boots`` times in a row (first boot provisions,
the second must not). The serial console goes to a log file per boot; the gate is
``PERFUME-KIOSK-HEALTH: GOOD ...`` printed by perfume-kiosk-health.service, whose facts must
say the root is read-only and /data is mounted. Then a screendump is taken through QMP (PPM)
and saved as PNG with Pillow, and the guest is powered off. With ``--expect-ui`` each
screendump must show the attract screen: it is compared with the app's own offscreen render
(screen_check.py; rendered by this Python's venv, which holds the locked versions the image
runs). With ``--export-check`` USB sticks come along (export_check.py): a PK-EXPORT stick
plugged in and pulled out while the first boot's kiosk runs, attached from power-on on later
boots, checked from inside the kiosk unit's mount namespace, and read back on the host. A boot
that fails ends the run (the next boot would prove nothing). Afterwards the data partition is
read with debugfs (machine key mode, ledger present, the technician enrolment consumed by the
kiosk, its service store there) and the ESP with mdir (provisioning file gone). Timings and the
verdict go to result.json.

QEMU dies with this process whatever ends it: SIGTERM/SIGHUP/SIGINT run the clean-up, and the
kernel kills QEMU (PR_SET_PDEATHSIG) if this process is killed outright.

    python packaging/scripts/boot_test.py --image out/perfume-kiosk-amd64.img --work DIR
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from boot_machines import MACHINES, image_arch, qemu_command
from disk_image import add_kernel_args, data_facts, esp_files, partitions
from export_check import ExportCheck, exported_folders, make_stick, read_stick, stick_checks
from screen_check import compare, render_reference, side_by_side

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


def _die_with_parent() -> None:
    """In the QEMU child before exec: SIGKILL it when the test process dies (Linux prctl)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def start_qemu(command: list[str], out: Path) -> subprocess.Popen[bytes]:
    """Start QEMU with its output in ``out``; it cannot outlive this process."""
    with open(out, "wb") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=handle, preexec_fn=_die_with_parent)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop QEMU


def _wait_for(path: Path, deadline: float) -> None:
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.1)


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


def boot_once(
    args: argparse.Namespace, work: Path, boot: int, export: ExportCheck | None = None
) -> dict[str, object]:
    """One boot to the health marker (and, with ``export``, through the export check: up to
    ``--export-grace`` seconds past the marker), a screendump, a clean power-off."""
    log = work / f"serial-{boot}.log"
    result: dict[str, object] = {}
    started = time.monotonic()
    extra = tuple(export.qemu_args()) if export is not None else ()
    command = qemu_command(args, work, boot, extra_args=extra, arch=args.arch)
    qemu = start_qemu(command, work / f"qemu-{boot}.out")
    milestones: dict[str, float] = {}
    verdict, facts = "timeout", ""
    qmp: Qmp | None = None

    def connect() -> Qmp:
        nonlocal qmp
        if qmp is None:
            qmp = Qmp(work / "qmp.sock")
        return qmp

    try:
        deadline = started + args.deadline
        while time.monotonic() < deadline and qemu.poll() is None:
            text = log.read_text(errors="replace") if log.exists() else ""
            for name, pattern in MILESTONES.items():
                if name not in milestones and pattern.search(text):
                    milestones[name] = round(time.monotonic() - started, 1)
            if export is not None and not export.finished:
                export.poll(text, connect)
                if export.finished:
                    milestones["export_check"] = round(time.monotonic() - started, 1)
            if verdict == "timeout" and (
                (match := GOOD.search(text)) or (match := BAD.search(text))
            ):
                verdict = "good" if match.re is GOOD else "bad"
                facts = match["facts"].strip()
                milestones["health"] = round(time.monotonic() - started, 1)
                deadline = min(deadline, time.monotonic() + args.export_grace)
            if verdict == "bad" or (verdict == "good" and (export is None or export.finished)):
                break
            time.sleep(0.5)
        if qemu.poll() is not None:
            verdict = f"qemu exited {qemu.returncode}"
        else:
            if args.settle:
                time.sleep(args.settle)  # let the first frame reach the display
            result["screen"] = screendump(connect(), work, boot)
            connect().command("system_powerdown")
            try:
                qemu.wait(timeout=90)
            except subprocess.TimeoutExpired:
                connect().command("quit")
    except BaseException:  # a signal (SystemExit) or a failure: no clean power-off, no waiting
        qemu.kill()
        raise
    finally:
        if qmp is not None:
            qmp.close()
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
    if export is not None:
        result["export"] = export.result()
    return result


def attract_on_screen(boot: dict[str, object], reference: Path, work: Path, n: int) -> bool:
    """Compare boot ``n``'s screendump with the reference; a side-by-side PNG when it fails."""
    screen = boot.get("screen")
    if not isinstance(screen, dict):
        return False
    comparison = compare(Path(screen["png"]), reference)
    screen["attract"] = comparison.as_dict()
    if not comparison.passed:
        screen["side_by_side"] = str(
            side_by_side(Path(screen["png"]), reference, work / f"screen-{n}-vs-reference.png")
        )
    return comparison.passed


def run(args: argparse.Namespace) -> dict[str, object]:
    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    machine = MACHINES[args.arch]
    shutil.copyfile(machine.vars, work / machine.vars_copy)
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
    result: dict[str, object] = {"image": str(args.image), "arch": args.arch, "accel": args.accel}
    reference = None
    if args.expect_ui:
        reference = args.reference or render_reference(Path(sys.executable), work / "reference")
        result["reference"] = str(reference)
    boots: list[dict[str, object]] = []
    checks: dict[str, bool] = {}
    if args.export_check:
        stick = make_stick(work / "export-stick.img", "PK-EXPORT")
        other = make_stick(work / "photos-stick.img", "PHOTOS", size_mib=4)
    for n in range(1, args.boots + 1):
        export = ExportCheck(work, n, stick, other) if args.export_check else None
        boot = boot_once(args, work, n, export)
        boots.append(boot)
        facts = str(boot["facts"])
        checks[f"boot{n}_health_good"] = boot["verdict"] == "good"
        checks[f"boot{n}_root_read_only"] = "root=ro" in facts
        checks[f"boot{n}_data_mounted"] = bool(re.search(r"data=/dev/\S+", facts))
        if reference is not None:
            checks[f"boot{n}_attract_screen"] = attract_on_screen(boot, reference, work, n)
        if export is not None:
            checks.update(export.checks())
        if not all(checks.values()):
            break  # the next boot would prove nothing; the logs of this one say why
    result["boots"] = boots
    data = data_facts(disk, *layout["data"], work)
    result["data"] = data
    checks["ledger_on_data_partition"] = bool(data["ledger_on_data"])
    if args.export_check:
        folders = exported_folders(boots)
        result["stick"] = read_stick(stick, folders, work)
        checks.update(stick_checks(result["stick"], folders))
    if args.provision:
        checks["provisioned_on_first_boot"] = bool(boots[0]["provisioned_now"])
        checks["provisioning_file_deleted"] = "provision.toml" not in esp_files(disk, esp_offset)
        checks["machine_key_0600"] = data["machine_key_mode"] == "0600"
        # The demo imports the provisioned technician at its first start (kiosk/service/
        # assembly.py demo_settings) and destroys the file holding the one-time PIN; the export
        # check's "before" phase saw it gone once the first boot's kiosk was READY.
        enrolment = data["technician_enrolment"]
        assert isinstance(enrolment, dict)
        checks["technician_enrolment_consumed"] = not enrolment["present"]
        checks["service_store_on_data_partition"] = data["service_store"] is not None
        checks["not_provisioned_again"] = len(boots) == args.boots and not any(
            b["provisioned_now"] for b in boots[1:]
        )
    result["checks"] = checks
    result["passed"] = all(checks.values())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--arch", choices=sorted(MACHINES), help="default: from the image name")
    parser.add_argument("--deadline", type=float, help="seconds to the marker (420, arm64 900)")
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
        "--expect-ui",
        action="store_true",
        help="fail unless each screendump shows the attract screen (screen_check.py)",
    )
    parser.add_argument(
        "--reference", type=Path, help="reference PNG (default: rendered by this venv's app)"
    )
    parser.add_argument(
        "--export-check",
        action="store_true",
        help="USB export stick checks (export_check.py): hot-plugged on boot 1, cold after",
    )
    parser.add_argument(
        "--export-grace",
        type=float,
        default=90.0,
        help="seconds past the health marker to wait for the export check's last report",
    )
    args = parser.parse_args()
    args.arch = args.arch or image_arch(args.image)
    machine = MACHINES[args.arch]
    args.deadline = args.deadline or machine.deadline
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _exit_on_signal)
    if not os.access(machine.code, os.R_OK):
        print(
            f"boot-test: {machine.code} missing (apt-get install {machine.firmware_package})",
            file=sys.stderr,
        )
        return 2
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"  # sfdisk, debugfs
    result = run(args)
    (args.work / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if not result["passed"]:
        checks = result["checks"]
        assert isinstance(checks, dict)
        failed = [name for name, ok in checks.items() if not ok]
        print(f"boot-test: FAILED: {', '.join(failed)}", file=sys.stderr)
        print(
            f"boot-test: serial logs (serial-N.log), QEMU output (qemu-N.out), screendumps"
            f" (screen-N.png, screen-N-vs-reference.png), the guest journal (journal.txt) and"
            f" result.json are in {args.work}",
            file=sys.stderr,
        )
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
