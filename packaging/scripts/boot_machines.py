"""The QEMU machine per architecture that the boot and update tests boot the image on:
amd64 is q35 with OVMF and std VGA; arm64 is ``virt`` with AAVMF (Debian's qemu-efi-aarch64),
a Cortex-A72 (a Raspberry Pi 4's core) and virtio-gpu, with a wider default deadline (TCG
translates every arm64 instruction on the x86 host; manual only, never in CI).
:func:`qemu_command` is the command line both tests start."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")


@dataclass(frozen=True)
class Machine:
    """What QEMU needs per architecture; the firmware's variable store is copied per run."""

    qemu: str
    machine: str
    tcg_cpu: str
    code: Path
    vars: Path
    vars_copy: str
    firmware_package: str
    display: tuple[str, ...]
    deadline: float


MACHINES = {
    "amd64": Machine(
        "qemu-system-x86_64", "q35", "max", OVMF_CODE, OVMF_VARS, "OVMF_VARS.fd", "ovmf",
        # A portrait panel like the kiosk's (std VGA with an EDID preferring 1080x1920).
        ("-vga", "none", "-device", "VGA,edid=on,xres=1080,yres=1920"),
        420.0,
    ),
    "arm64": Machine(
        "qemu-system-aarch64", "virt", "cortex-a72", Path("/usr/share/AAVMF/AAVMF_CODE.fd"),
        Path("/usr/share/AAVMF/AAVMF_VARS.fd"), "AAVMF_VARS.fd", "qemu-efi-aarch64",
        # No VGA on virt: virtio-gpu (the kernel's virtio_gpu DRM driver), the same panel.
        ("-device", "virtio-gpu-pci,edid=on,xres=1080,yres=1920"),
        900.0,
    ),
}  # fmt: skip


def image_arch(image: Path) -> str:
    """The architecture assemble-image names its output for (perfume-kiosk-ARCH.img), else amd64."""
    match = re.fullmatch(r"perfume-kiosk-(?P<arch>\w+)\.img", image.name)
    return match["arch"] if match and match["arch"] in MACHINES else "amd64"


def qemu_command(
    args: argparse.Namespace,
    work: Path,
    boot: int | str,
    *,
    reboot: bool = False,
    extra_disks: tuple[Path, ...] = (),
    extra_args: tuple[str, ...] = (),
    arch: str = "amd64",
) -> list[str]:
    """QEMU for ``work/disk.raw``; ``reboot`` lets the guest reboot instead of exiting;
    ``extra_args`` are appended (the export check's USB sticks and credentials)."""
    disks = [arg for disk in extra_disks for arg in ("-drive", f"if=virtio,format=raw,file={disk}")]
    machine = MACHINES[arch]
    return [
        machine.qemu,
        "-machine", machine.machine,
        "-accel", args.accel,
        "-cpu", machine.tcg_cpu if args.accel == "tcg" else "host",
        "-smp", str(args.smp),
        "-m", str(args.memory),
        "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={machine.code}",
        "-drive", f"if=pflash,format=raw,unit=1,file={work / machine.vars_copy}",
        "-drive", f"if=virtio,format=raw,file={work / 'disk.raw'}",
        *machine.display,
        "-display", "none",
        "-nic", "user,model=virtio-net-pci,restrict=on",
        "-chardev", f"file,id=serial0,path={work / f'serial-{boot}.log'}",
        "-serial", "chardev:serial0",
        "-qmp", f"unix:{work / 'qmp.sock'},server=on,wait=off",
        *disks,
        *extra_args,
        *([] if reboot else ["-no-reboot"]),
    ]  # fmt: skip
