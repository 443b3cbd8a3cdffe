"""The attract loop: featured scents and promotions cross-fading, "touch to start".

Slides come from the catalog (products in catalog order, promotions by label); a touch
anywhere starts the journey. The slide timer runs only while the screen is shown. This is the
running kiosk's first frame, painted before its machine has started: a touch then starts
nothing and "Touch to discover your scent" becomes "One moment, please" until the journey is
attached (the view-model's ``touchedWhileStarting``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEasingCurve, QPropertyAnimation, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGraphicsOpacityEffect, QVBoxLayout, QWidget

from kiosk.journey import View
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import SvgImage, label

SLIDE_MS = 5000
FADE_MS = 700


class AttractScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("attract")
        self._slide = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 48, 64, 96)
        layout.setSpacing(24)
        self.stage = QWidget()
        stage = QVBoxLayout(self.stage)
        stage.setSpacing(16)
        self.image = SvgImage()
        self.kicker = label(role="muted", name="attractKicker")
        self.headline = label(role="title", name="attractHeadline")
        self.detail = label(role="muted", name="attractDetail")
        for w in (self.kicker, self.headline, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        stage.addWidget(self.image, 1)
        stage.addWidget(self.kicker)
        stage.addWidget(self.headline)
        stage.addWidget(self.detail)
        self.touch = label(role="heading", name="attractTouch")
        self.touch.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.stage, 1)
        layout.addWidget(self.touch)
        self._fade = QGraphicsOpacityEffect(self.stage)
        self.stage.setGraphicsEffect(self._fade)
        self._anim = QPropertyAnimation(self._fade, b"opacity", self)
        self._anim.setDuration(FADE_MS)
        self._anim.setEasingCurve(QEasingCurve.Type.InOutQuad)
        self._timer = QTimer(self)
        self._timer.setInterval(SLIDE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._asked_to_wait = False
        self.vm.touchedWhileStarting.connect(self._on_touched_while_starting)

    def slides(self) -> list[tuple[str, str, str, str]]:
        """(kicker, headline, detail, image) for each slide: promotions first, then scents."""
        catalog, code = self.ctx.catalog, self.ctx.languages.code
        images = [p.image for p in catalog.products]
        out = [
            (self.tr("Today"), p.label_for(code), "", images[i % len(images)])
            for i, p in enumerate(catalog.promotions)
            if not p.members_only
        ]
        out += [(p.house, p.name, p.text("description", code), p.image) for p in catalog.products]
        return out

    def render(self, view: View) -> None:
        slides = self.slides()
        kicker, headline, detail, image = slides[self._slide % len(slides)]
        self.kicker.setText(kicker)
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.image.set_path(image)
        self.touch.setText(self._touch_text())

    def _touch_text(self) -> str:
        if self._asked_to_wait and self.vm.starting:
            return one_moment()
        return self.tr("Touch to discover your scent")

    def _on_touched_while_starting(self) -> None:
        self._asked_to_wait = True
        self.touch.setText(self._touch_text())

    def entered(self, view: View) -> None:
        self._slide = 0
        self._fade.setOpacity(1.0)
        self._timer.start()

    def left(self) -> None:
        self._timer.stop()
        self._anim.stop()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.vm.touch()

    def _on_timer_timeout(self) -> None:
        self._slide += 1
        self.render(self.vm.view)
        self._anim.stop()
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.start()


def one_moment() -> str:
    """The unavailable screen's words (translated there): the machine is still starting. At
    module level, after the class: lupdate would give the class's own texts this context."""
    return QCoreApplication.translate("UnavailableScreen", "One moment, please")
