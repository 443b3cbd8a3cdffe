"""Export the day's audit and the logs to a USB stick, as JSON and CSV, atomically.

One folder per export, ``perfume-kiosk_<device>_<YYYYMMDD-HHMMSS>`` (local time) under the
stick's mount point (``ExportConfig.root``, ``/media/usb`` by default)::

    events.json    today's SALE, REFUND, RESTOCK, ADJUSTMENT, TEST_VEND, AUDIT and DOOR events
                   (wire form, as the POS receives them; PAYMENT/DISPENSE/LOYALTY steps, which
                   carry payment tokens, stay on the machine)
    events.csv     the same, one row per event, main data fields as columns
    stock.csv      on-hand per channel and slot, with lots and warnings
    summary.json   totals per SKU (sales, refills, adjustments, test vends), versions
    audit.dex      an EVA-DTS-style summary (kiosk.service.dex)
    logs/          the kiosk's log files (each capped to its last ``max_log_bytes``)
    manifest.json  written last: every file with its size and SHA-256

Atomic: everything is written and fsync'd in ``.<folder>.partial`` first, then renamed, and
the directory fsync'd: a folder without ``.partial`` is complete. A missing or unmounted stick
raises :class:`ExportError` ``export_no_medium``; a full one (``ENOSPC``, or ``EFBIG`` from
FAT's 4 GiB limit) ``export_disk_full``; a read-only one ``export_read_only``; anything else
``export_failed`` — the partial folder is removed, nothing crashes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kiosk.service.errors import ExportError

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ExportConfig:
    root: Path = Path("/media/usb")  # where the stick is mounted
    require_mount: bool = True  # refuse a plain directory (stick not mounted there)
    log_dir: Path | None = None
    max_log_bytes: int = 20 * 1024 * 1024


@dataclass(frozen=True)
class ExportedFile:
    name: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: tuple[ExportedFile, ...]
    events: int


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes, name: str) -> ExportedFile:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return ExportedFile(name, len(data), hashlib.sha256(data).hexdigest())


def _tail(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - limit))
        return handle.read()


def log_files(log_dir: Path | None, limit: int) -> dict[str, bytes]:
    """``logs/<name>`` -> the file's last ``limit`` bytes, for every file in ``log_dir``."""
    if log_dir is None or not log_dir.is_dir():
        return {}
    return {
        f"logs/{p.name}": _tail(p, limit)
        for p in sorted(log_dir.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def _key_for(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "export_disk_full"
    if exc.errno == errno.EROFS:
        return "export_read_only"
    if exc.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO):
        return "export_no_medium"
    return "export_failed"


def write_export(
    root: Path,
    name: str,
    files: dict[str, bytes],
    *,
    require_mount: bool,
    manifest: dict[str, object],
) -> ExportResult:
    """Write ``files`` (relative name -> bytes) and the manifest into ``root/name``,
    atomically (see the module docstring). Blocking: run it in an executor."""
    if not root.is_dir() or (require_mount and not os.path.ismount(root)):
        raise ExportError("export_no_medium", f"no USB stick mounted at {root}")
    final = root / name
    suffix = 1
    while final.exists():
        suffix += 1
        final = root / f"{name}-{suffix}"
    partial = root / f".{final.name}.partial"
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        written = [_write(partial / rel, data, rel) for rel, data in files.items()]
        listed = [dataclasses.asdict(f) for f in written]
        body = {**manifest, "formatVersion": FORMAT_VERSION, "files": listed}
        _write(partial / MANIFEST, json.dumps(body, indent=2, sort_keys=True).encode(), MANIFEST)
        for directory in {(partial / rel).parent for rel in files} | {partial}:
            _fsync_dir(directory)
        os.rename(partial, final)
        # vfat writes a renamed folder's own entry (its ".." and start cluster) only when the
        # folder itself is synced: without this a stick pulled right after "exported" came
        # back with the folder lost (found by the OS image's boot test)
        _fsync_dir(final)
        _fsync_dir(root)
    except OSError as exc:
        with contextlib.suppress(OSError):
            shutil.rmtree(partial)
        raise ExportError(_key_for(exc), f"export to {root} failed: {exc.strerror}") from None
    events = manifest.get("events", 0)
    return ExportResult(final, tuple(written), events if isinstance(events, int) else 0)
