"""Line-art scent-family icons (64 × 64) and the kiosk's "Sillage" logo, as SVG documents.

Icons are one colour (``INK``) on transparent, stroke-only, so the UI can use them as they are
on light tiles or tint them (e.g. QPainter ``CompositionMode_SourceIn``) for dark ones. The
logo's wordmark is drawn with monoline strokes: no font is needed to show it.
"""

from __future__ import annotations

import math

from svg import linear, num, svg_document

INK = "#2b2233"
_STROKE = (
    f'fill="none" stroke="{INK}" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"'
)


def _icon(*parts: str) -> str:
    return svg_document(64, 64, [], [f"<g {_STROKE}>", *parts, "</g>"])


def _floral() -> str:
    petal = "M32 29C25.5 23 26 12.5 32 9C38 12.5 38.5 23 32 29Z"
    petals = [f'<path d="{petal}" transform="rotate({a} 32 32)"/>' for a in range(0, 360, 72)]
    inner = [
        f'<path d="M32 29C30 26 30.5 21 32 18.5" transform="rotate({a + 36} 32 32)" '
        'stroke-width="1.4"/>'
        for a in range(0, 360, 72)
    ]
    return _icon(*petals, *inner, '<circle cx="32" cy="32" r="3.2"/>')


def _ring(cx: float, cy: float, r: float, phase: float) -> str:
    points = []
    for i in range(72):
        t = 2 * math.pi * i / 72
        rr = r * (1 + 0.045 * math.sin(3 * t + phase) + 0.025 * math.sin(5 * t + 2 * phase))
        points.append(f"{num(cx + rr * math.cos(t))} {num(cy + rr * math.sin(t))}")
    return f'<path d="M{"L".join(points)}Z"/>'


def _woody() -> str:
    rings = [(32, 32, 24, 0.0), (30.5, 33, 17, 0.9), (29.5, 34, 10.5, 1.7), (29, 34.5, 4.2, 2.4)]
    out = [_ring(x, y, r, phase) for x, y, r, phase in rings]
    out[0] = out[0].replace("/>", ' stroke-width="2.6"/>')
    out.append('<path d="M54 24L45 29L47 31.5L40.5 34" stroke-width="1.6"/>')
    return _icon(*out)


def _fresh() -> str:
    return _icon(
        '<path d="M14 34C15 18 30 9 50 10C49 28 36 38 20 38C18 38 16 37 14 34Z"/>',
        '<path d="M14 34C24 26 34 20 44 15" stroke-width="1.6"/>',
        '<path d="M22.5 29.5L21 22M29 25.5L28.5 17M36 21L36.5 14.5" stroke-width="1.3"/>',
        '<path d="M26 27.5L33 28.5M33 23L40 23.5" stroke-width="1.3"/>',
        '<path d="M8 48C12 44 16 44 20 48S28 52 32 48S40 44 44 48S52 52 56 48"/>',
        '<path d="M14 56C17.5 53 20.5 53 24 56S31 59 34.5 56S41.5 53 45 56" stroke-width="1.6"/>',
    )


def _amber() -> str:
    return _icon(
        '<path d="M32 7C32 7 49 27 49 39A17 17 0 0 1 15 39C15 27 32 7 32 7Z"/>',
        '<path d="M32 7L26 30L38 30Z" stroke-width="1.2"/>',
        '<path d="M26 30L15.5 37M38 30L48.5 37M26 30L32 55M38 30L32 55" stroke-width="1.2"/>',
    )


def _citrus() -> str:
    spokes = []
    for i in range(8):
        a = math.radians(i * 45 + 22.5)
        x0, y0 = 32 + 3.5 * math.cos(a), 32 + 3.5 * math.sin(a)
        x1, y1 = 32 + 18 * math.cos(a), 32 + 18 * math.sin(a)
        spokes.append(f"M{num(x0)} {num(y0)}L{num(x1)} {num(y1)}")
    return _icon(
        '<circle cx="32" cy="32" r="24"/>',
        '<circle cx="32" cy="32" r="19.5" stroke-width="1.6"/>',
        f'<path d="{"".join(spokes)}" stroke-width="1.6"/>',
        '<circle cx="32" cy="32" r="1.6"/>',
    )


