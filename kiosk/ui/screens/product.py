"""Product detail: a large bottle picture, name, house, family, intensity, description, the top,
heart and base notes, and one large button per offer (spray, each bottle size) with today's
price: the list price struck through and the promotion's label when a discount applies, or
"sold out" and no touch.

Prices come from :func:`kiosk.pricing.quote` for one unit of each offer, at the instant the
journey priced this product (``view.quote.priced_at``, so the screen agrees with the checkout
and with the journey's clock), else now. Portrait: picture on top, details below;
landscape (or a short screen): side by side.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalog import BottleOffer, Offer, Product, SprayOffer
from kiosk.journey import Notice, Unavailable, View
from kiosk.pricing import Cart, QuoteLine, quote
from kiosk.promotions import LOYALTY_REDEMPTION_ID
from kiosk.ui import messages
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import button, card, label
from kiosk.ui.widgets_cards import OfferButton
from kiosk.ui.widgets_shop import (
    Picture,
    SegmentMeter,
    fade_in,
    family_colour,
    follow_direction,
    place,
    reach_gap,
    scrolling,
)

TALL = 1.2  # height / width from which the picture goes on top of the details
MARGIN = 48
TOP = 20


def notes_text(notes: tuple[str, ...], languages: Languages) -> str:
    return languages.join(n[:1].upper() + n[1:] for n in notes)


class ProductScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("product")
        self._product: Product | None = None
        self.offers: dict[str, OfferButton] = {}
        self._columns = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, TOP, MARGIN, 32)
        outer.setSpacing(8)
        self.back_button = button(role="ghost", name="productBack")
        self.back_button.clicked.connect(self._on_back_button_clicked)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addStretch(1)
        outer.addLayout(top)
        self.hero = Picture()
        self.hero.setObjectName("productImage")
        self.details = QWidget()
        self.details.setObjectName("productDetails")
        self.scroll_area = scrolling(self.details, "productScroll")
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(32)
        self.body.addWidget(self.hero)
        self.body.addWidget(self.scroll_area, 1)
        outer.addLayout(self.body, 1)
        self._build_details()

    def _build_details(self) -> None:
        d = QVBoxLayout(self.details)
        d.setContentsMargins(0, 0, 0, 24)
        d.setSpacing(10)
        self.house = label(role="muted", name="productHouse")
        self.name = label(role="title", name="productName")
        meta = QHBoxLayout()
        meta.setSpacing(20)
        self.family = label(role="badge", name="productFamily", wrap=False)
        self.intensity_label = label(role="small", name="productIntensityLabel", wrap=False)
        self.meter = SegmentMeter(5, name="intensityMeter")
        self.intensity_word = label(role="muted", name="productIntensityWord")
        meta.addWidget(self.family)
        meta.addSpacing(12)
        meta.addWidget(self.intensity_label)
        meta.addWidget(self.meter)
        meta.addWidget(self.intensity_word, 1)
        self.description = label(role="muted", name="productDescription")
        notes = QGridLayout()
        notes.setHorizontalSpacing(28)
        notes.setVerticalSpacing(2)
        self.note_titles = [label(role="small", name=f"notesTitle{i}") for i in range(3)]
        self.note_values = [label(name=f"notesValue{i}") for i in range(3)]
        for i in range(3):
            notes.addWidget(self.note_titles[i], 0, i, Qt.AlignmentFlag.AlignTop)
            notes.addWidget(self.note_values[i], 1, i, Qt.AlignmentFlag.AlignTop)
            notes.setColumnStretch(i, 1)
        self.banner = card(role="banner")
        self.banner.setObjectName("productBanner")
        banner = QVBoxLayout(self.banner)
        banner.setContentsMargins(24, 16, 24, 16)
        self.notice = label(role="error", name="productNotice")
        self.offline = label(role="muted", name="productOffline")
        banner.addWidget(self.notice)
        banner.addWidget(self.offline)
        self.choose = label(role="heading", name="productChoose")
        self.offer_grid = QGridLayout()
        self.offer_grid.setSpacing(20)
        d.addWidget(self.house)
        d.addWidget(self.name)
        d.addSpacing(6)
        d.addLayout(meta)
        d.addSpacing(10)
        d.addWidget(self.description)
        d.addSpacing(14)
        d.addLayout(notes)
        d.addSpacing(24)
        d.addWidget(self.banner)
        d.addWidget(self.choose)
        d.addSpacing(4)
        d.addLayout(self.offer_grid)
        d.addStretch(1)

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        self.back_button.setText("‹  " + self.tr("Back"))
        product = view.product
        if product is None:
            return
        if self._product is None or product.id != self._product.id:
            self._show_product(product)
        self.house.setText(product.house)
        self.name.setText(product.name)
        code = self.ctx.languages.code
        self.family.setText(self.ctx.catalog.family_name(product.family_id, code))
        self._render_intensity(product.intensity)
        description = product.text("description", code)
        self.description.setText(description)
        self.description.setVisible(bool(description))
        titles = (self.tr("Top notes"), self.tr("Heart notes"), self.tr("Base notes"))
        notes = self.ctx.catalog.notes_in(product, code)
        values = (notes.top, notes.heart, notes.base)
        for title, value, t_label, v_label in zip(
            titles, values, self.note_titles, self.note_values, strict=True
        ):
            t_label.setText(title)
            v_label.setText(notes_text(value, self.ctx.languages))
        self.notice.setText(messages.notice_text(view.notice))
        self.notice.setVisible(view.notice is not Notice.NONE)
        self.offline.setText(messages.unavailable_text(Unavailable.CARDS_OFFLINE))
        self.offline.setVisible(view.cards_offline)
        self.banner.setVisible(view.notice is not Notice.NONE or view.cards_offline)
        self.choose.setText(self.tr("Try a spray or take a bottle home"))
        self._render_offers(product, view)
        self.rearrange()
        follow_direction(self, self.ctx.languages.rtl)

    def _show_product(self, product: Product) -> None:
        self._product = product
        self.hero.set_path(product.image)
        self.hero.set_glow(family_colour(product.family_id))
        self.family.setStyleSheet(f"background: {family_colour(product.family_id)};")
        for b in self.offers.values():
            b.hide()
            b.deleteLater()
        self.offers = {}
        for offer in product.offers:
            b = OfferButton(offer.sku)
            b.clicked.connect(lambda _checked=False, sku=offer.sku: self._on_offer_clicked(sku))
            self.offers[offer.sku] = b
        place(self.offer_grid, list(self.offers.values()), 2)  # parented: styled when measured
        self._columns = 0
        self.scroll_area.verticalScrollBar().setValue(0)
        fade_in(self.details)

    def _render_intensity(self, level: int) -> None:
        words = (
            self.tr("Skin scent"),
            self.tr("Light"),
            self.tr("Moderate"),
            self.tr("Strong"),
            self.tr("Intense"),
        )
        word = words[max(1, min(5, level)) - 1]
        self.intensity_label.setText(self.tr("Intensity"))
        self.intensity_word.setText(word)
        spoken = self.tr("Intensity %1 of 5").replace("%1", self.ctx.languages.number(level))
        self.meter.set_level(level, f"{spoken}: {word}")

    def prices(self, product: Product, view: View) -> dict[str, QuoteLine]:
        """Today's price line of one unit of each offer, for the view's member."""
        now = view.quote.priced_at if view.quote is not None else datetime.now(UTC)
        return {
            o.sku: quote(
                Cart.of([(o.sku, 1)]), self.ctx.catalog, now=now, member=view.member
            ).lines[0]
            for o in product.offers
        }

    def _render_offers(self, product: Product, view: View) -> None:
        money = self.ctx.languages.money
        labels = {p.id: p.label_for(self.ctx.languages.code) for p in self.ctx.catalog.promotions}
        for sku, line in self.prices(product, view).items():
            offer = self.ctx.catalog.offer(sku)
            title, detail = self._offer_words(offer)
            promos = [d for d in line.discounts if d.promotion_id != LOYALTY_REDEMPTION_ID]
            self.offers[sku].set_offer(
                title=title,
                detail=detail,
                price=money(line.list_total - line.discount_total),
                was=money(line.list_total) if promos else "",
                promotion=" · ".join(labels.get(d.promotion_id, d.label) for d in promos),
                sold_out_text=self.tr("Sold out") if view.offer_sold_out(sku) else "",
            )

    def _offer_words(self, offer: Offer) -> tuple[str, str]:
        if isinstance(offer, SprayOffer):
            return self.tr("Spray"), self.tr("%n spray(s) to try on your skin", "", offer.doses)
        assert isinstance(offer, BottleOffer)
        size = self.ctx.languages.number(offer.size_ml)
        return self.tr("%1 ml bottle").replace("%1", size), self.tr("Yours to take home")

    def rearrange(self) -> None:
        """The picture on top of the details or beside them, and the offer columns, for the
        current width and height, on every resize and render."""
        gap = reach_gap(self, self.ctx.settings.reach)
        self.layout().setContentsMargins(MARGIN, TOP + gap, MARGIN, 32)  # type: ignore[union-attr]
        tall = self.height() - gap >= self.width() * TALL
        for b in self.offers.values():
            b.set_compact(not tall)
        room = self.width() - 2 * MARGIN
        if tall:
            self.body.setDirection(QBoxLayout.Direction.TopToBottom)
            self.hero.setFixedHeight(max(300, min(560, int((self.height() - gap) * 0.3))))
            self.hero.setMinimumWidth(0)
            self.body.setStretch(0, 0)
            self.body.setStretch(1, 1)
        else:
            self.body.setDirection(QBoxLayout.Direction.LeftToRight)
            self.hero.setMinimumHeight(0)
            self.hero.setMaximumHeight(16777215)
            self.hero.setMinimumWidth(int(room * 0.22))
            self.body.setStretch(0, 3)
            self.body.setStretch(1, 9)
            room = (room - self.body.spacing()) * 9 // 12
        self._place_offers(room, 2 if tall else 4)

    def _place_offers(self, room: int, most: int) -> None:
        """As many offer columns (up to ``most``) as leave every offer the width it needs."""
        buttons = list(self.offers.values())
        need = max((b.minimumSizeHint().width() for b in buttons), default=0)
        gap = self.offer_grid.horizontalSpacing()
        columns = max(1, min(most, len(buttons)))
        while columns > 1 and (room - gap * (columns - 1)) // columns < need:
            columns -= 1
        if columns != self._columns or self.offer_grid.count() != len(buttons):
            place(self.offer_grid, buttons, columns)
            self._columns = columns

    def entered(self, view: View) -> None:
        self.scroll_area.verticalScrollBar().setValue(0)
        fade_in(self.details)

    # -- slots ----------------------------------------------------------------------------------
    def _on_back_button_clicked(self) -> None:
        self.vm.back()

    def _on_offer_clicked(self, sku: str) -> None:
        self.vm.choose_offer(sku)
