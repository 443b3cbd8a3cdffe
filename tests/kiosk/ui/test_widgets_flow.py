"""The shared pieces of the pay-and-collect screens (``widgets_flow``, ``widgets_art``,
``widgets_scenes``): Qt-style placeholders that survive any
translation, offer names, labels aligned by the screen's direction (a Latin name on the right
in Arabic), layouts settled in one go, the countdown ring's arithmetic, the fade, and every
illustration drawing something and animating only while visible."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.ui.theme import BG
from kiosk.ui.widgets_art import Art, CalmArt, CardTapArt, Mark, MarkArt, SpinnerArt
from kiosk.ui.widgets_flow import CountdownRing, Fader, fill, offer_text, settle
from kiosk.ui.widgets_scenes import BottleArt, PhoneScanArt, SprayArt
from tests.kiosk.ui.pay_support import catalog

CAT = catalog()


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("Charged %1 to card •••• %2", ("€2.00", "4242"), "Charged €2.00 to card •••• 4242"),
        ("%2 · %1", ("a", "b"), "b · a"),
        ("no placeholder", ("x",), "no placeholder"),
        ("lost %2", ("x",), "lost %2"),  # a translation's stray placeholder stays, never raises
        ("%1 and {name}", ("x",), "x and {name}"),
    ],
)
def test_fill(text: str, values: tuple[str, ...], expected: str) -> None:
    assert fill(text, *values) == expected


def test_offer_text() -> None:
    spray = next(p.spray for p in CAT.products if p.spray is not None)
    bottle = next(b for p in CAT.products for b in p.bottles)
    assert offer_text(spray) == f"Spray · {spray.doses} sprays"
    assert offer_text(bottle) == f"{bottle.size_ml} ml bottle"


def _ink(widget: QWidget, label: QLabel) -> tuple[int, int]:
    """Leftmost and rightmost dark pixel on the label's middle row (black text on white)."""
    image = widget.grab().toImage()
    y = label.geometry().center().y()
    xs = [x for x in range(image.width()) if image.pixelColor(x, y).lightness() < 100]
    assert xs, "no text drawn"
    return min(xs), max(xs)


@pytest.mark.parametrize("is_rtl", [False, True])
def test_settle_aligns_latin_text_by_the_screens_direction(
    qapp: QApplication, qtbot: QtBot, is_rtl: bool
) -> None:
    if is_rtl:
        qapp.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        root = QWidget()
        qtbot.addWidget(root)
        root.setStyleSheet("QWidget { background: white; color: black; font-size: 20px; }")
        box = QVBoxLayout(root)
        leading = QLabel("Aurora Veil")
        leading.setWordWrap(True)
        trailing = QLabel("€49.00")
        trailing.setAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
        centred = QLabel("Total")
        centred.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for lab in (leading, trailing, centred):
            box.addWidget(lab)
        root.resize(400, 200)
        root.show()
        settle(root, rtl=is_rtl)
        qapp.processEvents()
        left, right = _ink(root, leading)
        assert (right > 300) if is_rtl else (left < 100)
        left, right = _ink(root, trailing)
        assert (left < 100) if is_rtl else (right > 300)
        left, right = _ink(root, centred)
        assert abs((left + right) / 2 - 200) < 20
        settle(root, rtl=not is_rtl)  # a language change flips them back
        qapp.processEvents()
        left, right = _ink(root, leading)
        assert (left < 100) if is_rtl else (right > 300)
    finally:
        qapp.setLayoutDirection(Qt.LayoutDirection.LeftToRight)


def test_settle_resizes_parents_at_once(qapp: QApplication, qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    outer = QVBoxLayout(root)
    inner_widget = QWidget()
    inner = QVBoxLayout(inner_widget)
    lab = QLabel("short")
    lab.setWordWrap(True)
    inner.addWidget(lab)
    outer.addWidget(inner_widget)
    outer.addStretch(1)
    root.resize(300, 800)
    root.show()
    qapp.processEvents()
    lab.setText("a much longer text that has to wrap onto several lines in this narrow box " * 3)
    settle(root, rtl=False)
    assert lab.height() >= lab.heightForWidth(lab.width())


def test_countdown_ring_counts_whole_seconds(qtbot: QtBot) -> None:
    ring = CountdownRing()
    qtbot.addWidget(ring)
    ring.start(2.5)
    assert ring.seconds_left == 3
    ring._on_anim_value_changed(0.5)
    assert ring.seconds_left == 2  # 1.25 s left
    ring._on_anim_value_changed(0.0)
    assert ring.seconds_left == 0
    ring.start(0)
    assert ring.seconds_left == 0 and ring.anim.state() is ring.anim.State.Stopped


def test_fader_fades_in_then_gets_out_of_the_way(qtbot: QtBot) -> None:
    widget = QLabel("notice")
    qtbot.addWidget(widget)
    widget.show()
    fader = Fader(widget, ms=60)
    effect = widget.graphicsEffect()
    assert effect is not None and not effect.isEnabled()
    fader.start()
    assert fader.running and effect.isEnabled()
    qtbot.waitUntil(lambda: not fader.running)
    assert not effect.isEnabled()


ARTS: list[type[Art]] = [
    CardTapArt,
    SpinnerArt,
    MarkArt,
    PhoneScanArt,
    SprayArt,
    BottleArt,
    CalmArt,
]


@pytest.mark.parametrize("art_type", ARTS)
@pytest.mark.parametrize("size", [QSize(160, 160), QSize(600, 300), QSize(300, 700)])
def test_every_illustration_draws_inside_its_box(
    qtbot: QtBot, art_type: type[Art], size: QSize
) -> None:
    art = art_type()
    qtbot.addWidget(art)
    art.setStyleSheet(f"background: {BG};")
    art.resize(size)
    image = art.grab().toImage()
    background = QColor(BG)
    drawn = sum(
        1
        for x in range(0, size.width(), 4)
        for y in range(0, size.height(), 4)
        if image.pixelColor(x, y) != background
    )
    assert drawn > 20


@pytest.mark.parametrize("art_type", [CardTapArt, SpinnerArt, PhoneScanArt, SprayArt, CalmArt])
def test_looping_illustrations_animate_only_while_visible(
    qtbot: QtBot, art_type: type[Art]
) -> None:
    art = art_type()
    qtbot.addWidget(art)
    states = [art.running]
    art.show()
    states.append(art.running)
    start = art.t
    qtbot.waitUntil(lambda: art.t != start)
    art.hide()
    states.append(art.running)
    assert states == [False, True, False]


def test_mark_draws_in_once_and_changes_mark(qtbot: QtBot) -> None:
    mark = MarkArt(Mark.OK)
    qtbot.addWidget(mark)
    mark.show()
    assert mark.running and mark.anim.loopCount() == 1
    qtbot.waitUntil(lambda: not mark.running)
    assert mark.t == 1.0
    mark.set_mark(Mark.FAIL)
    assert mark.mark is Mark.FAIL and mark.running


def test_bottle_progress_is_clamped(qtbot: QtBot) -> None:
    bottle = BottleArt()
    qtbot.addWidget(bottle)
    bottle.set_progress(1.7)
    assert bottle.progress == 1.0
    bottle.set_progress(-1)
    assert bottle.progress == 0.0
