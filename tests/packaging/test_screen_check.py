"""The boot test's screen comparison (packaging/scripts/screen_check.py) against the app's own
offscreen renders: the attract screen as QEMU may show it (another slide, mid cross-fade, a few
pixels off, softer anti-aliasing, slightly other colours) passes; another shopper screen, a
flat or black screen, or the attract screen without its "touch" label fails."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image, ImageChops, ImageEnhance, ImageFilter

SCRIPTS = Path(__file__).parents[2] / "packaging/scripts"
BG = (0x15, 0x11, 0x0E)  # kiosk/ui/theme.py BG


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screen_check", SCRIPTS / "screen_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory, check: ModuleType) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("renders")
    reference = check.render_reference(Path(sys.executable), out / "reference")
    subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "screenshots", "--out", str(out / "others"),
         "--only", "browse,product,unavailable", "--languages", "en",
         "--orientations", "portrait"],
        check=True, capture_output=True, timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    found = {p.stem.split("-portrait")[0]: p for p in (out / "others").glob("*.png")}
    return {"reference": reference, **found}


def variant(source: Path, out: Path, change: object) -> Path:
    with Image.open(source) as raw:
        image = raw.convert("RGB")
    assert callable(change)
    changed = change(image)
    changed.save(out)
    return out


STAGE = (0, 170, 1080, 1740)  # the attract screen's fading part, between header and label
LABEL = (0, 1750, 1080, 1860)  # "Touch to discover your scent"


def pasted(
    image: Image.Image, box: tuple[int, int, int, int], filler: Image.Image | tuple[int, int, int]
) -> Image.Image:
    """``image`` with ``box`` from elsewhere: another screen's pixels, or a flat colour."""
    result = image.copy()
    if isinstance(filler, tuple):
        result.paste(filler, box)
    else:
        result.paste(filler.crop(box), box)
    return result


def test_the_attract_screen_as_qemu_may_show_it_passes(
    check: ModuleType, renders: dict[str, Path], tmp_path: Path
) -> None:
    reference = renders["reference"]
    with Image.open(renders["product-default"]) as raw:
        product = raw.convert("RGB")
    variants = {
        "same": lambda im: im,
        "shifted-4px": lambda im: ImageChops.offset(im, 4, -3),
        "softer": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
        "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.06),
        "faded-stage": lambda im: pasted(im, STAGE, BG),  # the middle of a cross-fade
        "other-scent": lambda im: pasted(im, STAGE, product),
    }

    results = {
        name: check.compare(variant(reference, tmp_path / f"{name}.png", change), reference)
        for name, change in variants.items()
    }

    assert {name: r.checks for name, r in results.items() if not r.passed} == {}


def test_anything_but_the_attract_screen_fails(
    check: ModuleType, renders: dict[str, Path], tmp_path: Path
) -> None:
    reference = renders["reference"]
    flat = variant(reference, tmp_path / "flat.png", lambda im: Image.new("RGB", im.size, BG))
    black = variant(reference, tmp_path / "black.png", lambda im: Image.new("RGB", im.size))
    no_label = variant(reference, tmp_path / "no-label.png", lambda im: pasted(im, LABEL, BG))
    others = [renders["browse-all"], renders["product-default"], renders["unavailable-maintenance"]]

    results = {p.name: check.compare(p, reference) for p in [*others, flat, black, no_label]}

    assert [name for name, r in results.items() if r.passed] == []
    assert not results["no-label.png"].checks["touch_band"]
    assert not results["flat.png"].checks["not_blank"]
    assert not results["black.png"].checks["dominant_colour"]
    assert all(not results[p.name].checks["touch_band"] for p in others)


def test_a_failed_comparison_leaves_a_side_by_side_picture(
    check: ModuleType, renders: dict[str, Path], tmp_path: Path
) -> None:
    out = check.side_by_side(renders["browse-all"], renders["reference"], tmp_path / "sbs.png")

    with Image.open(out) as image:
        assert image.size == (1080 + 8, 960)
