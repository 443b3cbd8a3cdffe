"""The base classes' hooks have empty defaults (a base shows nothing of its own): every
concrete screen, service section and animated illustration must fill in its own."""

from __future__ import annotations

import importlib

from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.screens.registry import SCREENS
from kiosk.ui.service.common import Section
from kiosk.ui.widgets_art import Art


def concrete(base: type) -> list[type]:
    found, todo = [], list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_screen_section_and_illustration_fills_in_its_hooks() -> None:
    for module, _name in SCREENS.values():
        importlib.import_module(f"kiosk.ui.screens.{module}")
    for module in ("calibration", "diagnostics", "machine", "stock", "transactions"):
        importlib.import_module(f"kiosk.ui.service.{module}")
    importlib.import_module("kiosk.ui.widgets_scenes")
    screens = [c for c in concrete(ScreenBase) if c.__module__.startswith("kiosk.")]
    assert {c.__name__ for c in screens} >= {name for _module, name in SCREENS.values()}
    for cls in screens:
        assert cls._setup_ui is not ScreenBase._setup_ui, cls
        assert cls.render is not ScreenBase.render, cls
    sections = [c for c in concrete(Section) if c.__module__.startswith("kiosk.")]
    assert len(sections) >= 5
    for cls in sections:
        assert cls.retranslate is not Section.retranslate, cls
    arts = [c for c in concrete(Art) if c.__module__.startswith("kiosk.")]
    assert len(arts) >= 5
    for cls in arts:
        assert cls.draw is not Art.draw, cls
