"""``perfume-kiosk screenshots --out DIR``: every screen and state, portrait and landscape, in
every language, rendered offscreen to ``<screen>-<state>-<orientation>-<lang>.png``.

The states come from :func:`kiosk.journey.gallery.gallery`; the window is the real
:class:`~kiosk.ui.shell.KioskWindow` with the real screens, fed views without a machine.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.catalog import Catalog

ORIENTATIONS = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
DEFAULT_CATALOG = Path("assets/catalog/demo.json")


def register(sub: Any) -> None:
    p = sub.add_parser("screenshots", help="render every screen and state to PNG files")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--catalog", type=Path, default=None)
    p.add_argument("--only", default="", help="comma-separated screen names (default: all)")
    p.add_argument("--languages", default="en,fr,ar")
    p.add_argument("--orientations", default="portrait,landscape")
    p.add_argument("--scale", type=float, default=1.0, help="scale the PNGs (e.g. 0.5)")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    only = {s for s in args.only.split(",") if s}
    written = 0
    for path in render_all(
        out=args.out,
        catalog_path=args.catalog,
        only=only,
        languages=[c for c in args.languages.split(",") if c],
        orientations=[o for o in args.orientations.split(",") if o],
        scale=args.scale,
    ):
        written += 1
        print(path, flush=True)
    print(f"{written} screenshots in {args.out}", flush=True)
    return 0


def render_all(
    *,
    out: Path,
    catalog_path: Path | None = None,
    only: set[str] | None = None,
    languages: list[str] | None = None,
    orientations: list[str] | None = None,
    scale: float = 1.0,
    settle_ms: int = 400,
) -> Iterator[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from kiosk.journey.gallery import gallery
    from kiosk.ui.assets import asset_path
    from kiosk.ui.i18n import Languages
    from kiosk.ui.screens.base import UiContext
    from kiosk.ui.screens.registry import build_screens
    from kiosk.ui.shell import KioskWindow
    from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    catalog = Catalog.load(catalog_path or asset_path(str(DEFAULT_CATALOG)))
    out.mkdir(parents=True, exist_ok=True)
    languages_ = Languages(app)
    ctx = UiContext(JourneyViewModel(None), languages_, DisplaySettings(), catalog)
    window = KioskWindow(ctx, build_screens(ctx))
    window.show()
    try:
        for orientation in orientations or list(ORIENTATIONS):
            window.resize(*ORIENTATIONS[orientation])
            for lang in languages or ["en", "fr", "ar"]:
                languages_.set(lang)
                for screen, state, view in gallery(catalog):
                    if only and screen not in only:
                        continue
                    ctx.vm.show(view)
                    QTest.qWait(settle_ms)  # fades and count-ups finish (~320 ms)
                    if window.size().toTuple() != ORIENTATIONS[orientation]:
                        # a screen laid out for the other orientation may have pushed the
                        # window's minimum for one turn: a kiosk's window never grows
                        window.resize(*ORIENTATIONS[orientation])
                        QTest.qWait(50)
                    image = window.grab()
                    if scale != 1.0:
                        image = image.scaled(
                            round(image.width() * scale),
                            round(image.height() * scale),
                            Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation,
                        )
                    path = out / f"{screen}-{state}-{orientation}-{lang}.png"
                    image.save(str(path))
                    yield path
    finally:
        languages_.set("en")
        window.close()
        window.deleteLater()
