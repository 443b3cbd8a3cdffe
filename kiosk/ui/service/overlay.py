"""The service overlay: an opaque child of the kiosk window covering it entirely (the shopper
screens stay behind it, untouched), with a top bar (title, technician, language, log out),
the PIN pad, and the service home — five large tabs (stock, tests and calibration,
diagnostics, transactions, machine) above the section in portrait, beside it in landscape —
and the status line of the last action.

It follows the window's size (an event filter on the window) and restyles itself with the
shopper theme at normal text size plus the service additions (kiosk.ui.service.common).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.money import Money
from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.screens.base import UiContext
from kiosk.ui.service.calibration import TestsSection
from kiosk.ui.service.common import SERVICE_QSS, Section
from kiosk.ui.service.diagnostics import DiagnosticsSection
from kiosk.ui.service.forms import FormPage
from kiosk.ui.service.keypad import Choice
from kiosk.ui.service.machine import MachineSection
from kiosk.ui.service.pinpad import LOGIN, PinPage
from kiosk.ui.service.status import StatusBar
from kiosk.ui.service.stock import StockSection
from kiosk.ui.service.transactions import TransactionsSection
from kiosk.ui.service.viewmodel import ServiceViewModel
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import button, label

STOCK, TESTS, DIAGNOSTICS, TRANSACTIONS, MACHINE = SECTIONS = (
    "stock",
    "tests",
    "diagnostics",
    "transactions",
    "machine",
)
TABS_WIDE_PX = 240


class ServiceOverlay(QWidget):
    cancelRequested = Signal()
    logoutRequested = Signal()

    def __init__(self, host: QWidget, vm: ServiceViewModel, ctx: UiContext) -> None:
        super().__init__(host)
        self.host, self.vm, self.ctx = host, vm, ctx
        self.setObjectName("serviceOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(Theme().stylesheet() + SERVICE_QSS)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 24, 48, 24)
        outer.setSpacing(20)
        top = QHBoxLayout()
        top.setSpacing(16)
        heading = QVBoxLayout()
        heading.setSpacing(0)
        self.title = label(role="heading", name="serviceTitle")
        self.who = label(role="small", name="serviceWho")
        heading.addWidget(self.title)
        heading.addWidget(self.who)
        self.language = button(role="ghost", name="serviceLanguage")
        self.logout = button(name="serviceLogout")
        top.addLayout(heading, 1)
        top.addWidget(self.language)
        top.addWidget(self.logout)
        outer.addLayout(top)
        self.pages = QStackedWidget()
        self.pin = PinPage(vm)
        self.home = QWidget()
        self.pages.addWidget(self.pin)
        self.pages.addWidget(self.home)
        outer.addWidget(self.pages, 1)
        self._setup_home(ctx)
        self.language.clicked.connect(self._on_language_clicked)
        self.logout.clicked.connect(self.logoutRequested)
        self.pin.cancelled.connect(self.cancelRequested)
        self.machine.logoutRequested.connect(self.logoutRequested)
        self.tabs.chosen.connect(self.show_section)
        ctx.languages.changed.connect(self._on_languages_changed)
        host.installEventFilter(self)
        self.hide()

    def _setup_home(self, ctx: UiContext) -> None:
        box = QVBoxLayout(self.home)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(20)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(24)
        self.tabs = Choice(SECTIONS, columns=3, name="serviceTabs")
        for b in self.tabs.buttons.values():
            b.setProperty("role", "tab")
        self.machine = MachineSection(self.vm)
        self.sections: dict[str, Section] = {
            STOCK: StockSection(self.vm, ctx.catalog),
            TESTS: TestsSection(self.vm, ctx.catalog),
            DIAGNOSTICS: DiagnosticsSection(self.vm, self._money, ctx.catalog.timezone),
            TRANSACTIONS: TransactionsSection(self.vm, ctx.catalog, self._txn_money),
            MACHINE: self.machine,
        }
        self.content = QStackedWidget()
        for section in self.sections.values():
            self.content.addWidget(section)
        self.body.addWidget(self.tabs, 0)
        self.body.addWidget(self.content, 1)
        self.status = StatusBar(self.vm, ctx.languages, ctx.catalog.currency)
        box.addLayout(self.body, 1)
        box.addWidget(self.status)

    def _money(self, minor: int) -> str:
        return self.ctx.languages.money(Money(minor, self.ctx.catalog.currency))

    def _txn_money(self, minor: int, currency: str | None) -> str:
        return self.ctx.languages.money(Money(minor, currency or self.ctx.catalog.currency))

    # -- pages ---------------------------------------------------------------------------------
    def open(self) -> None:
        """Cover the window with the PIN pad."""
        self.show_pin()
        self.arrange(self.host.width(), self.host.height())
        self.setGeometry(self.host.rect())
        self.raise_()
        self.show()

    def show_pin(self) -> None:
        self.pin.reset(LOGIN)
        self.pages.setCurrentWidget(self.pin)
        self.retranslate()

    def show_home(self, section: str = STOCK) -> None:
        self.pages.setCurrentWidget(self.home)
        self.show_section(section)

    def show_section(self, key: str) -> None:
        self.tabs.select(key)
        section = self.sections[key]
        self.content.setCurrentWidget(section)
        self.status.clear()
        self.retranslate()
        section.entered()

    @property
    def section(self) -> Section:
        current = self.content.currentWidget()
        assert isinstance(current, Section)
        return current

    # -- texts and layout ----------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Service menu"))
        session = self.vm.session
        self.who.setText(f"{session.name} · {session.technician_id}" if session else "")
        self.who.setVisible(session is not None)
        code = self.ctx.languages.code
        other = "fr" if code == "en" else "en"
        self.language.setText(dict(LANGUAGES)[other])
        self.language.setAccessibleName(self.tr("Change language"))
        self.logout.setText(self.tr("Log out"))
        self.logout.setVisible(self.pages.currentWidget() is self.home)
        self.tabs.set_texts(
            {
                STOCK: self.tr("Stock"),
                TESTS: self.tr("Tests"),
                DIAGNOSTICS: self.tr("Diagnostics"),
                TRANSACTIONS: self.tr("Transactions"),
                MACHINE: self.tr("Machine"),
            }
        )
        self.pin.retranslate()
        for section in self.sections.values():
            section.retranslate()
        self.status.retranslate()

    def _on_languages_changed(self, _code: str) -> None:
        self.retranslate()

    def _on_language_clicked(self) -> None:
        code = self.ctx.languages.code
        self.ctx.languages.set("fr" if code == "en" else "en")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.host.rect())
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.arrange(event.size().width(), event.size().height())
        super().resizeEvent(event)

    def arrange(self, width: int, height: int) -> None:
        """Lay every page out for the window's orientation, the hidden ones too (a hidden
        page laid out for the other orientation would ask for more room than there is)."""
        wide = width > height
        self.body.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )
        self.tabs.arrange(1 if wide else 3)
        if wide:
            self.tabs.setFixedWidth(TABS_WIDE_PX)
        else:
            self.tabs.setMinimumWidth(0)
            self.tabs.setMaximumWidth(16777215)
        self.tabs.grid.setRowStretch(len(SECTIONS), 1 if wide else 0)
        margins = self.layout().contentsMargins()  # type: ignore[union-attr]
        self.pin.set_wide(wide, width - margins.left() - margins.right())
        for page in self.findChildren(FormPage):
            page.set_wide(wide)
