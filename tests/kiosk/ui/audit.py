"""Checks over a rendered window: touch targets, text sizes, text that does not fit its
widget, widgets outside the window. Used by the accessibility tests and the screenshots test."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel, QWidget

from kiosk.ui.theme import TEXT_MIN, TOUCH_MIN


@dataclass(frozen=True)
class Finding:
    widget: str
    problem: str

    def __str__(self) -> str:
        return f"{self.widget}: {self.problem}"


def _name(w: QWidget) -> str:
    text = ""
    if isinstance(w, (QLabel, QAbstractButton)):
        text = w.text()[:40].replace("\n", " ")
    return f"{type(w).__name__}#{w.objectName() or '?'}({text!r})"


def _in_scroll_area(w: QWidget, root: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None and p is not root:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def audit(root: QWidget) -> list[Finding]:
    """Every visible label and button under ``root`` (a shown window) is checked."""
    findings: list[Finding] = []
    window_rect = root.rect()
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or w.width() <= 0 or w.height() <= 0:
            continue
        if isinstance(w, QAbstractButton):
            if w.isEnabled() and (w.width() < TOUCH_MIN or w.height() < TOUCH_MIN):
                findings.append(Finding(_name(w), f"touch target {w.width()}x{w.height()}"))
            if w.text() and w.sizeHint().width() > w.width() + 2:
                findings.append(
                    Finding(_name(w), f"text needs {w.sizeHint().width()} px, has {w.width()}")
                )
        if isinstance(w, (QLabel, QAbstractButton)) and w.text().strip():
            px = QFontInfo(w.font()).pixelSize()
            if px < TEXT_MIN:
                findings.append(Finding(_name(w), f"text {px} px < {TEXT_MIN}"))
        if isinstance(w, QLabel) and w.text().strip() and w.pixmap().isNull():
            if w.wordWrap():
                # heightForWidth takes the whole width and includes margins and QSS padding
                need = w.heightForWidth(w.width())
                if need > w.height() + 2:
                    findings.append(
                        Finding(_name(w), f"text needs {need} px high, has {w.height()}")
                    )
            elif w.sizeHint().width() > w.width() + 2:
                findings.append(
                    Finding(_name(w), f"text needs {w.sizeHint().width()} px, has {w.width()}")
                )
        if not _in_scroll_area(w, root):
            top_left = w.mapTo(root, w.rect().topLeft())
            box = w.rect().translated(top_left)
            if not window_rect.adjusted(-1, -1, 1, 1).contains(box):
                findings.append(Finding(_name(w), f"outside the window at {box.getRect()}"))
    return findings
