"""The touchable cards of the shopping screens, built once and updated in place:

- :class:`FamilyTile`: a scent-family filter tile (icon over name), also the "All" and
  "Find my scent" tiles;
- :class:`ProductCard`: a perfume in the browse grid or a finder result (picture, name, house,
  "from" price, or a "sold out" pill and no touch);
- :class:`OfferButton`: a spray or bottle choice on the product screen (size, price, the list
  price struck through and the promotion when one applies, or "sold out").

Texts are given by the screens (already translated); the cards only lay them out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.catalog import Offer, Product
from kiosk.journey import View
from kiosk.ui.theme import LINE, SURFACE
from kiosk.ui.widgets import label
from kiosk.ui.widgets_shop import Picture, Pressable


def cheapest(product: Product, view: View) -> tuple[Offer, bool]:
    """The offer a card's "from" price shows: the cheapest one that can still be bought (the
    cheapest of all when none can), and whether several can be bought (a "from" price)."""
    available = [o for o in product.offers if not view.offer_sold_out(o.sku)]
    offers = available or list(product.offers)
    return min(offers, key=lambda o: o.list_price.amount_minor), len(available) > 1


def hugging(widget: QWidget) -> QHBoxLayout:
    """A row holding ``widget`` at its preferred width at the reading start (a pill that hugs
    its text and still wraps it when the row is narrower)."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    row.addStretch(1)
    return row


class FamilyTile(Pressable):
    """An icon above a name on a coloured tile; ``key`` is the family id (or ``None`` for
    every family, ``"finder"`` for the scent finder)."""

    def __init__(self, key: str | None, *, fill: str, icon: QWidget, name: str) -> None:
        super().__init__(fill=fill, radius=28, name=name, inset=6)
        self.key = key
        self.glyph = icon
        self.caption = label(role="onTile", name=f"{name}Text")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 18, 18, 18)
        lay.setSpacing(8)
        lay.addStretch(1)
        lay.addWidget(icon, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.caption)
        lay.addStretch(1)
        self.adopt(icon, self.caption)

    def set_text(self, text: str) -> None:
        self.caption.setText(text)
        self.setAccessibleName(text)

    def set_icon_side(self, side: int) -> None:
        self.glyph.setFixedSize(side, side)


class ProductCard(Pressable):
    """A perfume in a grid or a finder result: tap to see it. Sold out: dimmed picture, a pill,
    no touch. Vertical (picture on top) by default; :meth:`set_horizontal` puts the picture
    beside the text (large result cards). ``detail`` and ``badge`` are hidden until set."""

    def __init__(self, product: Product, *, glow: str, name: str = "") -> None:
        super().__init__(fill=SURFACE, name=name or f"card-{product.id}")
        self.product_id = product.id
        self.sold_out = False
        self.picture = Picture(product.image, glow=glow)
        self.picture.setObjectName("cardPicture")
        self.badge = label(role="badge", name="cardBadge")
        self.name = label(product.name, role="heading", name="cardName")
        self.house = label(product.house, role="muted", name="cardHouse")
        self.detail = label(role="small", name="cardDetail")
        self.from_ = label(role="small", name="cardFrom")
        self.price = label(role="price", name="cardPrice", wrap=False)
        self.pill = label(role="soldOut", name="cardSoldOut")
        self.box = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self.box.setContentsMargins(28, 24, 28, 28)
        self.box.setSpacing(24)
        self.box.addWidget(self.picture)
        text = QVBoxLayout()
        text.setSpacing(4)
        text.addLayout(hugging(self.badge))
        text.addWidget(self.name)
        text.addWidget(self.house)
        text.addWidget(self.detail)
        text.addStretch(1)
        text.addSpacing(12)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.from_, 0, Qt.AlignmentFlag.AlignBaseline)
        row.addWidget(self.price, 0, Qt.AlignmentFlag.AlignBaseline)
        row.addStretch(1)
        text.addLayout(row)
        text.addLayout(hugging(self.pill))
        self.box.addLayout(text, 1)
        for w in (self.badge, self.detail, self.pill):
            w.hide()
        self.adopt(
            self.picture, self.badge, self.name, self.house, self.detail, self.from_, self.price,
            self.pill,
        )  # fmt: skip

    def set_picture_height(self, height: int) -> None:
        self.picture.setFixedHeight(height)

    def set_horizontal(self, horizontal: bool, *, side: int) -> None:
        """Picture beside the text (``side`` px square) or on top (``side`` px high)."""
        if horizontal:
            self.box.setDirection(QBoxLayout.Direction.LeftToRight)
            self.picture.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            self.picture.setFixedSize(side, side)
        else:
            self.box.setDirection(QBoxLayout.Direction.TopToBottom)
            self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
            self.picture.setMinimumWidth(0)
            self.picture.setMaximumWidth(16777215)
            self.picture.setFixedHeight(side)

    def set_extra(self, *, badge: str = "", detail: str = "") -> None:
        self.badge.setText(badge)
        self.badge.setVisible(bool(badge))
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def set_state(self, *, from_text: str, price: str, sold_out: bool, sold_out_text: str) -> None:
        self.sold_out = sold_out
        self.from_.setText(from_text)
        self.price.setText(price)
        self.pill.setText(sold_out_text)
        self.from_.setVisible(not sold_out and bool(from_text))
        self.price.setVisible(not sold_out)
        self.pill.setVisible(sold_out)
        self.picture.set_dimmed(sold_out)
        self.setEnabled(not sold_out)
        status = sold_out_text if sold_out else f"{from_text} {price}".strip()
        self.setAccessibleName(f"{self.name.text()}, {self.house.text()}, {status}")


