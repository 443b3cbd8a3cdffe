"""``perfume-kiosk screenshots`` renders the gallery's screens to correctly named, correctly
sized, non-blank PNG files (a subset here; the committed set is under docs/screens/)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kiosk.catalog import Catalog
from kiosk.journey.gallery import gallery
from kiosk.ui.screenshots import ORIENTATIONS, render_all

ROOT = Path(__file__).parents[3]


def _distinct_colours(image: QImage, step: int = 24) -> int:
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


def test_screenshots_are_named_sized_and_not_blank(qapp: QApplication, tmp_path: Path) -> None:
    paths = list(
        render_all(
            out=tmp_path,
            only={"attract", "done"},
            languages=["en", "ar"],
            orientations=["portrait", "landscape"],
            settle_ms=50,
        )
    )
    catalog = Catalog.load(ROOT / "assets/catalog/demo.json")
    states = [(s, st) for s, st, _ in gallery(catalog) if s in {"attract", "done"}]
    expected = {
        f"{s}-{st}-{o}-{lang}.png"
        for s, st in states
        for o in ("portrait", "landscape")
        for lang in ("en", "ar")
    }
    assert {p.name for p in paths} == expected
    for path in paths:
        image = QImage(str(path))
        orientation = path.stem.split("-")[-2]
        assert (image.width(), image.height()) == ORIENTATIONS[orientation], path.name
        assert _distinct_colours(image) > 8, f"{path.name} looks blank"


def test_the_cli_writes_the_files(tmp_path: Path) -> None:
    from kiosk.cli import main

    code = main(
        [
            "screenshots",
            "--out",
            str(tmp_path),
            "--only",
            "unavailable",
            "--languages",
            "fr",
            "--orientations",
            "portrait",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(
        f"unavailable-{w}-portrait-fr.png"
        for w in ("maintenance", "out-of-service", "sales-paused", "cards-offline")
    )
