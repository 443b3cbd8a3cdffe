"""The image's PySide6_Addons prune (packaging/scripts/qt_prune.py) on a clone of this venv's
installed PySide6 wheels (hard links, the RECORDs copied), with the real ``ldd``: Qt Multimedia
still loads its FFmpeg backend from the pruned tree, the rest of Addons is gone, the files the
two PySide6 wheels share stay, and a library ``ldd`` cannot find stops the prune."""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).parents[2] / "packaging/scripts/qt_prune.py"
DISTS = ("shiboken6", "PySide6", "PySide6_Essentials", "PySide6_Addons")
PROOF = """
import sys
from PySide6.QtCore import qInstallMessageHandler
messages = []
qInstallMessageHandler(lambda mode, context, text: messages.append(text))
from PySide6.QtWidgets import QApplication
app = QApplication([])
from PySide6.QtMultimedia import QMediaDevices, QVideoFrame
QMediaDevices.videoInputs()
import PySide6
print(PySide6.__file__)
print(*messages, sep="\\n")
"""


@pytest.fixture(scope="module")
def prune() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qt_prune", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """This venv's four PySide6 dists in a venv-shaped tree: files hard-linked, dist-info copied."""
    site = tmp_path / "venv/lib/python3/site-packages"
    for name in DISTS:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if not source.is_file() or (site / file).exists():  # shared by two dists
                continue
            target = Path(os.path.normpath(site / file))
            target.parent.mkdir(parents=True, exist_ok=True)
            if file.parts[0].endswith(".dist-info"):
                shutil.copyfile(source, target)  # the prune rewrites RECORD
                continue
            try:
                os.link(source, target)
            except OSError:  # another filesystem
                shutil.copyfile(source, target)
    return site


def test_the_pruned_addons_still_load_qt_multimedia_and_keep_nothing_else(
    prune: ModuleType, site: Path
) -> None:
    plan = prune.plan(site)

    keep = set(plan.keep)
    assert {
        "PySide6/QtMultimedia.abi3.so",
        "PySide6/Qt/lib/libQt6Multimedia.so.6",
        "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
    } <= keep
    # The FFmpeg libraries by ldd's closure: each once, by its soname (the wheel has 3 copies).
    for lib in ("libavcodec", "libavformat", "libavutil", "libswscale", "libswresample"):
        assert len([n for n in keep if n.startswith(f"PySide6/Qt/lib/{lib}.so.")]) == 1, lib
    assert "PySide6/Qt/lib/libavcodec.so" in plan.remove
    assert "PySide6/Qt3DCore.abi3.so" in plan.remove
    assert "PySide6/__init__.py" in plan.shared
    assert plan.removed_bytes > 5 * plan.kept_bytes

    prune.apply(site, plan)

    assert all((site / name).is_file() for name in plan.keep + plan.shared)
    assert not any((site / name).exists() for name in plan.remove)
    assert not (site / "PySide6/Qt/qml/Qt3D").exists()  # emptied directories go too
    record = next(site.glob("pyside6_addons-*.dist-info")) / "RECORD"
    listed = {line.split(",")[0] for line in record.read_text().splitlines()}
    assert listed == set(plan.keep + plan.shared)
    assert (site / "PySide6/Qt/lib/libQt6Core.so.6").is_file()  # Essentials' own

    result = subprocess.run(
        [sys.executable, "-c", PROOF],
        env={**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(site)), result.stdout
    assert "FFmpeg" in result.stdout, result.stdout + result.stderr


def test_a_library_ldd_cannot_find_stops_the_prune(prune: ModuleType, site: Path) -> None:
    for lib in (site / "PySide6/Qt/lib").glob("libavutil.so*"):
        lib.unlink()

    with pytest.raises(prune.PruneError, match=r"libffmpegmediaplugin\.so: .*libavutil\.so"):
        prune.plan(site)


def test_a_record_naming_a_file_outside_the_venv_is_refused(prune: ModuleType, site: Path) -> None:
    record = next(site.glob("pyside6_addons-*.dist-info")) / "RECORD"
    record.write_text(record.read_text() + "../../../../etc/hostname,,\n")

    with pytest.raises(prune.PruneError, match="outside the venv"):
        prune.plan(site)


def test_only_the_ffmpeg_backend_plugin_is_kept(prune: ModuleType, site: Path) -> None:
    """The aarch64 wheel also ships a GStreamer backend plugin, which needs GStreamer libraries
    the image does not have: it goes (kept, it failed the arm64 build's ldd check)."""
    plugins = site / "PySide6/Qt/plugins/multimedia"
    shutil.copyfile(plugins / "libffmpegmediaplugin.so", plugins / "libgstreamermediaplugin.so")
    record = next(site.glob("pyside6_addons-*.dist-info")) / "RECORD"
    gstreamer = "PySide6/Qt/plugins/multimedia/libgstreamermediaplugin.so"
    record.write_text(record.read_text() + f"{gstreamer},,\n")

    plan = prune.plan(site)

    assert gstreamer in plan.remove
    assert "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so" in plan.keep
