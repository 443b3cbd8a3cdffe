"""Parametric perfume-bottle illustrations (portrait 300 × 400 SVG, no text, no external refs).

A :class:`Bottle` describes one bottle: a body silhouette given as a half-width profile (column,
taper, barrel, waist, sphere, drop, facet or shield), a glass thickness, a liquid with its fill
level and two colours, a metal collar, a cap (shape and material) and an optional label. The
glass, liquid and highlights are polygons computed from the same profile, so the liquid always
sits inside the glass whatever the silhouette, without relying on SVG clip paths.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from fittings import (
    CX,
    EDGE,
    FLOOR,
    GLASS,
    cap,
    cap_extent,
    ellipse,
    facet_lines,
    label,
    metal_stops,
    poly,
    rect,
    ridges,
    to_svg,
)
from svg import (
    Polygon,
    clip_y,
    darken,
    lighten,
    linear,
    mix,
    num,
    path_d,
    radial,
    simplify,
    svg_document,
)

WIDTH, HEIGHT = 300, 400


@dataclass(frozen=True)
class Bottle:
    shape: str  # column | taper | barrel | waist | sphere | drop | facet | shield
    width: float  # largest half-width of the body
    height: float  # body height (sphere: derived from width, cut and neck)
    neck: float  # half-width of the neck under the collar
    liquid: tuple[str, str]  # top and bottom colour of the perfume
    round_bottom: float = 8.0
    round_top: float = 10.0
    k: float = 0.0  # shape parameter: taper, bulge, waist depth, sphere cut, chamfer
    fill: float = 0.78  # liquid level, 0..1 of the inner height
    collar: str = "gold"
    collar_height: float = 14.0
    cap: str = "block"  # block | ball | dome | gem | tiers | spire | pebble | cylinder | disk
    cap_width: float = 24.0  # half-width
    cap_height: float = 44.0
    cap_material: str = "gold"  # a METALS key, or "glass" (tinted like the liquid)
    label: str = "none"  # none | plate | band | emblem


# --- silhouettes -----------------------------------------------------------------------------


def _raw_profile(b: Bottle) -> tuple[Callable[[float], float], float, list[float]]:
    """Half-width of the body as a function of height, the body height and breakpoints."""
    w, h, k, n = b.width, b.height, b.k, b.neck
    if b.shape == "column":
        return (lambda y: w), h, []
    if b.shape == "taper":  # k > 0 narrows upwards, k < 0 widens
        return (lambda y: w * (1 - k * y / h)), h, []
    if b.shape == "shield":  # narrow foot, wide shoulders
        return (lambda y: w * (1 - k * (1 - y / h) ** 1.6)), h, []
    if b.shape == "barrel":
        return (lambda y: w * (1 - k * (2 * y / h - 1) ** 2)), h, []
    if b.shape == "waist":
        return (lambda y: w * (1 - k * math.sin(math.pi * y / h))), h, []
    if b.shape == "sphere":  # k: half-width of the flat foot as a fraction of the radius
        cy = w * math.sqrt(1 - k * k)
        height = cy + math.sqrt(w * w - n * n)
        return (lambda y: math.sqrt(max(w * w - (y - cy) ** 2, 0.0))), height, []
    if b.shape == "drop":  # k: foot half-width as a fraction of the widest point

        def drop(y: float) -> float:
            u = y / h
            if u <= 0.32:
                return w * (k + (1 - k) * math.sin(math.pi / 2 * u / 0.32))
            v = (u - 0.32) / 0.68
            ratio = n / w
            return w * (ratio + (1 - ratio) * (math.cos(math.pi * v) + 1) / 2)

        return drop, h, []
    if b.shape == "facet":  # k: chamfer size
        c = k

        def facet(y: float) -> float:
            if y < c:
                return w - (c - y)
            if y > h - c:
                return w - (y - (h - c))
            return w

        return facet, h, [c, h - c]
    raise ValueError(f"unknown bottle shape {b.shape!r}")


def _rounded(
    base: Callable[[float], float], y0: float, y1: float, r0: float, r1: float
) -> Callable[[float], float]:
    """``base`` with quarter-circle corners of radius r0 at y0 and r1 at y1."""

    def hw(y: float) -> float:
        value = base(y)
        if r0 > 0 and y < y0 + r0:
            d = r0 - (y - y0)
            value -= r0 - math.sqrt(max(r0 * r0 - d * d, 0.0))
        if r1 > 0 and y > y1 - r1:
            d = y - (y1 - r1)
            value -= r1 - math.sqrt(max(r1 * r1 - d * d, 0.0))
        return max(value, 0.0)

    return hw


def _samples(y0: float, y1: float, extra: list[float], count: int = 180) -> list[float]:
    ys = {y0 + (y1 - y0) * (1 - math.cos(math.pi * i / count)) / 2 for i in range(count + 1)}
    ys.update(y for y in extra if y0 < y < y1)
    return sorted(ys)


def _outline(hw: Callable[[float], float], y0: float, y1: float, extra: list[float]) -> Polygon:
    right = simplify([(hw(y), y) for y in _samples(y0, y1, extra)])
    return right + [(-x, y) for x, y in reversed(right)]


def _strip(
    hw: Callable[[float], float], y0: float, y1: float, gap: float, width: float, *, left: bool
) -> Polygon:
    """A tapering highlight following the inner wall between heights y0 and y1."""
    ys = _samples(y0, y1, [], 60)
    sign = -1 if left else 1
    outer = [(sign * (hw(y) - gap), y) for y in ys]
    inner = []
    for y in reversed(ys):
        s = (y - y0) / (y1 - y0)
        inner.append((sign * (hw(y) - gap - width * math.sin(math.pi * s) ** 0.7), y))
    return simplify(outer, 0.05) + simplify(inner, 0.05)


def draw_bottle(b: Bottle, glow: str) -> str:
    """The SVG document of one bottle on a soft ``glow`` of its family colour."""
    base, h, breaks = _raw_profile(b)
    rb, rt = b.round_bottom, (0.0 if b.shape in ("sphere", "drop") else b.round_top)
    outer_hw = _rounded(base, 0.0, h, rb, rt)
    bottom, top = max(10.0, h * 0.08), h - GLASS
    inner_hw = _rounded(
        lambda y: base(y) - GLASS, bottom, top, max(rb - GLASS, 3.0), max(rt - GLASS, 0.0)
    )
    outer = _outline(outer_hw, 0.0, h, breaks)
    inner = _outline(inner_hw, bottom, top, breaks)
    level = bottom + b.fill * (top - bottom)
    liquid = clip_y(inner, level, keep_below=True)
    top_colour, bottom_colour = b.liquid
    tint = mix(top_colour, bottom_colour, 0.5)
    widest = max(outer_hw(y) for y in _samples(0, h, [], 60))
    collar_top = h + b.collar_height
    defs = [
        radial(
            "glow",
            [
                (0, lighten(glow, 0.45), 0.7),
                (0.55, lighten(glow, 0.6), 0.35),
                (1, lighten(glow, 0.8), 0),
            ],
        ),
        radial("shadow", [(0, "#1d1422", 0.4), (0.55, "#1d1422", 0.14), (1, "#1d1422", 0)]),
        linear(
            "glass",
            [
                (0, darken(tint, 0.15), 0.55),
                (0.16, lighten(tint, 0.7), 0.25),
                (0.5, "#ffffff", 0.1),
                (0.84, lighten(tint, 0.6), 0.22),
                (1, darken(tint, 0.2), 0.6),
            ],
        ),
        linear(
            "liquid", [(0, lighten(top_colour, 0.1), 0.95), (1, bottom_colour, 0.97)], vertical=True
        ),
        linear(
            "shade",
            [(0, "#000000", 0.3), (0.28, "#000000", 0), (0.7, "#000000", 0), (1, "#000000", 0.36)],
        ),
        linear(
            "hl",
            [(0, "#ffffff", 0), (0.25, "#ffffff", 0.8), (0.7, "#ffffff", 0.45), (1, "#ffffff", 0)],
            vertical=True,
        ),
        radial("caustic", [(0, "#ffffff", 0.5), (1, "#ffffff", 0)]),
        linear("collar", metal_stops(b.collar, b.liquid)),
        linear("cap", metal_stops(b.cap_material, b.liquid)),
        linear("capsheen", [(0, "#ffffff", 0), (0.35, "#ffffff", 0.55), (1, "#ffffff", 0)]),
    ]
    total = collar_top + cap_extent(b.cap, b.cap_width, b.cap_height)
    scale = min(312.0 / total, 112.0 / widest)
    mid = total * scale * 0.5
    backdrop = [
        ellipse(0, mid, 140, 165, "url(#glow)"),
        f'<circle cx="{num(CX)}" cy="{num(FLOOR - mid)}" r="126" fill="none" stroke="{glow}" '
        'stroke-opacity="0.25" stroke-width="1"/>',
        ellipse(0, -2, widest * scale * 1.3, 11, "url(#shadow)"),
        ellipse(0, -1, widest * scale * 0.8, 4, bottom_colour, ' fill-opacity="0.22"'),
    ]
    transform = (
        f"translate({num(CX)} {num(FLOOR)}) scale({scale:.4f}) translate({num(-CX)} {num(-FLOOR)})"
    )
    body = [
        poly(outer, "url(#glass)"),
        poly(
            clip_y(outer, bottom + 1, keep_below=True),
            lighten(bottom_colour, 0.45),
            ' fill-opacity="0.5"',
        ),
        poly(liquid, "url(#liquid)"),
        poly(liquid, "url(#shade)"),
        ellipse(0, bottom + 9, inner_hw(bottom + 9) * 0.7, 7, "url(#caustic)"),
        ellipse(
            0,
            level,
            max(inner_hw(level) - 0.6, 1),
            min(4.0, 0.06 * inner_hw(level) + 1.5),
            lighten(top_colour, 0.35),
            ' fill-opacity="0.9"',
        ),
        poly(inner, "none", ' stroke="#ffffff" stroke-opacity="0.35" stroke-width="0.8"'),
        f'<path d="{path_d(to_svg([(-inner_hw(bottom) + 2, bottom), (inner_hw(bottom) - 2, bottom)]), closed=False)}" '  # noqa: E501
        'stroke="#ffffff" stroke-opacity="0.6" stroke-width="1.2" fill="none"/>',
        *label(b.label, outer_hw, h, b.collar),
        *(facet_lines(b.width - b.k, bottom, top) if b.shape == "facet" else []),
        poly(
            _strip(inner_hw, bottom + 4, top - 6, 3.0, min(12.0, widest * 0.16), left=True),
            "url(#hl)",
        ),
        poly(
            _strip(inner_hw, bottom + 14, top - 14, 2.0, 3.5, left=False),
            "url(#hl)",
            ' fill-opacity="0.6"',
        ),
        poly(outer, "none", ' stroke="#241c2b" stroke-opacity="0.4" stroke-width="1.2"'),
        rect(-b.neck - 3, h - 1, b.neck + 3, collar_top, "url(#collar)", 1.5).replace(
            "/>", EDGE + "/>"
        ),
        *ridges(b.neck, h, collar_top),
        *cap(b.cap, b.cap_width, b.cap_height, b.neck, collar_top),
    ]
    group = [f'<g transform="{transform}">', *body, "</g>"]
    return svg_document(WIDTH, HEIGHT, defs, [*backdrop, *group])
