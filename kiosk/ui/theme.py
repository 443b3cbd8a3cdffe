"""Colours, sizes and the style sheet of the shopper screens, and the WCAG contrast check.

Everything is laid out for a 1080 × 1920 portrait panel in device pixels. ``Theme.large``
scales text by 1.25 (the large-text mode); touch targets never go under ``TOUCH_MIN`` px.
The palette is dark and warm (a lit shop window at night); every text/background pair used by
the style sheet is listed in :data:`TEXT_PAIRS` and checked for WCAG AA contrast by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

TOUCH_MIN = 80  # px: the smallest touch target at 1080 × 1920
TEXT_MIN = 18  # px: the smallest text

BG = "#15110e"
SURFACE = "#241d18"
SURFACE_HI = "#33291f"
TEXT = "#f6efe6"
MUTED = "#cdbfae"
ACCENT = "#e2b96f"
ON_ACCENT = "#1b140e"
DANGER = "#ff9b8f"
SUCCESS = "#8fe0b0"
LINE = "#5a4a3c"

FAMILY_COLOURS = {
    "floral": "#e9a3c0",
    "woody": "#b98a5e",
    "fresh": "#8fd3d8",
    "amber": "#e59a4a",
    "citrus": "#f2d45c",
    "gourmand": "#c98f7a",
}

# (foreground, background, what it is): each must reach 4.5:1 (WCAG AA, normal text).
TEXT_PAIRS: tuple[tuple[str, str, str], ...] = (
    (TEXT, BG, "body text"),
    (MUTED, BG, "secondary text"),
    (TEXT, SURFACE, "text on cards"),
    (MUTED, SURFACE, "secondary text on cards"),
    (TEXT, SURFACE_HI, "text on raised cards"),
    (ON_ACCENT, ACCENT, "primary buttons"),
    (ACCENT, BG, "prices and highlights"),
    (ACCENT, SURFACE, "prices on cards"),
    (DANGER, BG, "errors"),
    (DANGER, SURFACE, "errors on cards"),
    (SUCCESS, BG, "confirmations"),
    (SUCCESS, SURFACE, "confirmations on cards"),
    (DANGER, SURFACE_HI, "notices on banners"),
    (ACCENT, SURFACE_HI, "highlights on banners"),
    *((ON_ACCENT, colour, f"family tile {name}") for name, colour in FAMILY_COLOURS.items()),
    (ON_ACCENT, TEXT, "the 'All' tile"),
    (ON_ACCENT, DANGER, "sold-out pill"),
    (MUTED, SURFACE_HI, "secondary text on raised cards"),
)


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rrggbb`` colours (1.0 … 21.0)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Theme:
    large: bool = False  # the large-text mode

    def px(self, size: int) -> int:
        """A text size in px, scaled for the large-text mode, never under TEXT_MIN."""
        return max(TEXT_MIN, round(size * (1.25 if self.large else 1.0)))

    @property
    def body(self) -> int:
        return self.px(26)

    @property
    def small(self) -> int:
        return self.px(20)

    @property
    def title(self) -> int:
        return self.px(52)

    @property
    def heading(self) -> int:
        return self.px(36)

    @property
    def button(self) -> int:
        return self.px(30)

    @property
    def display(self) -> int:
        return self.px(72)

    def stylesheet(self) -> str:
        return f"""
        QWidget {{ background: {BG}; color: {TEXT}; font-family: "DejaVu Sans";
                   font-size: {self.body}px; }}
        QLabel {{ background: transparent; }}
        QLabel[role="title"] {{ font-size: {self.title}px; font-weight: 600; }}
        QLabel[role="heading"] {{ font-size: {self.heading}px; font-weight: 600; }}
        QLabel[role="muted"] {{ color: {MUTED}; }}
        QLabel[role="small"] {{ color: {MUTED}; font-size: {self.small}px; }}
        QLabel[role="price"] {{ color: {ACCENT}; font-size: {self.heading}px; font-weight: 600; }}
        QLabel[role="error"] {{ color: {DANGER}; }}
        QLabel[role="ok"] {{ color: {SUCCESS}; }}
        QFrame[role="card"] {{ background: {SURFACE}; border-radius: 24px; }}
        QFrame[role="card"] QLabel[role="error"] {{ color: {DANGER}; }}
        QFrame[role="banner"] {{ background: {SURFACE_HI}; border-radius: 16px; }}
        QPushButton {{ background: {SURFACE_HI}; color: {TEXT}; border: 2px solid {LINE};
                       border-radius: 20px; padding: 12px 28px; font-size: {self.button}px;
                       min-height: {TOUCH_MIN}px; min-width: {TOUCH_MIN}px; }}
        QPushButton:pressed {{ background: {LINE}; }}
        QPushButton:disabled {{ color: {MUTED}; border-color: {SURFACE_HI}; }}
        QPushButton[role="primary"] {{ background: {ACCENT}; color: {ON_ACCENT}; border: none;
                                      font-weight: 600; }}
        QPushButton[role="primary"]:pressed {{ background: #c99f55; }}
        QPushButton[role="primary"]:disabled {{ background: {SURFACE_HI}; color: {MUTED}; }}
        QPushButton[role="ghost"] {{ background: transparent; border: none; color: {MUTED}; }}
        QPushButton[role="tile"] {{ color: {ON_ACCENT}; border: none; border-radius: 28px;
                                   font-size: {self.heading}px; font-weight: 600; }}
        QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; border: none; }}
        QScrollBar:vertical {{ width: 0px; }}
        QLabel[role="display"] {{ color: {ACCENT}; font-size: {self.display}px;
                                 font-weight: 600; }}
        QLabel[role="onTile"] {{ color: {ON_ACCENT}; font-size: {self.button}px;
                                font-weight: 600; }}
        QLabel[role="strike"] {{ color: {MUTED}; font-size: {self.body}px;
                                text-decoration: line-through; }}
        QLabel[role="badge"] {{ background: {ACCENT}; color: {ON_ACCENT}; border-radius: 12px;
                               padding: 4px 14px; font-size: {self.small}px; font-weight: 600; }}
        QLabel[role="soldOut"] {{ background: {DANGER}; color: {ON_ACCENT}; border-radius: 12px;
                                 padding: 4px 14px; font-size: {self.small}px; font-weight: 600; }}
        """
