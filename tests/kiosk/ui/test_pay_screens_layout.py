"""The loyalty, checkout, payment, dispensing, done and unavailable screens in every state, in
English and the pseudo-French (40 % longer) and pseudo-Arabic translations, portrait and
landscape, large text and reach mode: every touch target ≥ 80 px, every text ≥ 18 px, no text
that does not fit its widget, nothing outside the screen (``tests.kiosk.ui.audit`` over the
screen; the shell's header is the accessibility test's); Arabic
mirrors the layout; every shopper-visible text of these screens is translatable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.journey import Screen
from kiosk.ui.screens.base import UiContext
from kiosk.ui.shell import KioskWindow
from tests.kiosk.ui.audit import audit
from tests.kiosk.ui.pay_support import (
    PAY_SCREENS,
    SIZES,
    RecordingViewModel,
    catalog,
    close_window,
    enabled_buttons,
    make_window,
    pay_views,
)
from tests.kiosk.ui.shop_support import pseudo_translations

CAT = catalog()
VIEWS = pay_views(CAT)
Shown = tuple[KioskWindow, UiContext, RecordingViewModel]


@pytest.fixture(scope="module")
def qm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pseudo_translations(tmp_path_factory.mktemp("pay-qm"))


@pytest.fixture
def shown(qapp: QApplication, qm_dir: Path) -> Iterator[Shown]:
    window, ctx, vm = make_window(qapp, CAT, qm_dir=qm_dir)
    yield window, ctx, vm
    close_window(window, ctx)


def audit_all(qapp: QApplication, shown: Shown) -> list[str]:
    window, ctx, _ = shown
    problems = []
    for screen, state, view in VIEWS:
        ctx.vm.show(view)
        qapp.processEvents()
        current = window.stack.currentWidget()
        assert current is window.screens[view.screen], (screen, state)
        problems += [f"{screen}-{state}: {f}" for f in audit(current)]
    return problems


def test_every_screen_of_this_module_has_views_to_check() -> None:
    assert {Screen(s) for s, _, _ in VIEWS} == set(PAY_SCREENS)
    assert len(VIEWS) >= 35


@pytest.mark.parametrize("orientation", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_every_state_fits_and_is_touchable(
    qapp: QApplication, shown: Shown, lang: str, orientation: str
) -> None:
    window, ctx, _ = shown
    window.resize(*SIZES[orientation])
    ctx.languages.set(lang)
    assert ctx.languages.code == lang
    problems = audit_all(qapp, shown)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("orientation", list(SIZES))
def test_large_text_still_fits(qapp: QApplication, shown: Shown, orientation: str) -> None:
    window, ctx, _ = shown
    window.resize(*SIZES[orientation])
    ctx.settings.toggle_large_text()
    ctx.languages.set("fr")
    problems = audit_all(qapp, shown)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_reach_mode_fits_with_every_control_in_the_lower_half(
    qapp: QApplication, shown: Shown, lang: str
) -> None:
    window, ctx, _ = shown
    window.resize(*SIZES["portrait"])
    ctx.settings.toggle_reach()
    ctx.languages.set(lang)
    problems = audit_all(qapp, shown)
    half = window.height() // 2
    for screen, state, view in VIEWS:
        ctx.vm.show(view)
        qapp.processEvents()
        for b in enabled_buttons(window):
            y = b.mapTo(window, b.rect().topLeft()).y()
            if y < half:
                problems.append(f"{screen}-{state}: {b.objectName() or b.text()!r} at y={y}")
    assert not problems, "\n".join(problems)


def _x(widget: QWidget, window: QWidget) -> int:
    return widget.mapTo(window, widget.rect().topLeft()).x()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_arabic_mirrors_the_side_by_side_layouts(
    qapp: QApplication, shown: Shown, lang: str
) -> None:
    window, ctx, _ = shown
    window.resize(*SIZES["landscape"])
    ctx.languages.set(lang)
    pairs = {
        "loyalty": ("loyaltyArt", "loyaltyTitle"),
        "checkout": ("checkoutImage", "checkoutTitle"),
        "payment": ("paymentArt", "paymentTitle"),
        "dispensing": ("dispensingArt", "dispensingTitle"),
        "unavailable": ("unavailableArt", "unavailableTitle"),
    }
    seen = set()
    for screen, _state, view in VIEWS:
        if screen not in pairs or screen in seen:
            continue
        seen.add(screen)
        ctx.vm.show(view)
        qapp.processEvents()
        art, title = (window.findChild(QWidget, n) for n in pairs[screen])
        assert art is not None and title is not None
        art_first = _x(art, window) < _x(title, window)
        assert art_first == (lang == "en"), f"{screen} in {lang}"
    assert seen == set(pairs)


def _texts(window: KioskWindow) -> dict[str, str]:
    out = {}
    for screen in window.screens.values():
        if screen is not window.stack.currentWidget():
            continue
        for w in screen.findChildren(QWidget):
            if isinstance(w, (QLabel, QAbstractButton)) and w.isVisibleTo(screen) and w.text():
                out[w.objectName() or repr(w)] = w.text()
    return out


def test_every_visible_text_is_translated(qapp: QApplication, shown: Shown) -> None:
    """A text lupdate cannot extract stays English in pseudo-French: only catalog data
    (names, houses, descriptions, promotion labels) and member names may."""
    window, ctx, _ = shown
    window.resize(*SIZES["portrait"])
    data = {
        *(p.name for p in CAT.products),
        *(p.house for p in CAT.products),
        *(p.description for p in CAT.products),
        *(p.label for p in CAT.promotions),
    }
    untranslated = []
    for screen, state, view in VIEWS:
        ctx.languages.set("en")
        ctx.vm.show(view)
        qapp.processEvents()
        english = _texts(window)
        ctx.languages.set("fr")
        qapp.processEvents()
        french = _texts(window)
        assert french.keys() == english.keys(), f"{screen}-{state}"
        for name, text in french.items():
            if text == english[name] and text not in data:
                untranslated.append(f"{screen}-{state}: {name} {text!r}")
    assert not untranslated, "\n".join(untranslated)
