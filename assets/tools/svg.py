"""Small, deterministic SVG helpers for the artwork scripts: number formatting, colours,
gradients and polygon operations (clipping, simplification) on plain ``(x, y)`` tuples."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

Point = tuple[float, float]
Polygon = list[Point]


def num(value: float) -> str:
    """A coordinate with at most one decimal, no trailing ``.0`` and never ``-0``."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def path_d(points: Sequence[Point], *, closed: bool = True) -> str:
    """The ``d`` attribute of a polyline through ``points``."""
    if not points:
        return ""
    head = f"M{num(points[0][0])} {num(points[0][1])}"
    rest = "".join(f"L{num(x)} {num(y)}" for x, y in points[1:])
    return head + rest + ("Z" if closed else "")


# --- colours ---------------------------------------------------------------------------------


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_of(r: float, g: float, b: float) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in (r, g, b))


def mix(a: str, b: str, t: float) -> str:
    """``a`` moved a fraction ``t`` towards ``b``."""
    ca, cb = rgb(a), rgb(b)
    return hex_of(*(x + (y - x) * t for x, y in zip(ca, cb, strict=True)))


def lighten(colour: str, t: float) -> str:
    return mix(colour, "#ffffff", t)


def darken(colour: str, t: float) -> str:
    return mix(colour, "#000000", t)


# --- gradients -------------------------------------------------------------------------------

Stop = tuple[float, str, float]  # offset 0..1, colour, opacity


def _stops(stops: Iterable[Stop]) -> str:
    out = []
    for offset, colour, opacity in stops:
        extra = "" if opacity >= 1 else f' stop-opacity="{opacity:g}"'
        out.append(f'<stop offset="{offset:g}" stop-color="{colour}"{extra}/>')
    return "".join(out)


def linear(gid: str, stops: Iterable[Stop], *, vertical: bool = False) -> str:
    end = 'x2="0" y2="1"' if vertical else 'x2="1" y2="0"'
    return f'<linearGradient id="{gid}" x1="0" y1="0" {end}>{_stops(stops)}</linearGradient>'


def radial(gid: str, stops: Iterable[Stop], *, cx: float = 0.5, cy: float = 0.5) -> str:
    return (
        f'<radialGradient id="{gid}" cx="{cx:g}" cy="{cy:g}" r="0.5">'
        f"{_stops(stops)}</radialGradient>"
    )


# --- polygons --------------------------------------------------------------------------------


def clip(
    poly: Polygon, inside: Callable[[Point], bool], cut: Callable[[Point, Point], Point]
) -> Polygon:
    """Sutherland–Hodgman clipping of ``poly`` against one half-plane."""
    out: Polygon = []
    for i, current in enumerate(poly):
        previous = poly[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(cut(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(cut(previous, current))
    return out


def clip_y(poly: Polygon, limit: float, *, keep_below: bool) -> Polygon:
    """Keep the part of ``poly`` with y ≤ ``limit`` (``keep_below``) or y ≥ ``limit``."""

    def inside(p: Point) -> bool:
        return p[1] <= limit if keep_below else p[1] >= limit

    def cut(a: Point, b: Point) -> Point:
        t = (limit - a[1]) / (b[1] - a[1])
        return (a[0] + (b[0] - a[0]) * t, limit)

    return clip(poly, inside, cut)


def simplify(points: Sequence[Point], tolerance: float = 0.06) -> Polygon:
    """Ramer–Douglas–Peucker simplification of an open polyline (ends kept)."""
    if len(points) < 3:
        return list(points)
    (x0, y0), (x1, y1) = points[0], points[-1]
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1e-9
    worst, index = 0.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i]
        distance = abs(dy * (px - x0) - dx * (py - y0)) / length
        if distance > worst:
            worst, index = distance, i
    if worst <= tolerance:
        return [points[0], points[-1]]
    left = simplify(points[: index + 1], tolerance)
    return left[:-1] + simplify(points[index:], tolerance)


def svg_document(width: int, height: int, defs: Sequence[str], body: Sequence[str]) -> str:
    """A standalone SVG document (no external references, no text)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">\n'
        f"<defs>\n{chr(10).join(defs)}\n</defs>\n{chr(10).join(body)}\n</svg>\n"
    )
