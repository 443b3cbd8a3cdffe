"""Shared by the browse, finder and product screen tests: a catalog of at least 24 perfumes, the
real window showing only those screens, a view-model that records the shopper's actions, and
pseudo-translations compiled through lupdate/lrelease (French-like and 40 % longer, or Arabic
script) so the overflow checks see texts at least as long as the real translations."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea, QWidget

from kiosk.catalog import Catalog
from kiosk.journey import Screen, View
from kiosk.ui.i18n import Languages
from kiosk.ui.screens.base import ScreenBase, UiContext
from kiosk.ui.screens.browse import BrowseScreen
from kiosk.ui.screens.finder import FinderScreen
from kiosk.ui.screens.product import ProductScreen
from kiosk.ui.shell import KioskWindow
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel
from tests.kiosk.ui.audit import audit

ROOT = Path(__file__).parents[3]
DEMO = ROOT / "assets/catalog/demo.json"
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


def catalog_data(minimum: int = 24) -> dict[str, Any]:
    """The demo catalog's JSON, its perfumes cloned (new ids, SKUs, channels, slots) until
    there are at least ``minimum``."""
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    originals = list(data["products"])
    channel = max((p["spray"]["channel"] for p in originals if "spray" in p), default=0)
    slot = max((b["slot"] for p in originals for b in p.get("bottles", [])), default=0)
    n = 0
    while len(data["products"]) < minimum:
        src = copy.deepcopy(originals[n % len(originals)])
        n += 1
        suffix = f"-{n}"
        src["id"] += suffix
        src["name"] += f" {n}"
        if "spray" in src:
            channel += 1
            src["spray"].update(sku=src["spray"]["sku"] + suffix, channel=channel)
        for b in src.get("bottles", []):
            slot += 1
            b.update(sku=b["sku"] + suffix, slot=slot)
        data["products"].append(src)
    return data


def big_catalog(minimum: int = 24) -> Catalog:
    return Catalog.from_json(catalog_data(minimum))


class RecordingViewModel(JourneyViewModel):
    """No journey: records each shopper action the screens call, in order."""

    def __init__(self) -> None:
        super().__init__(None)
        self.calls: list[tuple[str, Any]] = []

    def browse(self, family_id: str | None = None) -> None:
        self.calls.append(("browse", family_id))

    def open_finder(self) -> None:
        self.calls.append(("open_finder", None))

    def show_recommendations(self, product_ids: tuple[str, ...]) -> None:
        self.calls.append(("show_recommendations", tuple(product_ids)))

    def show_product(self, product_id: str) -> None:
        self.calls.append(("show_product", product_id))

    def choose_offer(self, sku: str) -> None:
        self.calls.append(("choose_offer", sku))

    def back(self) -> None:
        self.calls.append(("back", None))


ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
_PLURAL_FORMS = {"fr": 2, "ar": 6}
_LOCALE = {"fr": "fr_FR", "ar": "ar_AE"}


def pseudo(source: str, code: str) -> str:
    """A pseudo-translation: French-like and 40 % longer (``"fr"``, French runs ~20 % longer
    than English), or Arabic letters (``"ar"``); placeholders such as ``%n`` and ``%1`` kept."""
    words = []
    for word in source.split(" "):
        if word.startswith("%") or not word:
            words.append(word)
        elif code == "ar":
            words.append("".join(ARABIC[ord(c) % len(ARABIC)] for c in word))
        else:
            words.append(word.translate(str.maketrans("aeiouc", "àéîôûç")))
    text = " ".join(words)
    if code == "fr":
        extra = max(3, len(source) * 2 // 5)
        text += "".join(" ŵéŵé"[: min(5, extra - i)] for i in range(0, extra, 5))
    return text


def pseudo_translations(out_dir: Path) -> Path:
    """Extract every ``tr`` text of ``kiosk/ui`` with ``pyside6-lupdate`` (the real pipeline),
    pseudo-translate it, and compile ``kiosk_fr.qm`` and ``kiosk_ar.qm`` into ``out_dir``
    with ``pyside6-lrelease``. A text lupdate cannot see stays English in the pseudo
    languages, which the tests detect."""
    tools = Path(sys.executable).parent
    sources = sorted(str(p) for p in (ROOT / "kiosk/ui").rglob("*.py"))
    out_dir.mkdir(parents=True, exist_ok=True)
    for code, locale in _LOCALE.items():
        ts = out_dir / f"kiosk_{code}.ts"
        subprocess.run(
            [str(tools / "pyside6-lupdate"), "-silent", *sources, "-ts", str(ts)],
            check=True,
            capture_output=True,
        )
        tree = ET.parse(ts)
        tree.getroot().set("language", locale)
        for msg in tree.getroot().iter("message"):
            text = pseudo(msg.findtext("source") or "", code)
            translation = msg.find("translation")
            assert translation is not None
            translation.attrib.pop("type", None)
            if msg.get("numerus") == "yes":
                translation.text = None
                for child in list(translation):
                    translation.remove(child)
                for _ in range(_PLURAL_FORMS[code]):
                    ET.SubElement(translation, "numerusform").text = text
            else:
                translation.text = text
        tree.write(ts, encoding="utf-8", xml_declaration=True)
        subprocess.run(
            [
                str(tools / "pyside6-lrelease"),
                "-silent",
                str(ts),
                "-qm",
                str(ts.with_suffix(".qm")),
            ],
            check=True,
        )
    return out_dir


SHOP_SCREENS: dict[Screen, type[ScreenBase]] = {
    Screen.BROWSE: BrowseScreen,
    Screen.FINDER: FinderScreen,
    Screen.PRODUCT: ProductScreen,
}


def make_window(
    app: QApplication,
    catalog: Catalog,
    screens: dict[Screen, type[ScreenBase]] | None = None,
    *,
    qm_dir: Path | None = None,
) -> tuple[KioskWindow, UiContext, RecordingViewModel]:
    """The real kiosk window with only the given screens (default: browse, finder, product)."""
    vm = RecordingViewModel()
    ctx = UiContext(vm, Languages(app, qm_dir=qm_dir), DisplaySettings(), catalog)
    built = {s: cls(ctx) for s, cls in (screens or SHOP_SCREENS).items()}
    window = KioskWindow(ctx, built)
    return window, ctx, vm


def squeezed(root: QWidget) -> list[str]:
    """What the audit does not see: a word-wrapped label narrower than its longest word, and a
    container (a card, a tile) given less room than its layout's minimum, which clips it."""
    found = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or w.width() <= 0:
            continue
        name = f"{type(w).__name__}#{w.objectName() or '?'}"
        if isinstance(w, QLabel) and w.wordWrap() and w.text().strip():
            need = w.minimumSizeHint().width()
            if need > w.width() + 2:
                found.append(f"{name}({w.text()[:30]!r}): a word needs {need} px, has {w.width()}")
        lay = w.layout()
        if lay is not None and not isinstance(w, QScrollArea) and lay.count():
            least = lay.totalMinimumSize()
            high = lay.totalHeightForWidth(w.width()) if lay.hasHeightForWidth() else -1
            need_h = max(least.height(), high)
            if least.width() > w.width() + 2 or need_h > w.height() + 2:
                found.append(
                    f"{name}: squeezed to {w.width()}x{w.height()}, needs {least.width()}x{need_h}"
                )
    return found


