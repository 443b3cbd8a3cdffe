"""The export-stick mounter (packaging/rootfs/usr/libexec/perfume-kiosk/export-stick), run as a
process the way perfume-kiosk-export@.service runs it.

``blkid`` and ``systemd-mount`` are the system's, the boundary we do not own: stand-ins print a
device's label and type and record the mount request. What is checked is ours: only a
filesystem labelled PK-EXPORT is mounted at the export folder, with the options that keep it
the kiosk user's alone; the QEMU boot test mounts a real stick."""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOTFS = Path(__file__).parents[2] / "packaging/rootfs"
SCRIPT = ROOTFS / "usr/libexec/perfume-kiosk/export-stick"
ME = pwd.getpwuid(os.getuid())


class Stick:
    """A device as blkid reports it, and the mount requests made for it."""

    def __init__(self, root: Path, label: str | None, fstype: str, mount_exit: int = 0) -> None:
        self.mount_point = root / "media-usb"
        self.mount_point.mkdir(mode=0o755)
        self.calls = root / "systemd-mount.calls"
        self.blkid = root / "blkid"
        lines = ([f"LABEL={label}"] if label is not None else []) + [f"TYPE={fstype}"]
        body = "".join(f"echo '{line}'\n" for line in ["DEVNAME=$3", *lines])
        self.blkid.write_text(f"#!/bin/sh\n{body}")
        self.mount = root / "systemd-mount"
        self.mount.write_text(
            f'#!/bin/sh\nprintf "%s\\n" "$@" >> {self.calls}\necho ---- >> {self.calls}\n'
            f"exit {mount_exit}\n"
        )
        for tool in (self.blkid, self.mount):
            tool.chmod(0o755)

    def plug(self, *extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(SCRIPT), "/dev/sdz1", "--owner", ME.pw_name]
        command += ["--blkid", str(self.blkid), "--systemd-mount", str(self.mount)]
        command += ["--mount-point", str(self.mount_point), *extra]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    def mount_requests(self) -> list[list[str]]:
        if not self.calls.exists():
            return []
        text = self.calls.read_text().strip()
        return [block.strip().splitlines() for block in text.split("----") if block.strip()]


def options(request: list[str]) -> set[str]:
    (value,) = [arg.split("=", 1)[1] for arg in request if arg.startswith("--options=")]
    return set(value.split(","))


@pytest.mark.parametrize("fstype", ["vfat", "exfat"])
def test_a_pk_export_stick_without_owners_is_the_kiosk_users_alone(
    tmp_path: Path, fstype: str
) -> None:
    stick = Stick(tmp_path, "PK-EXPORT", fstype)

    result = stick.plug()

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"PERFUME-KIOSK-EXPORT: mounted /dev/sdz1 {fstype} at {stick.mount_point}" in (
        result.stdout
    )
    (request,) = stick.mount_requests()
    assert request[-2:] == ["/dev/sdz1", str(stick.mount_point)]
    assert f"--type={fstype}" in request
    assert {"--collect", "--property=LazyUnmount=yes"} <= set(request)
    assert options(request) >= {
        "rw", "nodev", "nosuid", "noexec", f"uid={ME.pw_uid}", f"gid={ME.pw_gid}",
        "fmask=0077", "dmask=0077", "dirsync", "x-systemd.device-bound",
    }  # fmt: skip


def test_an_ext4_stick_keeps_its_owners_and_its_top_folder_becomes_the_kiosk_users(
    tmp_path: Path,
) -> None:
    stick = Stick(tmp_path, "PK-EXPORT", "ext4")

    result = stick.plug()

    assert result.returncode == 0, result.stdout + result.stderr
    (request,) = stick.mount_requests()
    assert not any(re.match(r"(uid|gid|fmask|dmask)=", o) for o in options(request))
    assert {"nodev", "nosuid", "noexec", "x-systemd.device-bound"} <= options(request)
    info = stick.mount_point.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (ME.pw_uid, ME.pw_gid, 0o700)


@pytest.mark.parametrize("label", ["PK-UPDATE", "PHOTOS", "pk-export", "PK-EXPORT2", None])
def test_a_stick_with_another_label_is_never_mounted_there(
    tmp_path: Path, label: str | None
) -> None:
    stick = Stick(tmp_path, label, "vfat")

    result = stick.plug()

    assert result.returncode == 1
    assert "PERFUME-KIOSK-EXPORT: refused /dev/sdz1: label" in result.stdout
    assert stick.mount_requests() == []


def test_a_pk_export_stick_of_another_filesystem_is_refused(tmp_path: Path) -> None:
    stick = Stick(tmp_path, "PK-EXPORT", "ntfs")

    result = stick.plug()

    assert result.returncode == 1
    assert "filesystem ntfs is not one of vfat, exfat, ext4" in result.stdout
    assert stick.mount_requests() == []


def test_a_second_stick_is_refused_while_one_is_mounted(tmp_path: Path) -> None:
    stick = Stick(tmp_path, "PK-EXPORT", "vfat")

    result = stick.plug("--mount-point", "/proc")  # a mount point, like a mounted /media/usb

    assert result.returncode == 1
    assert "/proc already holds a stick" in result.stdout
    assert stick.mount_requests() == []


def test_a_failed_mount_is_reported_and_fails_the_unit(tmp_path: Path) -> None:
    stick = Stick(tmp_path, "PK-EXPORT", "vfat", mount_exit=1)

    result = stick.plug()

    assert result.returncode == 1
    assert "PERFUME-KIOSK-EXPORT: refused /dev/sdz1: systemd-mount failed" in result.stdout


def test_the_udev_rule_unit_and_kiosk_unit_agree_on_the_export_stick() -> None:
    """The rule pulls in a unit that exists, which runs this script; the kiosk may write at
    the mount point the script uses, and nothing else of the root."""
    rules = (ROOTFS / "etc/udev/rules.d/70-perfume-kiosk.rules").read_text()
    (rule,) = [line for line in rules.splitlines() if "PK-EXPORT" in line and "==" in line]
    assert 'ENV{ID_FS_LABEL}=="PK-EXPORT"' in rule
    unit = re.search(r'SYSTEMD_WANTS\}\+="([^"]+)%k\.service"', rule)
    assert unit is not None
    template = ROOTFS / "etc/systemd/system" / f"{unit.group(1)}.service"
    assert "/usr/libexec/perfume-kiosk/export-stick /dev/%I" in template.read_text()
    kiosk = (ROOTFS / "etc/systemd/system/perfume-kiosk.service").read_text()
    writable = re.findall(r"^ReadWritePaths=(.*)$", kiosk, re.MULTILINE)
    assert writable == ["/data/perfume-kiosk", "-/media/usb"]
    assert "ProtectSystem=strict" in kiosk
