"""The shipped artwork: every bottle image and family icon the demo catalog names, and the
logo, exists as a standalone SVG (viewBox, no text, no external references) that Qt renders,
and is exactly what the committed generator (assets/tools/make_artwork.py) draws."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from kiosk.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "catalog" / "demo.json"
TOOL = ROOT / "assets" / "tools" / "make_artwork.py"
NS = "{http://www.w3.org/2000/svg}"
FORBIDDEN = {"text", "image", "script", "foreignObject", "style", "use", "a", "font"}
CATALOG = Catalog.load(DEMO)
BOTTLES = [p.image for p in CATALOG.products]
ICONS = [f.icon for f in CATALOG.families if f.icon is not None]
LOGOS = ["assets/brand/logo.svg", "assets/brand/logo-light.svg"]


def _local(tag: str) -> str:
    return tag.removeprefix(NS)


def check_standalone_svg(path: Path) -> tuple[float, float]:
    """Parse ``path`` and return its viewBox size; fail on anything not self-contained."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{NS}svg"
    x, y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0) and width > 0 and height > 0
    ids = {el.attrib["id"] for el in root.iter() if "id" in el.attrib}
    for el in root.iter():
        assert el.tag.startswith(NS), f"{path}: foreign element {el.tag}"
        assert _local(el.tag) not in FORBIDDEN, f"{path}: <{_local(el.tag)}>"
        for name, value in el.attrib.items():
            assert "href" not in name, f"{path}: {name}"
            assert not re.search(r"(https?|file|data):", value), f"{path}: {value}"
            for ref in re.findall(r"url\(#([^)]+)\)", value):
                assert ref in ids, f"{path}: dangling url(#{ref})"
    return width, height


def render(path: Path, width: int, height: int) -> QImage:
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid(), path
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    return image


def coverage(image: QImage) -> float:
    """Share of pixels that are not fully transparent (sampled every 2 px)."""
    points = [(x, y) for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)]
    return sum(image.pixelColor(x, y).alpha() > 0 for x, y in points) / len(points)


def test_catalog_names_one_asset_per_product_and_family() -> None:
    assert len(BOTTLES) == len(set(BOTTLES)) == 24
    assert len(ICONS) == len(CATALOG.families) == 6
    assert all(p.endswith(".svg") for p in [*BOTTLES, *ICONS])


@pytest.mark.parametrize("rel", [*BOTTLES, *ICONS, *LOGOS])
def test_asset_exists_and_is_standalone_svg(rel: str) -> None:
    width, height = check_standalone_svg(ROOT / rel)
    if rel in BOTTLES:
        assert (width, height) == (300, 400)  # portrait 3:4
    elif rel in ICONS:
        assert width == height
        colours = set(re.findall(r'(?:stroke|fill)="(#[0-9a-f]{6})"', (ROOT / rel).read_text()))
        assert len(colours) == 1  # one ink, so the UI can tint it


def test_the_standalone_check_can_fail(tmp_path: Path) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4">{}</svg>'
    bad = {
        "text": "<text>Hi</text>",
        "href": '<image href="https://example.org/x.png"/>',
        "dangling": '<rect width="1" height="1" fill="url(#nope)"/>',
    }
    for name, body in bad.items():
        path = tmp_path / f"{name}.svg"
        path.write_text(svg.format(body))
        with pytest.raises(AssertionError):
            check_standalone_svg(path)


def test_assets_render_with_qt(qapp: QApplication) -> None:
    digests = set()
    for rel in BOTTLES:
        image = render(ROOT / rel, 150, 200)
        assert coverage(image) > 0.25, rel
        # the liquid is drawn inside the glass, low in the body: opaque there for every shape
        assert image.pixelColor(75, 150).alpha() > 200, rel
        digests.add(hashlib.sha256(bytes(image.constBits())).hexdigest())
    assert len(digests) == len(BOTTLES)  # 24 distinct illustrations
    for rel in ICONS:
        assert 0.03 < coverage(render(ROOT / rel, 64, 64)) < 0.6, rel
    for rel in LOGOS:
        assert coverage(render(ROOT / rel, 400, 110)) > 0.05, rel


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_committed_artwork_is_what_the_generator_draws(tmp_path: Path) -> None:
    assert _run("--check").returncode == 0
    missing = _run("--check", "--root", str(tmp_path))
    assert missing.returncode == 1 and "assets/catalog/images/ember-silk.svg" in missing.stdout
    assert _run("--root", str(tmp_path)).returncode == 0
    for rel in [*BOTTLES, *ICONS, *LOGOS]:
        assert (tmp_path / rel).read_bytes() == (ROOT / rel).read_bytes(), rel
    assert _run("--check", "--root", str(tmp_path)).returncode == 0


# Well-known perfume houses: the demo catalog must not borrow their names.
REAL_HOUSES = {
    "chanel", "dior", "guerlain", "hermès", "hermes", "yves saint laurent", "lancôme", "lancome",
    "givenchy", "tom ford", "jo malone", "creed", "le labo", "byredo", "diptyque", "armani",
    "prada", "gucci", "versace", "calvin klein", "maison margiela", "kilian", "amouage",
    "serge lutens", "frederic malle", "penhaligon's", "acqua di parma", "carolina herrera",
    "paco rabanne", "rabanne", "dolce & gabbana", "burberry", "montblanc", "xerjoff",
}  # fmt: skip


def test_demo_catalog_uses_fictional_houses() -> None:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    text = " ".join(f"{p['house']} {p['name']}" for p in data["products"]).lower()
    assert not [house for house in REAL_HOUSES if re.search(rf"\b{re.escape(house)}\b", text)]
    assert len({p["house"] for p in data["products"]}) >= 5
