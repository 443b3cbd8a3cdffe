"""Languages of the shopper screens: English, French and Arabic (right to left).

Translations are Qt Linguist ``.ts`` sources in ``assets/i18n/``, compiled to ``.qm`` by
``pyside6-lrelease`` at build time (``compile_translations``, run by scripts/bootstrap and
the image build). :class:`Languages` swaps the installed ``QTranslator``, the layout direction
and the default ``QLocale``; Qt then sends every widget a ``LanguageChange`` event and the
shell re-renders the current view. :meth:`Languages.money` formats prices for the locale.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, QTranslator, Signal
from PySide6.QtWidgets import QApplication

from kiosk.money import Money, minor_unit_exponent
from kiosk.ui.assets import asset_path

log = logging.getLogger(__name__)

LANGUAGES: tuple[tuple[str, str], ...] = (("en", "English"), ("fr", "Français"), ("ar", "العربية"))
RTL = frozenset({"ar"})
_LOCALES = {"en": "en_IE", "fr": "fr_FR", "ar": "ar_AE"}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "AED": "د.إ"}


def ts_dir() -> Path:
    return asset_path("assets/i18n")


def compile_translations(out_dir: Path | None = None) -> list[Path]:
    """Compile every ``assets/i18n/*.ts`` to ``.qm`` (next to it unless ``out_dir``)."""
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    outputs = []
    for ts in sorted(ts_dir().glob("*.ts")):
        qm = (out_dir or ts.parent) / ts.with_suffix(".qm").name
        subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(qm)], check=True)
        outputs.append(qm)
    return outputs


class Languages(QObject):
    changed = Signal(str)

    def __init__(self, app: QApplication, *, qm_dir: Path | None = None) -> None:
        super().__init__()
        self._app = app
        self._qm_dir = qm_dir or ts_dir()
        self._translator: QTranslator | None = None
        self.code = "en"

    @property
    def locale(self) -> QLocale:
        return QLocale(_LOCALES[self.code])

    @property
    def rtl(self) -> bool:
        return self.code in RTL

    def set(self, code: str) -> None:
        if code not in _LOCALES:
            raise ValueError(f"unsupported language {code!r}")
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        if code != "en":
            translator = QTranslator(self._app)
            qm = self._qm_dir / f"kiosk_{code}.qm"
            if translator.load(str(qm)):
                self._app.installTranslator(translator)
                self._translator = translator
            else:
                log.error("translation %s missing (run scripts/bootstrap): showing English", qm)
        self.code = code
        QLocale.setDefault(self.locale)
        self._app.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if code in RTL else Qt.LayoutDirection.LeftToRight
        )
        self.changed.emit(code)

    def next_code(self) -> str:
        codes = [c for c, _ in LANGUAGES]
        return codes[(codes.index(self.code) + 1) % len(codes)]

    def money(self, money: Money) -> str:
        exp = minor_unit_exponent(money.currency)
        symbol = _SYMBOLS.get(money.currency, money.currency)
        return self.locale.toCurrencyString(money.amount_minor / 10**exp, symbol, exp)

    def number(self, value: int) -> str:
        return self.locale.toString(value)


def tr(context: str, text: str) -> str:
    """``QCoreApplication.translate`` for module-level tables (lupdate reads these calls)."""
    return QCoreApplication.translate(context, text)
