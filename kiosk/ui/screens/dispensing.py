"""Dispensing: money is taken and product is moving, so nothing here can be tapped.

Spray: "Hold your wrist under the nozzle", a wrist under a misting nozzle and a ring counting
down ``view.dispense_seconds``. Bottle: "Your bottle is on its way", the bottle gliding down to
the tray as a bar fills over the same time. If the dispenser takes longer than that, the
screen says "Almost done…" until the journey moves on with the real outcome.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QVariantAnimation
from PySide6.QtWidgets import QGridLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.catalog import OfferKind
from kiosk.journey import View
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import label
from kiosk.ui.widgets_flow import Cell, CountdownRing, fill, offer_text, place, settle
from kiosk.ui.widgets_scenes import BottleArt, SprayArt


class DispensingScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("dispensing")
        self._run: tuple[object, ...] | None = None  # the dispense the animations belong to
        self._spray = True
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(64, 40, 64, 64)
        self.grid.setHorizontalSpacing(56)
        self.grid.setVerticalSpacing(28)

        self.intro = QWidget()
        intro = QVBoxLayout(self.intro)
        intro.setContentsMargins(0, 0, 0, 0)
        intro.setSpacing(14)
        self.title = label(role="title", name="dispensingTitle")
        self.detail = label(role="muted", name="dispensingDetail")
        for w in (self.title, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            intro.addWidget(w)

        self.arts = QStackedWidget()
        self.arts.setObjectName("dispensingArt")
        self.spray_art = SprayArt(hint=QSize(560, 520))
        self.bottle_art = BottleArt(hint=QSize(440, 520))
        self.arts.addWidget(self.spray_art)
        self.arts.addWidget(self.bottle_art)

        self.meter = QWidget()
        meter = QVBoxLayout(self.meter)
        meter.setContentsMargins(0, 0, 0, 0)
        meter.setSpacing(12)
        self.ring = CountdownRing()
        self.ring.setObjectName("dispensingRing")
        self.ring.setMinimumSize(220, 220)
        self.status = label(role="heading", name="dispensingStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        meter.addWidget(self.ring, 1)
        meter.addWidget(self.status)
        self.ring.didFinish.connect(self._on_ring_did_finish)

        self.progress = QVariantAnimation(self)
        self.progress.setStartValue(0.0)
        self.progress.setEndValue(1.0)
        self.progress.valueChanged.connect(self._on_progress_value_changed)
        self.progress.finished.connect(self._on_ring_did_finish)
        self.rearrange()

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        self._spray = view.offer is None or view.offer.kind is OfferKind.SPRAY
        product = view.product.name if view.product is not None else ""
        what = f"{product} · {offer_text(view.offer)}" if product and view.offer else product
        if self._spray:
            self.arts.setCurrentWidget(self.spray_art)
            self.title.setText(self.tr("Hold your wrist under the nozzle"))
            self.detail.setText(
                fill(self.tr("Keep still for a moment: %1"), what)
                if what
                else self.tr("Keep still for a moment.")
            )
        else:
            self.arts.setCurrentWidget(self.bottle_art)
            self.title.setText(self.tr("Your bottle is on its way"))
            self.detail.setText(self.tr("Collect it from the tray below when it arrives."))
        self.arts.setAccessibleName(self.title.text())
        self.ring.setVisible(self._spray)
        self.ring.setAccessibleName(self.tr("Seconds left"))
        run = (view.txn_id, view.offer.sku if view.offer else "", view.dispense_seconds)
        if run != self._run and self.isVisible():
            self._start(view, run)
        self._render_status()
        settle(self, rtl=self.ctx.languages.rtl)

    def _render_status(self) -> None:
        finished = (
            self.ring.anim.state() is not QVariantAnimation.State.Running
            and self.progress.state() is not QVariantAnimation.State.Running
            and self._run is not None
        )
        if finished:
            self.status.setText(self.tr("Almost done…"))
        elif self._spray:
            self.status.setText(self.tr("Spraying…"))
        else:
            self.status.setText(self.tr("On its way…"))

    def _start(self, view: View, run: tuple[object, ...]) -> None:
        self._run = run
        seconds = max(0.0, view.dispense_seconds)
        self.ring.stop()
        self.progress.stop()
        self.bottle_art.set_progress(0.0)
        if self._spray:
            self.ring.start(seconds)
            self.spray_art.restart()
        elif seconds > 0:
            self.progress.setDuration(int(seconds * 1000))
            self.progress.start()
        else:
            self.bottle_art.set_progress(1.0)

    # -- layout ---------------------------------------------------------------------------------
    def arrange(self, landscape: bool) -> None:
        if landscape:
            cells: list[Cell] = [
                (self.arts, 0, 0, 4, 1),
                (self.intro, 1, 1, 1, 1),
                (self.meter, 2, 1, 1, 1),
            ]
            place(self.grid, cells, rows=(1, 0, 2, 1), cols=(1, 1))
        else:
            cells = [
                (self.intro, 0, 0, 1, 1),
                (self.arts, 1, 0, 1, 1),
                (self.meter, 2, 0, 1, 1),
            ]
            place(self.grid, cells, rows=(0, 3, 2), cols=(1, 0))

    # -- lifecycle and slots -------------------------------------------------------------------
    def entered(self, view: View) -> None:
        self._run = None
        self.render(view)

    def left(self) -> None:
        self.ring.stop()
        self.progress.stop()
        self._run = None

    def _on_progress_value_changed(self, value: float) -> None:
        self.bottle_art.set_progress(float(value))

    def _on_ring_did_finish(self) -> None:
        self._render_status()