def _gourmand() -> str:
    pleats = "".join(f"M{num(x0)} 38L{num(x1)} 57" for x0, x1 in ((23, 25.5), (32, 32), (41, 38.5)))
    return _icon(
        '<path d="M14 38H50L45 57H19Z"/>',
        f'<path d="{pleats}" stroke-width="1.5"/>',
        '<path d="M14 38C9 38 9 30.5 15 30C13 24 19 20.5 24 22.5C25 17 39 17 40 22.5'
        'C45 20.5 51 24 49 30C55 30.5 55 38 50 38"/>',
        '<path d="M21 30.5C27 28 37 28 43 30.5" stroke-width="1.5"/>',
        '<circle cx="32" cy="14.5" r="3.5"/>',
        '<path d="M33.5 11.5C34.5 8.5 37 7 39.5 7" stroke-width="1.5"/>',
    )


FAMILY_ICONS = {
    "floral": _floral,
    "woody": _woody,
    "fresh": _fresh,
    "amber": _amber,
    "citrus": _citrus,
    "gourmand": _gourmand,
}


# --- logo -----------------------------------------------------------------------------------

# Lower-case monoline letters: x-height 40 (y 40..80), ascender to y 18, descender to y 100.
_LETTERS: dict[str, tuple[float, str]] = {
    "s": (24, "M22 46C18 40.5 3 40 3 50C3 59 22 59 22 69C22 80.5 5 81.5 1.5 74"),
    "i": (0, "M0 44V80"),
    "l": (0, "M0 18V80"),
    "a": (38, "M36 62A18 18 0 1 1 36 61.9M36 44V80"),
    "g": (38, "M36 62A18 18 0 1 1 36 61.9M36 44V86C36 101 15 103 5 95"),
    "e": (36, "M0.5 62H36A18 18 0 1 0 32 73.5"),
}


def _wordmark(x0: float, colour: str) -> tuple[list[str], float]:
    parts, x = [], x0
    for letter in "sillage":
        width, d = _LETTERS[letter]
        parts.append(f'<path d="{d}" transform="translate({num(x)} 0)"/>')
        if letter == "i":
            parts.append(f'<circle cx="{num(x)}" cy="30" r="3" fill="{colour}" stroke="none"/>')
        x += width + 15
    group = [
        f'<g fill="none" stroke="{colour}" stroke-width="4.2" stroke-linecap="round" '
        'stroke-linejoin="round">',
        *parts,
        "</g>",
    ]
    return group, x - 15


def _mark() -> list[str]:
    """A drop of perfume leaving a rising trail (the sillage) inside a thin ring."""
    return [
        '<circle cx="55" cy="60" r="44" fill="none" stroke="url(#gold)" stroke-width="2.5"/>',
        '<path d="M55 57C55 57 70 74 70 83A15 15 0 0 1 40 83C40 74 55 57 55 57Z" '
        'fill="url(#gold)"/>',
        '<path d="M46.5 82A8.5 8.5 0 0 0 51.5 90" fill="none" stroke="#ffffff" '
        'stroke-opacity="0.75" stroke-width="2.4" stroke-linecap="round"/>',
        '<path d="M55 50C44 44 46 36 56 33C65 30 65 24 58 22" fill="none" stroke="url(#gold)" '
        'stroke-width="3" stroke-linecap="round"/>',
        '<path d="M63 46C58 43 58.5 40 63.5 38" fill="none" stroke="url(#gold)" stroke-width="2" '
        'stroke-linecap="round" stroke-opacity="0.6"/>',
    ]


def logo(*, light: bool = False) -> str:
    """Mark and wordmark on transparent; ``light`` for dark backgrounds."""
    colour = "#f6f1ea" if light else INK
    gold = linear(
        "gold",
        [(0, "#8a6a2c", 1), (0.45, "#e3c77e", 1), (0.7, "#f6e7b0", 1), (1, "#a8843c", 1)],
    )
    words, right = _wordmark(128, colour)
    return svg_document(round(right + 10), 120, [gold], [*_mark(), *words])
