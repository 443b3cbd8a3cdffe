"""Pinned, hashed wheel lock for the image's application venv.

The versions come from the development venv that ran the tests (``importlib.metadata`` walks
the ``perfume-kiosk`` requirement closure there), evaluated for the image's Python and CPU
(trixie: CPython 3.13, glibc 2.41). The wheels are fetched from PyPI for that target with
``pip download --only-binary=:all:`` and their SHA-256 written next to each pin, so the image
build can install with ``pip install --require-hashes --no-deps --no-index``.

    python packaging/scripts/lock.py write --arch amd64 --out packaging/requirements/amd64.lock
    python packaging/scripts/lock.py check --arch amd64 --lock packaging/requirements/amd64.lock
    python packaging/scripts/lock.py fetch --lock LOCK --dest DIR   # wheels for the image build

``check`` fails when the lock's pins differ from the venv's (a dependency moved since the lock
was written); ``fetch`` downloads exactly the locked wheels and verifies every hash.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as metadata
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from packaging.requirements import Requirement

PROJECT = "perfume-kiosk"
TARGET_PYTHON = "3.13"
TARGET_GLIBC_MINOR = 41  # trixie's glibc 2.41
MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}
# Qt wheels the kiosk does not use (WebEngine, Pdf), left out of the lock even where a PySide6
# release requires them; `--qt-addons` keeps them. PySide6_Addons stays: the loyalty camera
# needs its QtMultimedia, and customize-rootfs prunes the rest of it (scripts/qt_prune.py).
QT_EXTRAS = {"pyside6-webengine", "pyside6-pdf"}
LINE = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+)")


def _environment(arch: str) -> dict[str, str]:
    return {
        "python_version": TARGET_PYTHON,
        "python_full_version": f"{TARGET_PYTHON}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": MACHINES[arch],
        "platform_release": "",
        "platform_version": "",
        "implementation_version": f"{TARGET_PYTHON}.0",
        "extra": "",
    }


def pins(arch: str, *, qt_addons: bool) -> dict[str, str]:
    """The runtime closure of the project as installed in this venv: canonical name → version."""
    env = _environment(arch)
    found: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(PROJECT, frozenset())]
    while todo:
        name, extras = todo.pop()
        dist = metadata.distribution(name)
        key = canonicalize_name(dist.metadata["Name"])
        if key != canonicalize_name(PROJECT):
            found[key] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not any(
                Marker(str(req.marker)).evaluate({**env, "extra": extra})
                for extra in (extras or {""})
            ):
                continue
            dep = canonicalize_name(req.name)
            if dep in QT_EXTRAS and not qt_addons:
                continue
            if dep not in found or req.extras:
                todo.append((req.name, frozenset(req.extras)))
    return dict(sorted(found.items()))


def _platforms(arch: str) -> list[str]:
    machine = MACHINES[arch]
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(17, TARGET_GLIBC_MINOR + 1)]
    return [*tags, f"manylinux2014_{machine}", f"linux_{machine}"]


def download(requirements: list[str], arch: str, dest: Path) -> None:
    """Fetch one wheel per requirement for the target (PyPI, binary only, no dependencies)."""
    command = [sys.executable, "-m", "pip", "download", "--isolated", "--quiet", "--no-deps"]
    command += ["--only-binary=:all:", "--python-version", TARGET_PYTHON]
    command += ["--implementation", "cp", "--abi", "cp" + TARGET_PYTHON.replace(".", "")]
    for platform in _platforms(arch):
        command += ["--platform", platform]
    subprocess.run([*command, "-d", str(dest), *requirements], check=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wheel_key(path: Path) -> str:
    return canonicalize_name(path.name.split("-")[0])


def write(arch: str, out: Path, *, qt_addons: bool) -> None:
    pinned = pins(arch, qt_addons=qt_addons)
    with tempfile.TemporaryDirectory() as tmp:
        download([f"{name}=={version}" for name, version in pinned.items()], arch, Path(tmp))
        wheels = {_wheel_key(path): path for path in Path(tmp).glob("*.whl")}
        missing = sorted(set(pinned) - set(wheels))
        if missing:
            raise SystemExit(f"lock: no {arch} wheel for: {', '.join(missing)}")
        lines = [
            f"# {PROJECT} image venv, {arch}, CPython {TARGET_PYTHON}: written by"
            " packaging/scripts/lock.py from the test venv's versions; do not edit.",
            f"# wheels: {', '.join(sorted(p.name for p in wheels.values()))}",
        ]
        for name, version in pinned.items():
            lines.append(f"{name}=={version} --hash=sha256:{_sha256(wheels[name])}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"lock: wrote {out} ({len(pinned)} wheels)")


def read_lock(lock: Path) -> dict[str, tuple[str, str]]:
    entries: dict[str, tuple[str, str]] = {}
    for raw in lock.read_text().splitlines():
        match = LINE.match(raw)
        if match and "--hash=sha256:" in raw:
            digest = raw.split("--hash=sha256:")[1].split()[0]
            entries[canonicalize_name(match["name"])] = (match["version"], digest)
    return entries


def check(arch: str, lock: Path, *, qt_addons: bool) -> None:
    locked = {name: version for name, (version, _) in read_lock(lock).items()}
    wanted = pins(arch, qt_addons=qt_addons)
    if locked != wanted:
        changed = sorted(set(locked.items()) ^ set(wanted.items()))
        raise SystemExit(
            f"lock: {lock} is stale against the test venv ({changed}); run `make -C packaging lock`"
        )
    print(f"lock: {lock} matches the test venv ({len(locked)} pins)")


def fetch(lock: Path, arch: str, dest: Path) -> None:
    entries = read_lock(lock)
    dest.mkdir(parents=True, exist_ok=True)
    have = {_wheel_key(p): p for p in dest.glob("*.whl")}
    stale = [n for n, (_, digest) in entries.items() if n in have and _sha256(have[n]) != digest]
    for name in stale:
        have.pop(name).unlink()
    todo = [f"{n}=={v}" for n, (v, _) in entries.items() if n not in have]
    if todo:
        download(todo, arch, dest)
    have = {_wheel_key(p): p for p in dest.glob("*.whl")}
    for name, (_, digest) in entries.items():
        if name not in have or _sha256(have[name]) != digest:
            raise SystemExit(f"lock: wheel for {name} missing or its hash differs from {lock}")
    print(f"lock: {len(entries)} wheels in {dest} match {lock}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["write", "check", "fetch"])
    parser.add_argument("--arch", choices=sorted(MACHINES), default="amd64")
    parser.add_argument("--lock", "--out", dest="lock", type=Path, required=True)
    parser.add_argument("--dest", type=Path)
    parser.add_argument("--qt-addons", action="store_true", help="keep Qt WebEngine and Pdf")
    args = parser.parse_args()
    if args.action == "write":
        write(args.arch, args.lock, qt_addons=args.qt_addons)
    elif args.action == "check":
        check(args.arch, args.lock, qt_addons=args.qt_addons)
    else:
        if args.dest is None:
            parser.error("fetch needs --dest")
        fetch(args.lock, args.arch, args.dest)


if __name__ == "__main__":
    main()
