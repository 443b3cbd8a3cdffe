"""The boot test's QEMU command (packaging/scripts/boot_test.py): amd64 exactly as CI has always
booted it, arm64 on the ``virt`` machine with AAVMF and virtio-gpu, and each command accepted by
the QEMU installed here (started paused, asked over QMP, quit) when that QEMU and its firmware are
installed."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.waiting import until

SCRIPTS = Path(__file__).parents[2] / "packaging/scripts"


@pytest.fixture(scope="module")
def boot_test() -> ModuleType:
    sys.path.insert(0, str(SCRIPTS))  # boot_test imports its sibling modules by name
    spec = importlib.util.spec_from_file_location("boot_test", SCRIPTS / "boot_test.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def tcg(smp: int = 2, memory: int = 2048) -> argparse.Namespace:
    return argparse.Namespace(accel="tcg", smp=smp, memory=memory)


def test_amd64_command_is_unchanged(boot_test: ModuleType) -> None:
    """update_test.py calls qemu_command without an architecture: it must stay amd64's."""
    assert boot_test.qemu_command(tcg(), Path("/w"), 1) == [
        "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max",
        "-smp", "2", "-m", "2048",
        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        "-drive", "if=pflash,format=raw,unit=1,file=/w/OVMF_VARS.fd",
        "-drive", "if=virtio,format=raw,file=/w/disk.raw",
        "-vga", "none", "-device", "VGA,edid=on,xres=1080,yres=1920",
        "-display", "none", "-nic", "user,model=virtio-net-pci,restrict=on",
        "-chardev", "file,id=serial0,path=/w/serial-1.log", "-serial", "chardev:serial0",
        "-qmp", "unix:/w/qmp.sock,server=on,wait=off", "-no-reboot",
    ]  # fmt: skip


def test_arm64_command(boot_test: ModuleType) -> None:
    command = boot_test.qemu_command(
        tcg(), Path("/w"), 2, reboot=True, extra_args=("-x", "y"), arch="arm64"
    )
    assert command[0] == "qemu-system-aarch64"
    pairs = list(zip(command[1::2], command[2::2], strict=False))
    assert ("-machine", "virt") in pairs
    assert ("-cpu", "cortex-a72") in pairs
    assert (
        "-drive",
        "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd",
    ) in pairs
    assert ("-drive", "if=pflash,format=raw,unit=1,file=/w/AAVMF_VARS.fd") in pairs
    assert ("-device", "virtio-gpu-pci,edid=on,xres=1080,yres=1920") in pairs
    assert ("-chardev", "file,id=serial0,path=/w/serial-2.log") in pairs
    assert "-vga" not in command and "-no-reboot" not in command
    assert command[-2:] == ["-x", "y"]
    assert boot_test.qemu_command(
        argparse.Namespace(accel="kvm", smp=2, memory=2048), Path("/w"), 1, arch="arm64"
    )[5:7] == ["-cpu", "host"]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "arch"),
    [
        ("perfume-kiosk-arm64.img", "arm64"),
        ("perfume-kiosk-amd64.img", "amd64"),
        ("perfume-kiosk-riscv64.img", "amd64"),
        ("disk.raw", "amd64"),
    ],
)
def test_arch_from_image_name(boot_test: ModuleType, name: str, arch: str) -> None:
    assert boot_test.image_arch(Path("/build/out") / name) == arch


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_installed_qemu_accepts_the_command(
    boot_test: ModuleType, arch: str, tmp_path: Path
) -> None:
    """Every device and property on the command line exists in this QEMU: it starts (paused,
    before the firmware runs) and answers QMP."""
    machine = boot_test.MACHINES[arch]
    if shutil.which(machine.qemu) is None or not machine.code.exists():
        pytest.skip(f"{machine.qemu} or {machine.code} not installed")
    shutil.copyfile(machine.vars, tmp_path / machine.vars_copy)
    subprocess.run(["truncate", "-s", "64M", str(tmp_path / "disk.raw")], check=True)
    command = boot_test.qemu_command(tcg(smp=1, memory=256), tmp_path, 1, arch=arch)
    qemu = boot_test.start_qemu([*command, "-S"], tmp_path / "qemu.out")
    try:
        qmp = connect(boot_test, tmp_path / "qmp.sock", qemu)
        status = qmp.command("query-status")
        qmp.command("quit")
        qmp.close()
        assert status["status"] == "prelaunch"
        assert qemu.wait(timeout=60) == 0
    finally:
        qemu.kill()
        qemu.wait()


def connect(boot_test: ModuleType, path: Path, qemu: subprocess.Popen[bytes]) -> Any:
    """QMP once QEMU listens (its socket may exist a moment before); QEMU must stay up."""

    def listening() -> bool:
        assert qemu.poll() is None, f"QEMU exited {qemu.returncode} before QMP answered"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
            except (FileNotFoundError, ConnectionRefusedError):
                return False
        return True

    asyncio.run(until(listening, timeout=60, what="QEMU's QMP socket"))
    return boot_test.Qmp(path)
