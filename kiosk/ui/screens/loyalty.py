"""The loyalty step: "Scan your loyalty code", with an illustration of a phone's QR code held
to the scanner and, when the machine has a camera scanner, its live preview.

Scans reach the journey from the scanner through the app (``vm.scan``); this screen shows
what came of them: the member's name and tier and the points this purchase earns, or why the
code was refused (``view.notice``). "Skip" (or "Continue" once a member is known) goes on to
checkout; "Back" returns to the perfume. The camera is optional: :meth:`set_camera`.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.journey import Notice, View
from kiosk.ui.messages import notice_text, tier_name
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import button, label
from kiosk.ui.widgets_art import Mark, MarkArt
from kiosk.ui.widgets_camera import CameraPreview, FrameSource
from kiosk.ui.widgets_flow import (
    Cell,
    Fader,
    NoticeBanner,
    fill,
    offer_text,
    panel,
    place,
    settle,
)
from kiosk.ui.widgets_scenes import PhoneScanArt


class LoyaltyScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("loyalty")
        self._shown_member: str | None = None
        self._shown_notice = Notice.NONE
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(64, 40, 64, 56)
        self.grid.setHorizontalSpacing(56)
        self.grid.setVerticalSpacing(32)

        self.intro = QWidget()
        intro = QVBoxLayout(self.intro)
        intro.setContentsMargins(0, 0, 0, 0)
        intro.setSpacing(12)
        self.title = label(role="title", name="loyaltyTitle")
        self.subtitle = label(role="muted", name="loyaltySubtitle")
        intro.addWidget(self.title)
        intro.addWidget(self.subtitle)

        self.stage = QWidget()
        stage = QVBoxLayout(self.stage)  # the camera's view on top, the illustration below
        stage.setContentsMargins(0, 0, 0, 0)
        stage.setSpacing(32)
        self.art = PhoneScanArt(hint=QSize(440, 460))
        self.art.setObjectName("loyaltyArt")
        self.preview = CameraPreview()
        self.preview.hide()
        stage.addWidget(self.preview, 3)
        stage.addWidget(self.art, 2)

        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.setSpacing(24)
        self.order, order = panel()
        self.order.setObjectName("loyaltyOrder")
        order_row = QHBoxLayout()
        order_row.setSpacing(24)
        names = QVBoxLayout()
        names.setSpacing(4)
        self.product_name = label(role="heading", name="loyaltyProduct")
        self.offer_name = label(role="muted", name="loyaltyOffer")
        names.addWidget(self.product_name)
        names.addWidget(self.offer_name)
        self.price = label(role="price", wrap=False, name="loyaltyPrice")
        self.price.setAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
        order_row.addLayout(names, 1)
        order_row.addWidget(self.price, 0)
        order.addLayout(order_row)
        self.perk = label(role="small", name="loyaltyPerk")
        order.addWidget(self.perk)

        self.result, result = panel()
        self.result.setObjectName("loyaltyResult")
        result.setDirection(QBoxLayout.Direction.LeftToRight)
        result.setSpacing(28)
        self.result_mark = MarkArt(Mark.OK, hint=QSize(96, 96), minimum=96)
        self.result_mark.setFixedSize(96, 96)
        lines = QVBoxLayout()
        lines.setSpacing(6)
        self.member_name = label(role="heading", name="loyaltyMember")
        self.member_tier = label(role="muted", name="loyaltyTier")
        self.member_points = label(role="ok", name="loyaltyPoints")
        for w in (self.member_name, self.member_tier, self.member_points):
            lines.addWidget(w)
        result.addWidget(self.result_mark, 0, Qt.AlignmentFlag.AlignTop)
        result.addLayout(lines, 1)
        self.notice = NoticeBanner(name="loyaltyNotice")
        self._result_fader = Fader(self.result)
        self._notice_fader = Fader(self.notice)
        details.addWidget(self.order)
        details.addWidget(self.result)
        details.addWidget(self.notice)

        self.action_bar = QWidget()
        actions = QHBoxLayout(self.action_bar)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(24)
        self.back_button = button(name="loyaltyBack")
        self.skip_button = button(role="primary", name="loyaltySkip")
        actions.addWidget(self.back_button, 1)
        actions.addWidget(self.skip_button, 2)
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.skip_button.clicked.connect(self._on_skip_button_clicked)
        self.rearrange()

    # -- camera ---------------------------------------------------------------------------------
    def set_camera(self, camera: FrameSource | None) -> None:
        """Show ``camera``'s frames beside the illustration (None: the illustration alone)."""
        self.preview.set_source(camera)
        self.preview.setVisible(camera is not None)
        if camera is not None and self.isVisible():
            self.preview.start()

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        self.title.setText(self.tr("Scan your loyalty code"))
        self.subtitle.setText(
            self.tr("Open your loyalty app and hold your member QR code up to the scanner.")
        )
        self.preview.setAccessibleName(self.tr("Camera preview"))
        self.art.setAccessibleName(self.tr("A phone showing a QR code held to the scanner"))
        self._render_order(view)
        self._render_member(view)
        text = notice_text(view.notice)
        if view.notice is not self._shown_notice and text:
            self._notice_fader.start()
        self._shown_notice = view.notice
        self.notice.set_text(text)
        self.back_button.setText(self.tr("Back"))
        self.skip_button.setText(self.tr("Continue") if view.member else self.tr("Skip"))
        settle(self, rtl=self.ctx.languages.rtl)

    def _render_order(self, view: View) -> None:
        self.order.setVisible(view.product is not None and view.offer is not None)
        if view.product is not None and view.offer is not None:
            self.product_name.setText(view.product.name)
            self.offer_name.setText(offer_text(view.offer))
        self.price.setText(self.ctx.languages.money(view.quote.total) if view.quote else "")
        self.perk.setText(self.tr("Members collect points on every purchase."))

    def _render_member(self, view: View) -> None:
        member = view.member
        self.result.setVisible(member is not None)
        if member is None:
            self._shown_member = None
            return
        if member.member_id != self._shown_member:
            self._shown_member = member.member_id
            self._result_fader.start()
            self.result_mark.draw_in()
        self.member_name.setText(fill(self.tr("Welcome, %1"), member.display_name))
        tier = tier_name(member.tier)
        self.member_tier.setText(fill(self.tr("%1 member"), tier))
        n = view.points_earned
        if n == 1:
            points = self.tr("This purchase earns you 1 point.")
        elif n > 1:
            points = self.tr("This purchase earns you %n points.", "", n)
        else:
            points = self.tr("Your points are added when you buy.")
        self.member_points.setText(points)

    # -- layout ---------------------------------------------------------------------------------
    def arrange(self, landscape: bool) -> None:
        if landscape:
            cells: list[Cell] = [
                (self.stage, 0, 0, 4, 1),
                (self.intro, 0, 1, 1, 1),
                (self.details, 1, 1, 1, 1),
                (self.action_bar, 3, 1, 1, 1),
            ]
            self.grid.setVerticalSpacing(20)  # 1080 px high: every line counts in large text
            place(self.grid, cells, rows=(0, 0, 1, 0), cols=(4, 7))
        else:
            cells = [
                (self.intro, 0, 0, 1, 1),
                (self.stage, 1, 0, 1, 1),
                (self.details, 2, 0, 1, 1),
                (self.action_bar, 3, 0, 1, 1),
            ]
            self.grid.setVerticalSpacing(32)
            place(self.grid, cells, rows=(0, 1, 0, 0), cols=(1, 0))

    # -- lifecycle and slots -------------------------------------------------------------------
    def entered(self, view: View) -> None:
        self.preview.start()
        self.art.restart()

    def left(self) -> None:
        self.preview.stop()

    def _on_back_button_clicked(self) -> None:
        self.vm.back()

    def _on_skip_button_clicked(self) -> None:
        self.vm.skip_loyalty()
