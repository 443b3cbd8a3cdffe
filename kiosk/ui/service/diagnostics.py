"""Diagnostics: the charts (sales per hour today, spray-channel levels, outbox depth over 24
hours), sync status, devices with their identity and state, versions, recent faults and the
live hex trace. Everything is read at once through the view-model (``load_diagnosis``) when
the tab opens and on "Refresh"; the cards flow in one column in portrait, two in landscape."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget
from qasync import asyncSlot

from kiosk.service import SyncStatus
from kiosk.ui.service.charts import BarChart, LevelChart, LineChart
from kiosk.ui.service.common import Section, clock_time, ml, number
from kiosk.ui.service.items import FULL_CHANNEL_UL
from kiosk.ui.service.results import Diagnosis
from kiosk.ui.service.texts import device_text, state_text
from kiosk.ui.service.trace import TraceView
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.widgets import button, card, label
from kiosk.ui.widgets_flow import fill
from kiosk.ui.widgets_shop import place, scrolling

DAY_S = 24 * 3600.0
MAX_FAULTS = 12


class Facts(QWidget):
    """A card with a heading and rows of "name: value" (rows rebuilt on each render)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.frame = card()
        outer.addWidget(self.frame)
        box = QVBoxLayout(self.frame)
        box.setContentsMargins(28, 24, 28, 24)
        box.setSpacing(12)
        self.title = label(role="heading", name=f"{name}Title")
        box.addWidget(self.title)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        box.addLayout(self.body)
        box.addStretch(1)
        self._rows: list[tuple[QWidget, QWidget]] = []

    def set_rows(self, rows: list[tuple[str, str]], *, role: str = "value") -> None:
        while len(self._rows) < len(rows):
            key, value = label(role="small"), label(role=role)
            line = QVBoxLayout()
            line.setSpacing(0)
            line.addWidget(key)
            line.addWidget(value)
            self.body.addLayout(line)
            self._rows.append((key, value))
        for i, (key_w, value_w) in enumerate(self._rows):
            shown = i < len(rows)
            key_w.setVisible(shown and bool(rows[i][0]))
            value_w.setVisible(shown)
            if shown:
                key_w.setText(rows[i][0])  # type: ignore[attr-defined]
                value_w.setText(rows[i][1])  # type: ignore[attr-defined]


class ChartCard(QWidget):
    def __init__(self, chart: QWidget, name: str) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        frame = card()
        outer.addWidget(frame)
        box = QVBoxLayout(frame)
        box.setContentsMargins(28, 24, 28, 24)
        box.setSpacing(10)
        self.title = label(role="heading", name=f"{name}Title")
        self.caption = label(role="muted", name=f"{name}Caption")
        self.chart = chart
        for w in (self.title, self.caption, chart):
            box.addWidget(w)
        box.addStretch(1)