@dataclass
class ShopUi:
    """A shown window with the shopping screens, and ways to put it in a state."""

    app: QApplication
    window: KioskWindow
    ctx: UiContext
    vm: RecordingViewModel

    @property
    def catalog(self) -> Catalog:
        return self.ctx.catalog

    def screen(self, screen: Screen) -> Any:
        return self.window.screens[screen]

    def set(self, *, lang: str = "en", orientation: str = "portrait", large: bool = False) -> None:
        self.window.resize(*SIZES[orientation])
        if self.ctx.settings.large_text != large:
            self.ctx.settings.toggle_large_text()
        self.ctx.languages.set(lang)
        self.app.processEvents()

    def show(self, view: View) -> None:
        self.ctx.vm.show(view)
        self.app.processEvents()

    def problems(self, what: str) -> list[str]:
        """The accessibility audit (targets, text sizes, overflow, bounds) of the screen shown;
        the shell's header is the shell's tests' business."""
        current = self.window.stack.currentWidget()
        assert current is not None
        found = [str(f) for f in audit(current)] + squeezed(current)
        return [f"{what}: {f}" for f in found]

    def controls_above_half(self, what: str) -> list[str]:
        """Reach mode: enabled controls of the screen shown that start in the upper half."""
        half = self.window.height() // 2
        current = self.window.stack.currentWidget()
        assert current is not None
        return [
            f"{what}: {b.objectName()} at y={y}"
            for b in current.findChildren(QAbstractButton)
            if b.isVisibleTo(self.window)
            and b.isEnabled()
            and (y := b.mapTo(self.window, QPoint(0, 0)).y()) < half
        ]

    def close(self) -> None:
        self.ctx.languages.set("en")
        self.window.close()
        self.window.deleteLater()
        self.app.processEvents()


def open_shop(app: QApplication, qm_dir: Path, catalog: Catalog | None = None) -> ShopUi:
    window, ctx, vm = make_window(app, catalog or big_catalog(), qm_dir=qm_dir)
    window.show()
    return ShopUi(app, window, ctx, vm)
