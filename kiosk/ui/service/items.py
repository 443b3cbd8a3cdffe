"""The list of spray channels or bottle slots, with levels and warnings, that the stock and
the tests sections share: a channels/slots switch, a warnings summary, and one tappable row
per channel or slot (two columns in landscape). ``picked(target, position)`` on a tap."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.catalog import Catalog, UnknownItemError
from kiosk.service import ChannelStock, SlotStock, StockOverview, StockWarning
from kiosk.ui.service.common import ItemRow, ml
from kiosk.ui.service.keypad import Choice
from kiosk.ui.service.texts import warning_text
from kiosk.ui.widgets import label
from kiosk.ui.widgets_flow import fill
from kiosk.ui.widgets_shop import place, scrolling

CHANNEL, SLOT = "channel", "slot"
FULL_CHANNEL_UL = 100_000  # the gauge's full scale: a 100 ml reservoir
FULL_SLOT_UNITS = 10


class ItemList(QWidget):
    picked = Signal(str, int)  # target ("channel"/"slot"), position (1-based)

    def __init__(self, catalog: Catalog, *, name: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.setObjectName(name)
        self.overview: StockOverview | None = None
        self.target = CHANNEL
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(20)
        self.kind = Choice((CHANNEL, SLOT), name=f"{name}Kind")
        self.kind.select(CHANNEL)
        self.summary = label(role="warn", name=f"{name}Summary")
        self.rows_box = QWidget()
        self.grid = QGridLayout(self.rows_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(16)
        self.area = scrolling(self.rows_box, f"{name}Scroll")
        box.addWidget(self.kind)
        box.addWidget(self.summary)
        box.addWidget(self.area, 1)
        self.rows: dict[tuple[str, int], ItemRow] = {}
        self.kind.chosen.connect(self._on_kind_chosen)

    def retranslate(self) -> None:
        self.kind.set_texts({CHANNEL: self.tr("Spray channels"), SLOT: self.tr("Bottle slots")})
        self.refresh()

    def show_overview(self, overview: StockOverview) -> None:
        self.overview = overview
        self.refresh()

    def product_name(self, product_id: str) -> str:
        try:
            return self.catalog.product(product_id).name
        except UnknownItemError:
            return product_id

    def refresh(self) -> None:
        ov = self.overview
        if ov is None:
            self.summary.hide()
            return
        warnings = [w for w in ov.warnings if w.target == self.target]
        self.summary.setText(self._summary(warnings))
        self.summary.setVisible(bool(warnings))
        items: list[ChannelStock | SlotStock] = list(
            ov.channels if self.target == CHANNEL else ov.slots
        )
        shown = []
        for item in items:
            pos = item.channel if isinstance(item, ChannelStock) else item.slot
            row = self.rows.get((self.target, pos))
            if row is None:
                row = ItemRow(name=f"{self.objectName()}_{self.target}_{pos}")
                row.clicked.connect(lambda _=False, t=self.target, p=pos: self.picked.emit(t, p))
                self.rows[(self.target, pos)] = row
            mine = [w for w in warnings if w.position == pos]
            self._fill(row, item, mine)
            shown.append(row)
        place(self.grid, shown, 2 if self._wide() else 1)

    def _fill(
        self, row: ItemRow, item: ChannelStock | SlotStock, warnings: list[StockWarning]
    ) -> None:
        name = self.product_name(item.product_id)
        if isinstance(item, ChannelStock):
            title = fill(self.tr("Channel %1 · %2"), str(item.channel), name)
            detail = fill(
                self.tr("%1 · about %n spray(s) left", "", item.doses_left), ml(item.on_hand_ul)
            )
            fraction = item.on_hand_ul / FULL_CHANNEL_UL
        else:
            title = fill(self.tr("Slot %1 · %2"), str(item.slot), name)
            detail = fill(self.tr("%n bottle(s) of %1 ml", "", item.on_hand), str(item.size_ml))
            fraction = item.on_hand / FULL_SLOT_UNITS
        if item.earliest_expiry is not None:
            detail += " · " + fill(self.tr("expires %1"), item.earliest_expiry.isoformat())
        row.gauge.set_level(fraction, item.low)
        row.set_texts(title, detail, " · ".join(warning_text(w.kind.value) for w in warnings))

    def _summary(self, warnings: list[StockWarning]) -> str:
        low = sum(1 for w in warnings if w.kind.value == "low_level")
        expiring = sum(1 for w in warnings if w.kind.value != "low_level")
        parts = []
        if low:
            parts.append(self.tr("%n running low", "", low))
        if expiring:
            parts.append(self.tr("%n expired or expiring", "", expiring))
        return " · ".join(parts)

    def item(self, target: str, position: int) -> ChannelStock | SlotStock | None:
        ov = self.overview
        if ov is None:
            return None
        if target == CHANNEL:
            return next((c for c in ov.channels if c.channel == position), None)
        return next((s for s in ov.slots if s.slot == position), None)

    def _wide(self) -> bool:
        w = self.window()
        return w.width() > w.height()

    def _on_kind_chosen(self, key: str) -> None:
        self.target = key
        self.refresh()


def default_expiry(today: date) -> date:
    """A new lot's expiry as first shown: two years on (the technician adjusts it)."""
    try:
        return today.replace(year=today.year + 2)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 2, day=28)
