"""Browse: scent-family tiles ("All", each family, "Find my scent") over a scrolling grid of
perfumes (picture, name, house, "from" price, or sold out and not touchable).

Tiles and cards are built once per catalog; a filter or a stock change only re-places the
cards that are shown (available ones first). Portrait shows two columns of large cards,
landscape four; a banner says when card payments are unavailable offline.

Coming back from the attract loop with nothing changed costs little (docs/benchmarks.md §3):
cards are re-placed only when what is shown, the column count or the catalog changed, a
card's texts are set only when they changed, and labels are re-aligned only when the reading
direction changed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.catalog import Catalog, Product
from kiosk.journey import Notice, Screen, Unavailable, View
from kiosk.ui import messages
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.theme import ACCENT, TEXT
from kiosk.ui.widgets import SvgImage, card, label
from kiosk.ui.widgets_cards import FamilyTile, ProductCard, cheapest
from kiosk.ui.widgets_shop import (
    Glyph,
    fade_in,
    family_colour,
    follow_direction,
    place,
    reach_gap,
    scrolling,
)

FINDER = "finder"  # the key of the "Find my scent" tile (not a family id)
WIDE = 1400  # px of screen width from which the grid has four columns
MARGIN = 48
TOP = 36
PREBUILD_MS = 2000
WARM_MS = 600  # after the build: a second, separate moment of work on the attract loop


def family_icon(family_id: str) -> str:
    return f"assets/catalog/families/{family_id}.svg"


class BrowseScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("browse")
        self._catalog: Catalog | None = None
        self.cards: dict[str, ProductCard] = {}
        self.tiles: list[FamilyTile] = []
        self._shown: tuple[str, ...] = ()
        self._family: str | None = None
        self._view = View()
        self._shape: tuple[int, int] = (0, 0)
        self._card_states: dict[str, tuple[str, str, bool, str]] = {}  # as last set per card
        self._rtl: bool | None = None  # the direction labels were last aligned for
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, TOP, MARGIN, 0)
        outer.setSpacing(20)
        self.title = label(role="title", name="browseTitle")
        self.subtitle = label(role="muted", name="browseSubtitle")
        self.banner = card(role="banner")
        self.banner.setObjectName("browseBanner")
        banner = QVBoxLayout(self.banner)
        banner.setContentsMargins(28, 18, 28, 18)
        banner.setSpacing(4)
        self.banner_title = label(role="error", name="browseBannerTitle")
        self.banner_text = label(role="muted", name="browseBannerText")
        banner.addWidget(self.banner_title)
        banner.addWidget(self.banner_text)
        self.notice = label(role="error", name="browseNotice")
        self.tile_grid = QGridLayout()
        self.tile_grid.setSpacing(14)
        self.grid_host = QWidget()
        self.grid_host.setObjectName("browseGrid")
        host = QVBoxLayout(self.grid_host)
        host.setContentsMargins(0, 8, 0, 48)
        self.grid = QGridLayout()
        self.grid.setSpacing(28)
        self.empty = label(role="muted", name="browseEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        host.addLayout(self.grid)
        host.addWidget(self.empty)
        host.addStretch(1)
        self.scroll_area = scrolling(self.grid_host, "browseScroll")
        outer.addWidget(self.title)
        outer.addWidget(self.subtitle)
        outer.addWidget(self.banner)
        outer.addWidget(self.notice)
        outer.addLayout(self.tile_grid)
        outer.addSpacing(8)
        outer.addWidget(self.scroll_area, 1)
        # Build the cards soon after start-up (off the first paint), not on the first touch.
        QTimer.singleShot(PREBUILD_MS, self, self._prebuild)

    def _prebuild(self) -> None:
        if self._catalog is not self.ctx.catalog:
            self._build(self.ctx.catalog)
        QTimer.singleShot(WARM_MS, self, self._warm)

    def _warm(self) -> None:
        """Place the grid at the screen's size and paint it once, off screen, while the
        attract loop shows: the first shopper's touch then finds the cards placed, their
        pictures rendered and their texts laid out (30-40 ms of the loop's time, otherwise
        spent on that touch)."""
        stack = self.parentWidget()
        if self.isVisible() or stack is None or self._catalog is not self.ctx.catalog:
            return
        self.resize(stack.size())  # a hidden page of the stack keeps its first size
        self.render(View(screen=Screen.BROWSE))
        self.grab()

    # -- building (once per catalog) ------------------------------------------------------------
    def _build(self, catalog: Catalog) -> None:
        for w in [*self.tiles, *self.cards.values()]:
            w.hide()
            w.deleteLater()
        self.tiles = [FamilyTile(None, fill=TEXT, icon=Glyph("ring"), name="tile-all")]
        for family in catalog.families:
            icon = SvgImage(family_icon(family.id))
            self.tiles.append(
                FamilyTile(
                    family.id, fill=family_colour(family.id), icon=icon, name=f"tile-{family.id}"
                )
            )
        self.tiles.append(FamilyTile(FINDER, fill=ACCENT, icon=Glyph("sparkle"), name="finder"))
        for tile in self.tiles:
            tile.clicked.connect(lambda _checked=False, key=tile.key: self._on_tile_clicked(key))
        self.cards = {}
        for p in catalog.products:
            c = ProductCard(p, glow=family_colour(p.family_id))
            c.clicked.connect(lambda _checked=False, pid=p.id: self._on_card_clicked(pid))
            self.cards[p.id] = c
            c.setParent(self.grid_host)  # styled at once; shown when placed
            c.hide()
        place(self.tile_grid, self.tiles, 4)  # parented, so styled before they are measured
        self._catalog = catalog
        self._shown = ()
        self._shape = (0, 0)
        self._card_states = {}
        self._rtl = None

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        catalog = self.ctx.catalog
        if catalog is not self._catalog:
            self._build(catalog)
        self._view = view
        self.title.setText(self.tr("Discover our scents"))
        self.subtitle.setText(
            self.tr("Choose a scent family, or let us find your scent in three questions.")
        )
        self.banner.setVisible(view.cards_offline)
        self.banner_title.setText(messages.unavailable_title(Unavailable.CARDS_OFFLINE))
        self.banner_text.setText(messages.unavailable_text(Unavailable.CARDS_OFFLINE))
        self.notice.setVisible(view.notice is not Notice.NONE)
        self.notice.setText(messages.notice_text(view.notice))
        names = {f.id: f.name_in(self.ctx.languages.code) for f in catalog.families}
        for tile in self.tiles:
            if tile.key is None:
                tile.set_text(self.tr("All scents"))
            elif tile.key == FINDER:
                tile.set_text(self.tr("Find my scent"))
            else:
                tile.set_text(names.get(tile.key, tile.key))
            tile.set_selected(tile.key == view.family_id and tile.key != FINDER)
        for p in catalog.products:
            self._render_card(p, view)
        family_changed = view.family_id != self._family
        self._family = view.family_id
        self.rearrange()
        rtl = self.ctx.languages.rtl
        if rtl != self._rtl:  # every label under this screen, ~120: only when it changed
            follow_direction(self, rtl)
            self._rtl = rtl
        if family_changed:
            self.scroll_area.verticalScrollBar().setValue(0)
            fade_in(self.grid_host)

    def _render_card(self, product: Product, view: View) -> None:
        offer, several = cheapest(product, view)
        state = (
            self.tr("from") if several else "",
            self.ctx.languages.money(offer.list_price),
            view.product_sold_out(product),
            self.tr("Sold out"),
        )
        if self._card_states.get(product.id) == state:
            return
        self._card_states[product.id] = state
        from_text, price, sold_out, sold_out_text = state
        self.cards[product.id].set_state(
            from_text=from_text, price=price, sold_out=sold_out, sold_out_text=sold_out_text
        )

    def visible_ids(self, view: View) -> tuple[str, ...]:
        """The perfumes shown for the view's family filter: available ones first."""
        products = [
            p
            for p in self.ctx.catalog.products
            if view.family_id is None or p.family_id == view.family_id
        ]
        available = [p.id for p in products if not view.product_sold_out(p)]
        return tuple(available + [p.id for p in products if view.product_sold_out(p)])

    def rearrange(self) -> None:
        """Columns and sizes for the current width, height and text size, on every resize and
        render; re-place the cards only when what is shown or the column count changed."""
        if self._catalog is None:
            return
        gap = reach_gap(self, self.ctx.settings.reach)
        self.layout().setContentsMargins(MARGIN, TOP + gap, MARGIN, 0)  # type: ignore[union-attr]
        wide = self.width() >= WIDE
        short = self.height() - gap < 1200
        columns = 4 if wide else 2
        tile_columns = self._tile_columns(8 if wide else 4)
        shape = (columns, tile_columns)
        self.subtitle.setVisible(self.height() - gap >= 1000)
        for tile in self.tiles:
            tile.set_icon_side(44 if short else 60)
        picture = 220 if short and not wide else (240 if wide else 340)
        for c in self.cards.values():
            c.set_picture_height(picture)
        shown = self.visible_ids(self._view)
        if shape != self._shape:
            place(self.tile_grid, self.tiles, tile_columns)
        self._even_tiles(tile_columns, 100 if short else 130)
        if shape != self._shape or shown != self._shown:
            place(self.grid, [self.cards[i] for i in shown], columns)
        self._shape, self._shown = shape, shown
        self.empty.setVisible(not shown)
        self.empty.setText(self.tr("Nothing in this family right now. Try another one."))

    def _tile_room(self, columns: int) -> int:
        room = self.width() - 2 * MARGIN
        return (room - self.tile_grid.horizontalSpacing() * (columns - 1)) // columns

    def _tile_columns(self, most: int) -> int:
        """As many tile columns (up to ``most``) as leave each name room for its longest word
        (large text or a long translation takes fewer columns, more rows)."""
        need = max((t.minimumSizeHint().width() for t in self.tiles), default=0)
        columns = most
        while columns > 2 and self._tile_room(columns) < need:
            columns -= 1
        return columns

    def _even_tiles(self, columns: int, least: int) -> None:
        """Every tile as tall as the tallest (a wrapped name makes a tile taller)."""
        width = self._tile_room(columns)
        tallest = max((t.heightForWidth(width) for t in self.tiles), default=least)
        for t in self.tiles:
            t.setMinimumHeight(max(least, tallest))

    def entered(self, view: View) -> None:
        self.scroll_area.verticalScrollBar().setValue(0)
        fade_in(self.grid_host)

    # -- slots ----------------------------------------------------------------------------------
    def _on_tile_clicked(self, key: str | None) -> None:
        if key == FINDER:
            self.vm.open_finder()
        else:
            self.vm.browse(key)

    def _on_card_clicked(self, product_id: str) -> None:
        self.vm.show_product(product_id)
