"""The health gate (packaging/rootfs/usr/libexec/perfume-kiosk/health-gate), run as a process.

systemd is the boundary we do not own: a fake ``systemctl`` replays a scripted timeline of the
kiosk unit (state, restart count, when it last became active) on the real monotonic clock the
gate compares against, and a fake /proc gives the slot and mounts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "packaging/rootfs/usr/libexec/perfume-kiosk/health-gate"
FAKE_SYSTEMCTL = """\
import json, sys, time
scenario = json.load(open({scenario!r}))
elapsed = time.monotonic() - scenario["t0"]
phase = [p for p in scenario["phases"] if p[0] <= elapsed][-1]
offset, active, sub, restarts = phase
since = int((scenario["t0"] + offset) * 1e6) if active == "active" else 0
print(f"ActiveState={{active}}\\nSubState={{sub}}\\nNRestarts={{restarts}}")
print(f"ActiveEnterTimestampMonotonic={{since}}")
"""
MOUNTS = """\
/dev/vda2 / ext4 ro,noatime 0 0
/dev/vda4 /data ext4 rw,nosuid,nodev,noatime 0 0
/dev/vda4 /var ext4 rw,nosuid,nodev,noatime 0 0
"""

Phase = tuple[float, str, str, int]


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    directory = tmp_path / "proc"
    (directory / "self").mkdir(parents=True)
    (directory / "cmdline").write_text("root=PARTLABEL=root-a ro rauc.slot=A quiet\n")
    (directory / "self" / "mounts").write_text(MOUNTS)
    return directory


def gate(
    tmp_path: Path, proc: Path, phases: list[Phase], *extra: str
) -> subprocess.CompletedProcess[str]:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"t0": time.monotonic(), "phases": phases}))
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f"#!{sys.executable}\n" + FAKE_SYSTEMCTL.format(scenario=str(scenario)))
    systemctl.chmod(0o755)
    command = [sys.executable, str(SCRIPT), "--systemctl", str(systemctl), "--proc", str(proc)]
    command += ["--interval", "0.05", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_a_steady_kiosk_passes_and_reports_slot_read_only_root_and_data_device(
    tmp_path: Path, proc: Path
) -> None:
    good_file = tmp_path / "marked-good"
    phases: list[Phase] = [(0.0, "activating", "start", 0), (0.3, "active", "running", 0)]

    result = gate(
        tmp_path,
        proc,
        phases,
        "--steady",
        "0.6",
        "--deadline",
        "20",
        "--on-good",
        f"touch {good_file}",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    line = result.stdout.strip().splitlines()[0]
    assert line.startswith("PERFUME-KIOSK-HEALTH: GOOD slot=A root=ro data=/dev/vda4")
    assert "restarts=0" in line
    assert "on-good=ok" in line
    assert good_file.exists()


def test_the_good_marker_reports_a_failed_mark_good(tmp_path: Path, proc: Path) -> None:
    phases: list[Phase] = [(0.0, "active", "running", 0)]

    result = gate(
        tmp_path, proc, phases, "--steady", "0.1", "--deadline", "10", "--on-good", "false"
    )

    assert result.returncode == 0
    assert "command 'false' exited 1" in result.stdout
    assert "on-good=failed" in result.stdout


def test_a_first_start_that_fails_and_is_restarted_does_not_fail_the_gate(
    tmp_path: Path, proc: Path
) -> None:
    phases: list[Phase] = [
        (0.0, "active", "running", 0),
        (0.2, "activating", "auto-restart", 1),
        (0.5, "active", "running", 1),
    ]

    result = gate(tmp_path, proc, phases, "--steady", "0.8", "--deadline", "20")

    assert result.returncode == 0, result.stdout
    assert "GOOD" in result.stdout
    assert "restarts=1" in result.stdout


def test_a_crash_loop_fails_the_gate_and_runs_the_bad_commands(tmp_path: Path, proc: Path) -> None:
    bad_file = tmp_path / "fell-back"
    good_file = tmp_path / "marked-good"
    phases: list[Phase] = []
    for i in range(40):
        phases.append((i * 0.2, "active", "running", i))
        phases.append((i * 0.2 + 0.1, "activating", "auto-restart", i + 1))

    result = gate(
        tmp_path,
        proc,
        phases,
        "--steady",
        "1",
        "--deadline",
        "20",
        "--max-restarts",
        "3",
        "--on-good",
        f"touch {good_file}",
        "--on-bad",
        f"touch {bad_file}",
    )

    assert result.returncode == 1
    assert "PERFUME-KIOSK-HEALTH: BAD" in result.stdout
    assert "crash loop" in result.stdout
    assert bad_file.exists()
    assert not good_file.exists()


def test_a_kiosk_that_never_becomes_ready_fails_at_the_deadline(tmp_path: Path, proc: Path) -> None:
    phases: list[Phase] = [(0.0, "activating", "start", 0)]

    started = time.monotonic()
    result = gate(tmp_path, proc, phases, "--steady", "0.2", "--deadline", "1")

    assert result.returncode == 1
    assert "not steady within 1 s (now activating/start)" in result.stdout
    assert time.monotonic() - started >= 1


def test_a_read_write_root_is_reported_as_such(tmp_path: Path, proc: Path) -> None:
    (proc / "self" / "mounts").write_text(MOUNTS.replace("ext4 ro,noatime", "ext4 rw,noatime"))
    phases: list[Phase] = [(0.0, "active", "running", 0)]

    result = gate(tmp_path, proc, phases, "--steady", "0.1", "--deadline", "10")

    assert result.returncode == 0
    assert "root=rw" in result.stdout
