"""The fittings of a bottle illustration, drawn in bottle coordinates (x from the bottle's axis,
y up from the floor): metals, collar ridges, caps, labels and cut-glass edges, plus the few
primitives (rectangle, ellipse, polygon) that map bottle coordinates onto the 300 × 400 canvas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from svg import Point, Polygon, darken, lighten, num, path_d

CX, FLOOR = 150.0, 356.0  # the bottle's axis and the floor it stands on, in canvas units
GLASS = 5.0  # wall thickness
EDGE = ' stroke="#241c2b" stroke-opacity="0.35" stroke-width="1"'

METALS: dict[str, tuple[str, ...]] = {
    "gold": ("#6f5220", "#c9a55a", "#f6e7b0", "#d8b866", "#8a6a2c", "#5a4218"),
    "silver": ("#50565e", "#aab1b9", "#f4f6f8", "#c3c9cf", "#7a8189", "#41464d"),
    "rosegold": ("#6a3a30", "#c48a76", "#f7dccf", "#d9a48f", "#8e5546", "#5a3028"),
    "black": ("#0b0b0e", "#2b2b33", "#6a6a76", "#383842", "#17171c", "#050507"),
    "ceramic": ("#b3aca0", "#e6e1d8", "#fdfcf9", "#efeae2", "#cbc4b8", "#a39c90"),
    "wood": ("#3d2515", "#7a5032", "#b08459", "#8a5d3b", "#5b3a22", "#331e10"),
    "frost": ("#c9ced6", "#eceef2", "#ffffff", "#e9ecf0", "#cdd2d9", "#b9bfc8"),
}
_OFFSETS = (0.0, 0.22, 0.42, 0.6, 0.84, 1.0)
_OFFSETS = (0.0, 0.22, 0.42, 0.6, 0.84, 1.0)


def to_svg(points: Sequence[Point]) -> Polygon:
    return [(CX + x, FLOOR - y) for x, y in points]


def metal_stops(material: str, liquid: tuple[str, str]) -> list[tuple[float, str, float]]:
    if material == "glass":
        top, bottom = liquid
        colours = (
            darken(bottom, 0.35),
            bottom,
            lighten(top, 0.55),
            top,
            darken(bottom, 0.1),
            darken(bottom, 0.45),
        )
        return [(o, c, 0.92) for o, c in zip(_OFFSETS, colours, strict=True)]
    return [(o, c, 1.0) for o, c in zip(_OFFSETS, METALS[material], strict=True)]


def rect(x0: float, y0: float, x1: float, y1: float, fill: str, rx: float = 0.0) -> str:
    """A rectangle given in bottle coordinates (y up from the floor)."""
    top = FLOOR - max(y0, y1)
    return (
        f'<rect x="{num(CX + x0)}" y="{num(top)}" width="{num(x1 - x0)}" '
        f'height="{num(abs(y1 - y0))}" rx="{num(rx)}" fill="{fill}"/>'
    )


def ellipse(cx: float, cy: float, rx: float, ry: float, fill: str, extra: str = "") -> str:
    return (
        f'<ellipse cx="{num(CX + cx)}" cy="{num(FLOOR - cy)}" rx="{num(rx)}" ry="{num(ry)}" '
        f'fill="{fill}"{extra}/>'
    )


def poly(points: Sequence[Point], fill: str, extra: str = "") -> str:
    return f'<path d="{path_d(to_svg(points))}" fill="{fill}"{extra}/>'


def cap(kind: str, w: float, h: float, neck: float, base: float) -> list[str]:
    """A ``kind`` cap of half-width ``w`` and height ``h`` standing on the collar top at
    height ``base`` (a ball's radius is ``w``)."""
    fill = "url(#cap)"
    sheen = "url(#capsheen)"
    if kind == "block":
        return [
            rect(-w, base, w, base + h, fill, 3).replace("/>", EDGE + "/>"),
            rect(-w + 3, base + h - 5, w - 3, base + h - 2, sheen, 1.5),
        ]
    if kind == "cylinder":
        return [
            rect(-w, base, w, base + h, fill, 2).replace("/>", EDGE + "/>"),
            ellipse(0, base + h, w, 3.5, sheen),
        ]
    if kind == "ball":
        r = w
        return [
            rect(-neck * 0.8, base, neck * 0.8, base + 6, "url(#collar)"),
            ellipse(0, base + 5 + r, r, r, fill, EDGE),
            ellipse(-r * 0.35, base + 5 + r * 1.4, r * 0.32, r * 0.22, sheen),
        ]
    if kind == "dome":
        body = [(w, base), (w, base + h * 0.45)]
        body += [
            (
                w * math.cos(a / 40 * math.pi / 2),
                base + h * 0.45 + h * 0.55 * math.sin(a / 40 * math.pi / 2),
            )
            for a in range(1, 41)
        ]
        shape = body + [(-x, y) for x, y in reversed(body)]
        return [
            poly(shape, fill, EDGE),
            ellipse(-w * 0.35, base + h * 0.78, w * 0.28, h * 0.12, sheen),
        ]
    if kind == "gem":
        shoulder = base + h * 0.38
        outline = [
            (-w * 0.8, base),
            (w * 0.8, base),
            (w, shoulder),
            (w * 0.55, base + h),
            (-w * 0.55, base + h),
            (-w, shoulder),
        ]
        facets = [
            poly(
                [
                    (-w * 0.8, base),
                    (-w * 0.25, base),
                    (-w * 0.2, base + h),
                    (-w * 0.55, base + h),
                    (-w, shoulder),
                ],
                "#ffffff",
                ' fill-opacity="0.22"',
            ),
            poly(
                [
                    (w * 0.25, base),
                    (w * 0.8, base),
                    (w, shoulder),
                    (w * 0.55, base + h),
                    (w * 0.2, base + h),
                ],
                "#000000",
                ' fill-opacity="0.16"',
            ),
        ]
        return [poly(outline, fill, EDGE), *facets]
    if kind == "tiers":
        lower = h * 0.38
        return [
            rect(-w, base, w, base + lower, fill, 2).replace("/>", EDGE + "/>"),
            rect(-w * 0.62, base + lower, w * 0.62, base + h, fill, 2).replace("/>", EDGE + "/>"),
            rect(-w * 0.62 + 2, base + h - 4, w * 0.62 - 2, base + h - 1.5, sheen, 1),
        ]
    if kind == "spire":
        shape = [(-w, base), (w, base), (w * 0.3, base + h), (-w * 0.3, base + h)]
        return [
            poly(shape, fill, EDGE),
            poly(
                [
                    (-w * 0.55, base + 3),
                    (-w * 0.2, base + 3),
                    (-w * 0.08, base + h - 3),
                    (-w * 0.22, base + h - 3),
                ],
                "#ffffff",
                ' fill-opacity="0.25"',
            ),
        ]
    if kind == "pebble":
        return [
            ellipse(0, base + h / 2, w, h / 2, fill, EDGE),
            ellipse(-w * 0.3, base + h * 0.7, w * 0.4, h * 0.14, sheen),
        ]
    if kind == "disk":
        return [
            rect(-w, base, w, base + h, fill, h / 2.2).replace("/>", EDGE + "/>"),
            ellipse(0, base + h * 0.72, w * 0.8, h * 0.16, sheen),
        ]
    raise ValueError(f"unknown cap {kind!r}")


def label(kind: str, hw: Callable[[float], float], h: float, metal: str) -> list[str]:
    """A ``kind`` label on a body of height ``h`` and outer half-width ``hw(y)``."""
    if kind == "none":
        return []
    stroke = METALS[metal][1]
    y = h * 0.42
    if kind == "plate":
        half, tall = min(hw(y) * 0.55, 34.0), 15.0
        return [
            rect(-half, y - tall, half, y + tall, "#ffffff", 2).replace(
                "/>", f' fill-opacity="0.5" stroke="{stroke}" stroke-width="1"/>'
            ),
            rect(-half + 4, y - tall + 4, half - 4, y + tall - 4, "none", 1).replace(
                "/>", f' stroke="{stroke}" stroke-opacity="0.6" stroke-width="0.6"/>'
            ),
        ]
    if kind == "band":
        half = hw(y) - GLASS
        return [
            rect(-half, y - 7, half, y + 7, "url(#collar)").replace("/>", ' fill-opacity="0.85"/>')
        ]
    if kind == "emblem":
        cy = h * 0.5
        diamond = [(0, cy + 6), (5, cy), (0, cy - 6), (-5, cy)]
        return [
            ellipse(0, cy, 11, 11, "none", f' stroke="{stroke}" stroke-width="1.2"'),
            poly(diamond, stroke, ' fill-opacity="0.9"'),
        ]
    raise ValueError(f"unknown label {kind!r}")


def cap_extent(kind: str, w: float, h: float) -> float:
    """How far a ``kind`` cap rises above the collar."""
    return 5 + 2 * w if kind == "ball" else h


def ridges(neck: float, y0: float, y1: float) -> list[str]:
    out = []
    for frac in (0.33, 0.66):
        y = FLOOR - (y0 + (y1 - y0) * frac)
        out.append(
            f'<path d="M{num(CX - neck - 3)} {num(y)}H{num(CX + neck + 3)}" stroke="#000000" '
            'stroke-opacity="0.25" stroke-width="0.7"/>'
        )
    return out


def facet_lines(x: float, bottom: float, top: float) -> list[str]:
    """Two vertical cut-glass edges at ±x."""
    out = []
    for sign in (-1, 1):
        (x0, y0), (x1, y1) = to_svg([(sign * x, bottom + 2), (sign * x, top - 2)])
        out.append(
            f'<path d="M{num(x0)} {num(y0)}L{num(x1)} {num(y1)}" stroke="#ffffff" '
            'stroke-opacity="0.4" stroke-width="1"/>'
        )
    return out