class OfferButton(Pressable):
    """One way to buy a perfume: a spray or a bottle size, with its price today."""

    def __init__(self, sku: str) -> None:
        super().__init__(fill=SURFACE, border=LINE, name=f"offer-{sku}")
        self.sku = sku
        self.compact = False
        self.title = label(role="heading", name="offerTitle")
        self.detail = label(role="muted", name="offerDetail")
        self.price = label(role="price", name="offerPrice", wrap=False)
        self.was = label(role="strike", name="offerWas", wrap=False)
        self.badge = label(role="badge", name="offerBadge")
        self.sold = label(role="error", name="offerSoldOut")
        self.box = lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 22, 28, 24)
        lay.setSpacing(4)
        lay.addWidget(self.title)
        lay.addWidget(self.detail)
        lay.addStretch(1)
        lay.addSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.price, 0, Qt.AlignmentFlag.AlignBaseline)
        row.addWidget(self.was, 0, Qt.AlignmentFlag.AlignBaseline)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.sold)
        lay.addSpacing(4)
        lay.addLayout(hugging(self.badge))
        self.adopt(self.title, self.detail, self.price, self.was, self.badge, self.sold)

    def set_compact(self, compact: bool) -> None:
        """Compact (landscape or a short screen): no detail line, tighter padding."""
        self.detail.setVisible(not compact and bool(self.detail.text()))
        self.compact = compact
        margins = (24, 14, 24, 16) if compact else (28, 22, 28, 24)
        self.box.setContentsMargins(*margins)

    def set_offer(
        self,
        *,
        title: str,
        detail: str,
        price: str,
        was: str,
        promotion: str,
        sold_out_text: str,
    ) -> None:
        """``was`` is the list price when a discount applies (else empty); ``sold_out_text``
        is empty while the offer can be bought."""
        sold_out = bool(sold_out_text)
        self.title.setText(title)
        self.detail.setText(detail)
        self.price.setText(price)
        self.was.setText(was)
        self.badge.setText(promotion)
        self.sold.setText(sold_out_text)
        self.detail.setVisible(not self.compact and bool(detail))
        self.price.setVisible(not sold_out)
        self.was.setVisible(bool(was) and not sold_out)
        self.badge.setVisible(bool(promotion) and not sold_out)
        self.sold.setVisible(sold_out)
        self.setEnabled(not sold_out)
        parts = [title, detail, sold_out_text or price, promotion]
        self.setAccessibleName(", ".join(p for p in parts if p))
