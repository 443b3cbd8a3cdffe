"""Every screen in every state (kiosk.journey.gallery), in English, French and Arabic, portrait
and landscape: touch targets ≥ 80 px, text ≥ 18 px, no text that does not fit its widget,
nothing outside the window; WCAG AA contrast of every colour pair; reach mode puts every
control in the lower half of a portrait screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication

from kiosk.catalog import Catalog
from kiosk.journey.gallery import gallery
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.registry import build_screens
from kiosk.ui.shell import KioskWindow
from kiosk.ui.theme import TEXT_PAIRS, contrast_ratio
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel
from tests.kiosk.ui.audit import audit

CATALOG = Catalog.load(Path(__file__).parents[3] / "assets/catalog/demo.json")
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


@pytest.fixture
def window(qapp: QApplication) -> Iterator[tuple[KioskWindow, UiContext]]:
    ctx = UiContext(JourneyViewModel(None), Languages(qapp), DisplaySettings(), CATALOG)
    w = KioskWindow(ctx, build_screens(ctx))
    w.show()
    yield w, ctx
    ctx.languages.set("en")
    w.close()
    w.deleteLater()


@pytest.mark.parametrize("orientation", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_screen_state_is_readable_and_touchable(
    qapp: QApplication, window: tuple[KioskWindow, UiContext], lang: str, orientation: str
) -> None:
    w, ctx = window
    w.resize(*SIZES[orientation])
    ctx.languages.set(lang)
    problems = []
    for screen, state, view in gallery(CATALOG):
        ctx.vm.show(view)
        qapp.processEvents()
        assert w.stack.currentWidget() is w.screens[view.screen]
        problems += [f"{screen}-{state}: {f}" for f in audit(w)]
    assert not problems, "\n".join(problems)


def test_large_text_mode_still_fits(
    qapp: QApplication, window: tuple[KioskWindow, UiContext]
) -> None:
    w, ctx = window
    w.resize(*SIZES["portrait"])
    ctx.settings.toggle_large_text()
    ctx.languages.set("fr")
    problems = []
    for screen, state, view in gallery(CATALOG):
        ctx.vm.show(view)
        qapp.processEvents()
        problems += [f"{screen}-{state}: {f}" for f in audit(w)]
    assert not problems, "\n".join(problems)


def test_reach_mode_moves_every_control_into_the_lower_half(
    qapp: QApplication, window: tuple[KioskWindow, UiContext]
) -> None:
    w, ctx = window
    w.resize(*SIZES["portrait"])
    ctx.settings.toggle_reach()
    half = w.height() // 2
    problems = []
    for screen, state, view in gallery(CATALOG):
        ctx.vm.show(view)
        qapp.processEvents()
        for b in w.findChildren(QAbstractButton):
            if b.isVisibleTo(w) and b.isEnabled():
                y = b.mapTo(w, b.rect().topLeft()).y()
                if y < half:
                    problems.append(f"{screen}-{state}: {b.objectName() or b.text()!r} at y={y}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("fg", "bg", "what"), TEXT_PAIRS)
def test_text_colours_meet_wcag_aa(fg: str, bg: str, what: str) -> None:
    assert contrast_ratio(fg, bg) >= 4.5, f"{what}: {contrast_ratio(fg, bg):.2f}:1"


def test_contrast_ratio_matches_known_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
