"""The RAUC custom bootloader backend for systemd-boot boot counting
(packaging/rootfs/usr/libexec/perfume-kiosk/rauc-bootloader), run as RAUC runs it — a process
per call — against an ESP directory and slot root filesystems (directories) in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "packaging/rootfs/usr/libexec/perfume-kiosk/rauc-bootloader"
ENTRY_A = """\
title perfume-kiosk 0.1.0+1 (slot A)
version 0.1.0+1
linux /a/vmlinuz
initrd /a/initrd.img
options root=PARTLABEL=root-a ro rootwait rauc.slot=A console=ttyS0,115200 quiet
sort-key perfume-0
"""


class Machine:
    """An ESP with slot A's entry, slot B's freshly written root filesystem, a kernel cmdline."""

    def __init__(self, root: Path) -> None:
        self.esp = root / "esp"
        self.entries = self.esp / "loader" / "entries"
        self.entries.mkdir(parents=True)
        (self.entries / "perfume-a.conf").write_text(ENTRY_A)
        (self.esp / "a").mkdir()
        (self.esp / "a" / "vmlinuz").write_bytes(b"kernel-a")
        self.devices = root / "dev"
        for slot, version in (("a", "0.1.0+1"), ("b", "0.1.0+2")):
            boot = self.devices / f"root-{slot}" / "boot"
            boot.mkdir(parents=True)
            (boot / "vmlinuz-6.12.0-1-amd64").write_bytes(f"kernel-{slot}".encode())
            (boot / "initrd.img-6.12.0-1-amd64").write_bytes(f"initrd-{slot}".encode())
            etc = self.devices / f"root-{slot}" / "etc"
            etc.mkdir()
            (etc / "perfume-kiosk-release").write_text(version + "\n")
        self.cmdline = root / "cmdline"
        self.boot_into("A")
        self.reboots = root / "reboots"
        reboot = root / "fake-systemctl"
        reboot.write_text(f'#!/bin/sh\necho "$@" >> {self.reboots}\n')
        reboot.chmod(0o755)
        self.env = {
            **os.environ,
            "PK_ESP": str(self.esp),
            "PK_ROOT_DEVICES": str(self.devices),
            "PK_CMDLINE": str(self.cmdline),
            "PK_REBOOT": str(reboot),
        }

    def boot_into(self, slot: str) -> None:
        self.cmdline.write_text(f"root=PARTLABEL=root-{slot.lower()} ro rauc.slot={slot}\n")

    def call(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def out(self, *args: str) -> str:
        result = self.call(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def names(self) -> list[str]:
        return sorted(p.name for p in self.entries.iterdir())

    def firmware_boot(self) -> None:
        """What systemd-boot does at power-on: count one try down on the entry it boots."""
        primary = self.out("get-primary")
        entry = next(
            p for p in self.entries.iterdir() if p.name.startswith(f"perfume-{primary.lower()}")
        )
        name = entry.name.removesuffix(".conf")
        if "+" in name:
            base, counter = name.split("+")
            left, _, done = counter.partition("-")
            entry.rename(entry.with_name(f"{base}+{int(left) - 1}-{int(done or 0) + 1}.conf"))
        self.boot_into(primary)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def test_a_fresh_image_boots_slot_a_which_is_good(machine: Machine) -> None:
    assert machine.out("get-primary") == "A"
    assert machine.out("get-state", "A") == "good"
    assert machine.out("get-state", "B") == "bad"
    assert machine.out("get-current") == "A"


def test_marking_a_slot_without_an_entry_bad_succeeds_as_rauc_does_before_writing_it(
    machine: Machine,
) -> None:
    machine.out("set-state", "B", "bad")

    assert machine.names() == ["perfume-a.conf"]
    assert machine.out("get-state", "B") == "bad"
    assert machine.call("set-state", "B", "good").returncode == 1


def test_set_primary_installs_the_slots_kernel_and_puts_it_first_on_trial(
    machine: Machine,
) -> None:
    machine.out("set-primary", "B")

    assert machine.names() == ["perfume-a.conf", "perfume-b+3.conf"]
    assert (machine.esp / "b" / "vmlinuz").read_bytes() == b"kernel-b"
    assert (machine.esp / "b" / "initrd.img").read_bytes() == b"initrd-b"
    entry_b = (machine.entries / "perfume-b+3.conf").read_text()
    assert "options root=PARTLABEL=root-b ro rootwait rauc.slot=B" in entry_b
    assert "linux /b/vmlinuz" in entry_b
    assert "version 0.1.0+2" in entry_b
    assert "sort-key perfume-0" in entry_b
    assert "sort-key perfume-1" in (machine.entries / "perfume-a.conf").read_text()
    assert machine.out("get-primary") == "B"


def test_a_slot_that_passes_its_health_gate_is_kept(machine: Machine) -> None:
    machine.out("set-primary", "B")
    machine.firmware_boot()
    assert machine.names() == ["perfume-a.conf", "perfume-b+2-1.conf"]

    machine.out("set-state", "B", "good")  # rauc status mark-good from the health gate

    assert machine.names() == ["perfume-a.conf", "perfume-b.conf"]
    for _ in range(5):
        machine.firmware_boot()
        assert machine.out("get-current") == "B"


def test_a_slot_that_never_becomes_healthy_is_abandoned_after_its_tries(
    machine: Machine,
) -> None:
    machine.out("set-primary", "B")

    booted = []
    for _ in range(4):  # the gate never marks B good (hang, kernel panic, no READY)
        machine.firmware_boot()
        booted.append(machine.out("get-current"))

    assert booted == ["B", "B", "B", "A"]
    assert machine.out("get-state", "B") == "bad"
    assert machine.out("get-primary") == "A"


def test_a_failed_health_gate_on_trial_marks_the_slot_bad_and_reboots(
    machine: Machine,
) -> None:
    machine.out("set-primary", "B")
    machine.firmware_boot()

    result = machine.call("abandon-trial")

    assert result.returncode == 0, result.stderr
    assert "failed its trial" in result.stdout
    assert machine.reboots.read_text().split() == ["reboot"]
    machine.firmware_boot()
    assert machine.out("get-current") == "A"


def test_a_failed_health_gate_on_a_good_slot_does_not_flip_slots(machine: Machine) -> None:
    result = machine.call("abandon-trial")

    assert result.returncode == 0
    assert "staying on it" in result.stdout
    assert not machine.reboots.exists()
    assert machine.names() == ["perfume-a.conf"]


def test_set_state_bad_then_good_and_unknown_calls(machine: Machine) -> None:
    machine.out("set-state", "A", "bad")
    assert machine.names() == ["perfume-a+0.conf"]
    assert machine.out("get-state", "A") == "bad"
    machine.out("set-state", "A", "good")
    assert machine.names() == ["perfume-a.conf"]

    assert machine.call("set-state", "A", "sideways").returncode == 1
    assert machine.call("set-state", "C", "good").returncode == 1
    assert machine.call("frobnicate").returncode == 2