class DiagnosticsSection(Section):
    def __init__(self, vm: ServiceViewModel, money: Callable[[int], str], timezone: str) -> None:
        super().__init__()
        self.vm = vm
        self.money = money
        self.zone = ZoneInfo(timezone)  # the catalog's: sales are counted per local hour
        self.setObjectName("diagnosticsSection")
        self.diagnosis: Diagnosis | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(16)
        top = QHBoxLayout()
        self.updated = label(role="muted", name="diagUpdated")
        self.refresh = button(name="diagRefresh")
        top.addWidget(self.updated, 1)
        top.addWidget(self.refresh)
        outer.addLayout(top)
        content = QWidget()
        self.grid = QGridLayout(content)
        self.grid.setContentsMargins(0, 0, 8, 0)
        self.grid.setSpacing(20)
        outer.addWidget(scrolling(content, "diagScroll"), 1)
        self.sales_chart = BarChart(name="salesChart")
        self.levels_chart = LevelChart(name="levelsChart")
        self.depth_chart = LineChart(name="depthChart")
        self.sales = ChartCard(self.sales_chart, "sales")
        self.levels = ChartCard(self.levels_chart, "levels")
        self.outbox = ChartCard(self.depth_chart, "depth")
        self.sync = Facts("syncFacts")
        self.devices = Facts("deviceFacts")
        self.versions = Facts("versionFacts")
        self.faults = Facts("faultFacts")
        self.trace = TraceView(vm)
        self.cards: list[QWidget] = [
            self.sales,
            self.sync,
            self.levels,
            self.devices,
            self.outbox,
            self.faults,
            self.versions,
            self.trace,
        ]
        self._columns = 0
        self.refresh.clicked.connect(self._on_refresh_clicked)
        vm.diagnosisDidLoad.connect(self._on_vm_diagnosis_did_load)

    @asyncSlot()
    async def entered(self) -> None:
        await self.vm.load_diagnosis()

    @asyncSlot()
    async def _on_refresh_clicked(self) -> None:
        await self.vm.load_diagnosis()

    def _on_vm_diagnosis_did_load(self, diagnosis: Diagnosis) -> None:
        self.diagnosis = diagnosis
        self.trace.set_ports(diagnosis.ports)
        self.retranslate()

    def resizeEvent(self, event: object) -> None:
        columns = 2 if self.landscape() else 1
        if columns != self._columns:
            self._columns = columns
            place(self.grid, self.cards[:-1], columns)
            self.grid.addWidget(self.trace, self.grid.rowCount(), 0, 1, columns)
            self.trace.show()
        super().resizeEvent(event)  # type: ignore[arg-type]

    # -- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.refresh.setText(self.tr("Refresh"))
        self.sales.title.setText(self.tr("Sales per hour today"))
        self.levels.title.setText(self.tr("Spray channel levels"))
        self.outbox.title.setText(self.tr("Events waiting to be sent, last 24 hours"))
        self.sync.title.setText(self.tr("Network and sync"))
        self.devices.title.setText(self.tr("Devices"))
        self.versions.title.setText(self.tr("Versions"))
        self.faults.title.setText(self.tr("Recent faults"))
        for chart in (self.sales_chart, self.levels_chart, self.depth_chart):
            chart.empty_text = self.tr("No data yet")
        self.trace.retranslate()
        d = self.diagnosis
        if d is None:
            self.updated.setText(self.tr("Loading…"))
            return
        self.updated.setText(fill(self.tr("Updated at %1"), clock_time(time.time())))
        self._render_charts(d)
        self.sync.set_rows(self._sync_rows(d.sync))
        self.devices.set_rows(
            [
                (device_text(dev.name), self._device_line(dev.state, dev.identity))
                for dev in d.devices
            ]
        )
        v = d.versions
        self.versions.set_rows(
            [
                (self.tr("Software"), v.software),
                (self.tr("Catalog"), str(v.catalog)),
                (self.tr("Protocol"), str(v.protocol)),
                (self.tr("Device ID"), v.device_id),
                (self.tr("Ledger epoch"), str(v.epoch)),
            ]
        )
        faults = list(reversed(d.faults))[:MAX_FAULTS]
        rows = [
            (
                f"{clock_time(f.at)} · {device_text(f.device)}",
                state_text(f.code) + (f" ({f.detail})" if f.detail else ""),
            )
            for f in faults
        ]
        self.faults.set_rows(rows or [("", self.tr("No fault since the kiosk started."))])

    def _render_charts(self, d: Diagnosis) -> None:
        sales = [b.sales for b in d.sales]
        total = sum(sales)
        amount = sum(b.amount_minor for b in d.sales)
        self.sales_chart.set_values(sales, datetime.now(self.zone).hour)
        self.sales.caption.setText(
            fill(self.tr("%n sale(s) today, %1 in total.", "", total), self.money(amount))
        )
        rows = [
            (str(c.channel), c.on_hand_ul / FULL_CHANNEL_UL, ml(c.on_hand_ul), c.low)
            for c in d.levels
        ]
        self.levels_chart.set_rows(rows)
        low = sum(1 for c in d.levels if c.low)
        self.levels.caption.setText(self.tr("%n channel(s) running low.", "", low))
        now = time.time()
        points = [(max(0.0, 1 - (now - s.at) / DAY_S), s.depth) for s in d.depth]
        labels = (self.tr("24 h ago"), self.tr("12 h ago"), self.tr("now"))
        self.depth_chart.set_points(points, labels)
        latest = d.depth[-1].depth if d.depth else d.sync.queue_count
        self.outbox.caption.setText(self.tr("%n event(s) waiting now.", "", latest))

    def _sync_rows(self, s: SyncStatus) -> list[tuple[str, str]]:
        yes, no = self.tr("yes"), self.tr("no")
        age = (
            fill(self.tr("oldest %1 s"), number(s.oldest_age_s))
            if s.oldest_age_s is not None
            else self.tr("nothing waiting")
        )
        return [
            (self.tr("Connected to the middleware"), yes if s.connected else no),
            (self.tr("Queue"), fill(self.tr("%n event(s), %1", "", s.queue_count), age)),
            (
                self.tr("Last acknowledged"),
                fill(self.tr("event %1 of %2"), str(s.acked_seq), str(s.last_seq)),
            ),
            (self.tr("Retransmits"), str(s.retransmits)),
            (self.tr("Reconnects"), str(s.reconnects)),
            (self.tr("Sales paused (outbox full)"), yes if s.sales_paused else no),
        ]

    def _device_line(self, state: str, identity: Mapping[str, str]) -> str:
        """ "ready — model: PK-DISP-1 · serial: SIM-0001 · ..." (identity fields as the driver
        names them: technicians read them as they are printed on the device)."""
        details = " · ".join(f"{k}: {v}" for k, v in identity.items() if v and k != "raw")
        return state_text(state) + (f" — {details}" if details else "")
