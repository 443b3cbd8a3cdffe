"""Shared pieces of the service screens: their extra style sheet, the :class:`Section` base,
a level bar, list rows, number and time formats, and a page header with a back button.

The service overlay is styled with the shopper theme at normal size (``Theme()``) plus
:data:`SERVICE_QSS`: keypad keys, checkable choices, warning pills and the monospaced hex
trace. Colours are the theme's, so every pair is already in ``TEXT_PAIRS``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QLocale, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.ui.theme import ACCENT, BG, DANGER, LINE, ON_ACCENT, SUCCESS, SURFACE, SURFACE_HI, TEXT
from kiosk.ui.widgets import button, label
from kiosk.ui.widgets_shop import Pressable

SERVICE_QSS = f"""
#serviceOverlay {{ background: {BG}; }}
QPushButton[role="key"] {{ font-size: 36px; font-weight: 600; border-radius: 16px;
                          padding: 0px; }}
QPushButton[role="keyword"] {{ font-size: 28px; font-weight: 600; border-radius: 16px;
                              padding: 0px 8px; }}
QPushButton[role="choice"] {{ padding: 12px 12px; font-size: 26px; }}
QPushButton[role="choice"]:checked {{ background: {ACCENT}; color: {ON_ACCENT}; border: none;
                                     font-weight: 600; }}
QPushButton[role="tab"] {{ padding: 8px 12px; font-size: 26px; border-radius: 16px; }}
QPushButton[role="tab"]:checked {{ background: {ACCENT}; color: {ON_ACCENT}; border: none;
                                  font-weight: 600; }}
QPushButton[role="danger"] {{ background: {SURFACE_HI}; color: {DANGER};
                             border: 2px solid {DANGER}; font-weight: 600; }}
QLabel[role="warn"] {{ color: {DANGER}; font-size: 20px; font-weight: 600; }}
QLabel[role="value"] {{ color: {TEXT}; font-weight: 600; }}
QLabel[role="mono"] {{ font-family: "DejaVu Sans Mono"; font-size: 20px; }}
QPlainTextEdit#hexTrace {{ background: {SURFACE}; color: {TEXT}; border: none;
                          border-radius: 16px; padding: 12px;
                          font-family: "DejaVu Sans Mono"; font-size: 18px; }}
"""


def ml(microlitres: int, decimals: int = 1) -> str:
    """``42.5 ml`` / ``42,5 ml`` in the current locale."""
    return f"{QLocale().toString(microlitres / 1000, 'f', decimals)} ml"


def ml_exact(microlitres: int) -> str:
    """Millilitres with as many decimals as needed (``12.345 ml``, ``40 ml``)."""
    return f"{QLocale().toString(microlitres / 1000, 'g', 12)} ml"


def number(value: float, decimals: int = 0) -> str:
    return QLocale().toString(float(value), "f", decimals)


def clock_time(at: float) -> str:
    """A wall-clock time ``14:05:09`` (local time of the kiosk)."""
    return datetime.fromtimestamp(at).strftime("%H:%M:%S")


def ts_time(ts: str) -> str:
    """A ledger timestamp (UTC ISO-8601) as local ``YYYY-MM-DD HH:MM``."""
    try:
        at = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return ts
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


class Section(QWidget):
    """One tab of the service home: builds once, ``retranslate()`` sets every text,
    ``entered()`` reloads its data (through the view-model)."""

    def retranslate(self) -> None:
        """Set every text in the current language (each section sets its own)."""

    def entered(self) -> None:
        """The technician opened this tab."""

    def landscape(self) -> bool:
        w = self.window()
        return w.width() > w.height()


class LevelBar(QWidget):
    """A rounded horizontal gauge: ``fraction`` filled, in the danger colour when ``low``."""

    def __init__(self) -> None:
        super().__init__()
        self.fraction = 0.0
        self.low = False
        self.setMinimumHeight(16)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(200, 16)

    def set_level(self, fraction: float, low: bool) -> None:
        self.fraction = max(0.0, min(1.0, fraction))
        self.low = low
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        rect = QRectF(self.rect())
        p.setBrush(QColor(LINE))
        p.drawRoundedRect(rect, 8, 8)
        if self.fraction > 0:
            filled = QRectF(rect)
            filled.setWidth(max(16.0, rect.width() * self.fraction))
            if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
                filled.moveRight(rect.right())
            p.setBrush(QColor(DANGER if self.low else SUCCESS))
            p.drawRoundedRect(filled, 8, 8)


class ItemRow(Pressable):
    """A list row: a title, a detail line, an optional gauge and a warning line."""

    def __init__(self, *, name: str = "", gauge: bool = True) -> None:
        super().__init__(fill=SURFACE, radius=20, name=name)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 16, 24, 16)
        box.setSpacing(6)
        self.title = label(role="value")
        self.detail = label(role="small")
        self.gauge = LevelBar()
        self.warning = label(role="warn")
        for w in (self.title, self.detail, self.gauge, self.warning):
            box.addWidget(w)
        self.gauge.setVisible(gauge)
        self.adopt(self.title, self.detail, self.gauge, self.warning)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        lay = self.layout()
        return lay.totalHeightForWidth(width) if lay is not None else super().heightForWidth(width)

    def set_texts(self, title: str, detail: str, warning: str = "") -> None:
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.warning.setText(warning)
        self.warning.setVisible(bool(warning))
        self.setAccessibleName(title)


class PageHeader(QWidget):
    """A back button and a heading, for a detail page inside a section."""

    def __init__(self, *, name: str) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(24)
        self.back = button(role="ghost", name=f"{name}Back")
        self.title = label(role="heading", name=f"{name}Title")
        row.addWidget(self.back, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.title, 1)

    def retranslate(self) -> None:
        arrow = "›" if self.layoutDirection() == Qt.LayoutDirection.RightToLeft else "‹"
        back = self.tr("Back")  # not inside the f-string: lupdate would not see it
        self.back.setText(f"{arrow} {back}")
