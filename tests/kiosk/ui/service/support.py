"""Shared by the service-screen tests: the real kiosk window (every shopper screen, a real
:class:`ShopperJourney`) over the service rig of tests/kiosk/service/rig.py (real ledger, sync
engine, settlement worker, MDB reader and dispenser simulators over ptys) with the service
menu installed as kiosk/app.py installs it, all on one qasync loop as the kiosk runs; and
helpers that drive the screens by tapping their widgets."""

from __future__ import annotations

import asyncio
import ctypes
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import PySide6
import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.journey import ShopperJourney
from kiosk.purchase.items import dispensables
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.registry import build_screens
from kiosk.ui.service import ServiceController, install_service_menu
from kiosk.ui.service.keypad import EntryField
from kiosk.ui.shell import KioskWindow
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel
from tests.kiosk.service.rig import CATALOG, PIN, TECH, ServiceRig, service_rig
from tests.support.loops import install_loop
from tests.support.waiting import until


def _guard_refcounts() -> None:
    """PySide6 6.12.0 on Python 3.11 returns None from void methods and True from
    ``Signal.emit()`` without taking a reference, so their counts fall until CPython aborts
    ("none_dealloc"); on 3.12+ they are immortal. Give them more references than a test run
    can drop (as tests/kiosk/ui/shop_support.py does for None)."""
    if sys.version_info < (3, 12) and PySide6.__version__ == "6.12.0":
        for immortal in (None, True, False):
            count = ctypes.c_ssize_t.from_address(id(immortal))
            if count.value < 1 << 40:
                count.value += 1 << 40


_guard_refcounts()
T = TypeVar("T")
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


def run_on_qasync(
    qapp: QApplication, scenario: Callable[[], Awaitable[T]], timeout: float = 120
) -> T:
    """Run ``scenario`` on a qasync loop over the test's QApplication, as the kiosk runs;
    fail if a task or callback raised on the loop."""
    loop = qasync.QEventLoop(qapp)
    install_loop(loop)  # closes the idle loop an earlier async test left as current
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    try:

        async def bounded() -> T:
            async with asyncio.timeout(timeout):
                return await scenario()

        result = loop.run_until_complete(bounded())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    assert not errors, [f"{e.get('message')}: {e.get('exception')!r}" for e in errors]
    return result


@dataclass
class Kit:
    rig: ServiceRig
    journey: ShopperJourney
    window: KioskWindow
    service: ServiceController

    @property
    def overlay(self) -> Any:
        return self.service.overlay

    def find(self, cls: type[QWidget], name: str) -> Any:
        found = self.overlay.findChild(cls, name)
        assert found is not None, name
        return found

    def button(self, name: str) -> QAbstractButton:
        return self.find(QAbstractButton, name)  # type: ignore[no-any-return]

    def tap(self, widget: QWidget) -> None:
        assert widget.isVisible() and widget.isEnabled(), widget.objectName()
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())

    def type_into(self, field_name: str, text: str, expect: str | None = None) -> None:
        """Tap the field, then its keypad's keys (the keypad shown for that field, turning to
        its accents page and capitals as each character needs)."""
        field: EntryField = self.find(EntryField, field_name)
        self.tap(field)
        panel = next(p for p in self._panels() if field in p.fields)
        pad = panel.pads[field.kind]
        assert pad.isVisible(), field_name
        field.setText("")
        for ch in text:  # the page key and capitals first when the character needs them
            for key in pad.route(ch):
                self.tap(key)
        assert field.text() == (text if expect is None else expect)

    def _panels(self) -> list[Any]:
        from kiosk.ui.service.keypad import KeyboardPanel

        return self.overlay.findChildren(KeyboardPanel)

    async def sign_in(self, tech: str = TECH, pin: str = PIN) -> None:
        """Open the pad (as the long press does) and sign in through the keys."""
        self.service.open()
        await until(lambda: self.overlay.pin.isVisible(), 10, "the PIN pad")
        self.type_into("techField", tech)
        self.type_into("pinField", pin)
        self.tap(self.button("pinSubmit"))
        await until(lambda: self.overlay.home.isVisible(), 10, "the service home")
        await until(lambda: not self.service.vm.busy, 10, "the first section's data")

    async def section(self, key: str) -> None:
        self.tap(self.overlay.tabs.buttons[key])
        await asyncio.sleep(0)  # the tab's slot starts its call
        await until(lambda: not self.service.vm.busy, 10, "the section's data")

    def corner(self, inset: int = 40) -> tuple[QWidget, QPoint]:
        """The deepest widget at the top-right corner and the point in it."""
        at = QPoint(self.window.width() - inset, inset)
        target = self.window.childAt(at) or self.window
        return target, target.mapFrom(self.window, at)


@asynccontextmanager
async def service_window(
    qapp: QApplication,
    tmp_path: Path,
    *,
    size: tuple[int, int] = SIZES["portrait"],
    qm_dir: Path | None = None,
    hold_ms: int = 3000,
    **rig: Any,
) -> AsyncIterator[Kit]:
    qapp.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop
    async with service_rig(tmp_path, **rig) as srig:
        machine = srig.machine
        journey = ShopperJourney(
            catalog=CATALOG, flow=machine.flow, engine=machine.engine, items=dispensables(CATALOG)
        )
        await until(lambda: journey.assess()[0] is None, what="machine ready")
        srig.menu.bind_maintenance(journey.set_maintenance)  # what kiosk/app.py does
        languages = Languages(qapp, qm_dir=qm_dir)
        ctx = UiContext(JourneyViewModel(journey), languages, DisplaySettings(), CATALOG)
        window = KioskWindow(ctx, build_screens(ctx))
        qapp.installEventFilter(window.idle)
        window.resize(*size)
        window.show()
        service = install_service_menu(window, srig.menu, hold_ms=hold_ms, idle_check_s=0.1)
        try:
            yield Kit(srig, journey, window, service)
            await asyncio.sleep(0)  # let a tapped slot start its call
            await until(lambda: not service.vm.busy, 10, "the menu's last call")
        finally:
            service.uninstall()
            qapp.removeEventFilter(window.idle)
            languages.set("en")
            window.close()
            window.deleteLater()
