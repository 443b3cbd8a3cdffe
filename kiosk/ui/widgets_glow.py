"""Soft radial glows for the illustrations and the perfume pictures, cheap to draw each frame.

:func:`glow` looks exactly like filling a radial gradient (``alpha`` at the centre, nothing at
the radius), but draws it from a sprite: the gradient at full strength, rendered once per colour
and device size (:data:`GLOW_SPRITES` kept), copied unscaled at opacity ``alpha``. Filling a
large radial gradient at every frame cost the loop thread 2-8 ms (Qt also handed it to its
raster threads and the loop thread waited for them); the copy costs a fraction of that
(docs/benchmarks.md §3).
"""

from __future__ import annotations

import math
from collections import OrderedDict

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPixmap, QRadialGradient, QTransform

GLOW_SPRITES = 12  # glow pictures kept (a colour at a size each, ~0.2-3 MB)
_glow_sprites: OrderedDict[tuple[str, int, float], QPixmap] = OrderedDict()


def glow(p: QPainter, centre: QPointF, radius: float, hex_colour: str, alpha: float) -> None:
    """A soft disc of ``hex_colour`` fading from ``alpha`` at ``centre`` to nothing at
    ``radius``, drawn from its sprite."""
    if alpha <= 0.0 or radius <= 0.0:
        return
    device = p.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    scale = math.sqrt(abs(p.transform().determinant())) * ratio
    side = max(2, math.ceil(radius * scale) * 2)  # even: centred on a whole pixel
    sprite = _glow_sprite(hex_colour, side, ratio)
    transform = p.transform()
    p.save()
    p.setOpacity(p.opacity() * min(1.0, alpha))
    if transform.type().value <= QTransform.TransformationType.TxScale.value:
        # Unscaled and on whole pixels: a plain copy (the sprite is the glow's device size
        # rounded up to whole pixels).
        at = transform.map(centre)
        half = side / ratio / 2
        p.resetTransform()
        p.drawPixmap(QPointF(round(at.x() - half), round(at.y() - half)), sprite)
    else:  # rotated: stretched over the disc
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
        p.drawPixmap(target, sprite, QRectF(0, 0, side, side))
    p.restore()


def _glow_sprite(hex_colour: str, side: int, ratio: float) -> QPixmap:
    key = (hex_colour, side, ratio)
    sprite = _glow_sprites.get(key)
    if sprite is not None:
        _glow_sprites.move_to_end(key)
        return sprite
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    centre = QPointF(side / 2, side / 2)
    g = QRadialGradient(centre, side / 2)
    clear = QColor(hex_colour)
    clear.setAlphaF(0.0)
    g.setColorAt(0.0, QColor(hex_colour))
    g.setColorAt(1.0, clear)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(g))
    painter.drawEllipse(centre, side / 2, side / 2)
    painter.end()
    sprite = QPixmap.fromImage(image)
    sprite.setDevicePixelRatio(ratio)
    _glow_sprites[key] = sprite
    while len(_glow_sprites) > GLOW_SPRITES:
        _glow_sprites.popitem(last=False)
    return sprite
