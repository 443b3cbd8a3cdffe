"""What keeps the looping illustrations cheap (``kiosk.ui.widgets_art``): the static parts are
painted once per size and copied at each frame, only while the art is shown; a glow drawn
from its cached sprite looks like the radial gradient it replaces, at any strength; and an
illustration split into static and moving parts still paints the same picture."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QSize, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QRadialGradient
from pytestqt.qtbot import QtBot

from kiosk.ui.theme import ACCENT, BG, SUCCESS
from kiosk.ui.widgets_art import Art, colour, glow


class CountingArt(Art):
    """A disc that never moves and a dot that does; counts how often each part is drawn."""

    DESIGN = QSizeF(100, 100)
    PERIOD_MS = 1000

    def __init__(self) -> None:
        super().__init__(minimum=50)
        self.static_paints = 0
        self.frames = 0

    def draw_static(self, p: QPainter) -> None:
        self.static_paints += 1
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour(ACCENT))
        p.drawEllipse(QPointF(50, 50), 40, 40)

    def draw(self, p: QPainter, t: float) -> None:
        self.frames += 1
        p.setBrush(colour(SUCCESS))
        p.drawEllipse(QPointF(10 + 80 * t, 90), 5, 5)


def _max_channel_diff(a: QImage, b: QImage) -> int:
    assert a.size() == b.size()
    worst = 0
    for y in range(0, a.height(), 2):
        for x in range(0, a.width(), 2):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            worst = max(worst, *(abs(((pa >> s) & 255) - ((pb >> s) & 255)) for s in (0, 8, 16)))
    return worst


def test_static_parts_are_painted_once_per_size_and_only_while_shown(qtbot: QtBot) -> None:
    art = CountingArt()
    qtbot.addWidget(art)
    art.resize(200, 200)
    art.show()
    qtbot.waitUntil(lambda: art.frames >= 3)  # the loop runs and repaints
    assert art.static_paints == 1
    first = art.grab().toImage()
    art.t = 0.5
    moved = art.grab().toImage()
    assert art.static_paints == 1 and first != moved  # the dot moved over the same disc
    art.resize(300, 300)
    art.grab()
    assert art.static_paints == 2  # a new size: painted again
    art.hide()
    art.grab()
    assert art.static_paints == 3  # hidden, it kept nothing: painted again when next shown


@pytest.mark.parametrize("alpha", [0.1, 0.4, 1.0])
def test_a_glow_from_its_sprite_looks_like_the_gradient(alpha: float) -> None:
    def paint(how: str) -> QImage:
        image = QImage(QSize(400, 300), QImage.Format.Format_ARGB32)
        image.fill(QColor(BG))
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.translate(20, 10)
        p.scale(1.3, 1.3)
        if how == "sprite":
            glow(p, QPointF(120, 100), 90, ACCENT, alpha)
        else:
            g = QRadialGradient(QPointF(120, 100), 90)
            g.setColorAt(0.0, colour(ACCENT, alpha))
            g.setColorAt(1.0, colour(ACCENT, 0.0))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(g))
            p.drawEllipse(QPointF(120, 100), 90, 90)
        p.end()
        return image

    sprite, gradient = paint("sprite"), paint("gradient")
    assert sprite != paint("nothing")  # it drew something
    assert _max_channel_diff(sprite, gradient) <= 3  # of 255: the same to the eye


def test_a_split_illustration_paints_what_it_painted_in_one_go(qtbot: QtBot) -> None:
    """The card-tap art drawn the new way (cached reader and glow, moving card and waves)
    against the same parts all drawn at once, at a few phases of its loop."""

    class OneGo(Art):
        DESIGN = QSizeF(400, 400)

        def __init__(self, art: Art) -> None:
            super().__init__()
            self.art = art

        def draw(self, p: QPainter, t: float) -> None:
            self.art.draw_under(p, t)
            self.art.draw_static(p)
            self.art.draw(p, t)

    from kiosk.ui.widgets_art import CardTapArt

    split = CardTapArt()
    whole = OneGo(CardTapArt())
    for widget in (split, whole):
        qtbot.addWidget(widget)
        widget.setStyleSheet(f"background: {BG};")
        widget.resize(500, 460)
    for t in (0.0, 0.3, 0.75):
        split.t = whole.t = t
        assert _max_channel_diff(split.grab().toImage(), whole.grab().toImage()) <= 2
