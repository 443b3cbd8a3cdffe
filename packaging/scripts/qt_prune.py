"""Prune the installed PySide6_Addons wheel down to Qt Multimedia (the loyalty camera).

The Addons wheel unpacks to ~440 MB (3D, Charts, WebView, Quick3D, FFmpeg three times over…);
the kiosk imports one module from it, ``PySide6.QtMultimedia`` (kiosk/ui/camera_capture.py).
customize-rootfs runs this script inside the new root with the image's own Python (stdlib only)
right after ``pip install``:

    python3 qt_prune.py /opt/perfume-kiosk/lib/python3.13/site-packages [--dry-run]

What goes is computed, not listed: every file the dist's RECORD names is removed except

- the files matching :data:`KEEP` (the Python modules, their Qt libraries, the FFmpeg
  multimedia backend plugin) and the dist-info itself;
- every file of the dist that ``ldd`` resolves for one of those (the FFmpeg libraries by their
  soname, the FFmpeg stubs, any other Addons library a new release starts to need);
- every file another installed dist's RECORD names too (both PySide6 wheels ship
  ``PySide6/__init__.py`` and all the ``.pyi``).

So a new PySide6 release that adds modules to Addons is pruned as well, and one whose
multimedia plugin needs a new library keeps it. A library ``ldd`` cannot find at all (a
missing Debian package) fails the prune: the camera would not load. The RECORD is rewritten to
list what is left, so ``pip`` and ``importlib.metadata`` see the pruned dist as it is.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DIST = "pyside6_addons"
# Relative to site-packages. QtMultimediaWidgets is ~200 kB and its QVideoWidget is the
# natural way to show a preview, so it stays with QtMultimedia.
KEEP = (
    "PySide6/QtMultimedia.*",
    "PySide6/QtMultimediaWidgets.*",
    "PySide6/Qt/lib/libQt6Multimedia.so.*",
    "PySide6/Qt/lib/libQt6MultimediaWidgets.so.*",
    # The FFmpeg backend only: the aarch64 wheel also ships a GStreamer one, which would need
    # GStreamer from Debian (the image has none) and which Qt does not pick by default.
    "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
)


class PruneError(Exception):
    """The prune cannot be done safely: the build must stop."""


@dataclass(frozen=True)
class Plan:
    """What a prune keeps and removes: paths relative to site-packages, sizes in bytes.

    ``keep`` is the dist's own files that stay; ``shared`` those another dist names too."""

    keep: list[str]
    shared: list[str]
    remove: list[str]
    kept_bytes: int
    removed_bytes: int


def _dist_info(site: Path, dist: str) -> Path:
    found = [p for p in site.glob("*.dist-info") if p.name.lower().startswith(dist + "-")]
    if len(found) != 1:
        raise PruneError(f"{len(found)} {dist} dist-info directories in {site}")
    return found[0]


def _record_rows(dist_info: Path) -> list[list[str]]:
    with (dist_info / "RECORD").open(newline="") as handle:
        return [row for row in csv.reader(handle) if row]


def _is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def _ldd(path: Path) -> tuple[set[str], list[str]]:
    """The libraries the dynamic loader maps for ``path`` (real paths) and those it cannot find."""
    result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PruneError(f"ldd {path} failed: {result.stderr.strip() or result.stdout.strip()}")
    found: set[str] = set()
    missing: list[str] = []
    for line in result.stdout.splitlines():
        name, arrow, target = line.strip().partition(" => ")
        if not arrow:
            continue
        if target.startswith("not found"):
            missing.append(name)
        elif target.startswith("/"):
            found.add(os.path.realpath(target.split(" (")[0]))
    return found, missing


def plan(site: Path, dist: str = DIST, keep: tuple[str, ...] = KEEP) -> Plan:
    """The keep-list (patterns, dist-info, ldd closure), the files shared, and the rest."""
    site = site.resolve()
    prefix = site.parents[2]  # the venv: RECORD may name ../../../bin/ scripts
    dist_info = _dist_info(site, dist)
    files: dict[str, Path] = {}
    for row in _record_rows(dist_info):
        path = Path(os.path.normpath(site / row[0]))
        if not path.is_relative_to(prefix):
            raise PruneError(f"{dist} RECORD names a file outside the venv: {row[0]}")
        files[row[0]] = path
    shared = {
        os.path.normpath(site / row[0])
        for other in site.glob("*.dist-info")
        if other != dist_info and (other / "RECORD").is_file()
        for row in _record_rows(other)
    }
    common = {name for name, path in files.items() if str(path) in shared}
    kept = {
        name
        for name, path in files.items()
        if path.is_relative_to(dist_info)
        or any(fnmatch.fnmatchcase(name, pattern) for pattern in keep)
    }
    seeds = [files[name] for name in kept | common if not files[name].is_relative_to(dist_info)]
    by_real = {os.path.realpath(path): name for name, path in files.items()}
    missing: dict[str, list[str]] = {}
    for seed in seeds:
        if not seed.is_file() or not _is_elf(seed):
            continue
        needed, lost = _ldd(seed)
        kept |= {by_real[lib] for lib in needed if lib in by_real}
        if lost:
            missing[str(seed.relative_to(site))] = lost
    if missing:
        detail = "; ".join(f"{name}: {', '.join(libs)}" for name, libs in sorted(missing.items()))
        raise PruneError(f"libraries not found (a Debian package missing?): {detail}")

    def size(names: set[str]) -> int:
        return sum(files[n].lstat().st_size for n in names if files[n].is_file())

    kept -= common
    removed = set(files) - kept - common
    return Plan(sorted(kept), sorted(common), sorted(removed), size(kept), size(removed))


def apply(site: Path, the_plan: Plan, dist: str = DIST) -> None:
    """Delete the planned files, the directories they leave empty, and their RECORD rows."""
    site = site.resolve()
    dist_info = _dist_info(site, dist)
    gone = set(the_plan.remove)
    for name in the_plan.remove:
        path = Path(os.path.normpath(site / name))
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent in (site, site.parents[2]) or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        row for row in _record_rows(dist_info) if row[0] not in gone
    )
    (dist_info / "RECORD").write_text(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site_packages", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="print the plan, delete nothing")
    args = parser.parse_args()
    try:
        the_plan = plan(args.site_packages)
    except PruneError as error:
        sys.exit(f"qt-prune: {error}")
    mib = 1 << 20
    for name in the_plan.keep:
        print(f"qt-prune: keep {name}")
    print(
        f"qt-prune: {DIST}: keeping {len(the_plan.keep)} files"
        f" ({the_plan.kept_bytes / mib:.1f} MiB),"
        f" removing {len(the_plan.remove)} ({the_plan.removed_bytes / mib:.1f} MiB);"
        f" {len(the_plan.shared)} it shares with other dists left alone"
        + (" [dry run]" if args.dry_run else "")
    )
    if not args.dry_run:
        apply(args.site_packages, the_plan)


if __name__ == "__main__":
    main()
