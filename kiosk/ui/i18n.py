"""Languages of the shopper screens: English, French and Arabic (right to left).

Translations are Qt Linguist ``.ts`` sources in ``assets/i18n/``, compiled to ``.qm`` by
``pyside6-lrelease`` at build time (``python -m kiosk.ui.i18n compile``, run by
scripts/bootstrap and the image build; tools in :mod:`kiosk.ui.i18n_build`). :class:`Languages`
swaps the installed ``QTranslator``, the layout direction and the default ``QLocale``; Qt then
sends every widget a ``LanguageChange`` event and the shell re-renders the current view.
:meth:`Languages.money` formats prices for the locale (Arabic: the United Arab Emirates' locale,
which writes Latin digits, as Gulf shoppers read prices). Catalog text (descriptions, family
names, notes, promotion labels) is data: screens ask the catalog for it with ``languages.code``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, QTranslator, Signal
from PySide6.QtWidgets import QApplication

from kiosk.money import Money, minor_unit_exponent
from kiosk.ui.assets import asset_path

log = logging.getLogger(__name__)

LANGUAGES: tuple[tuple[str, str], ...] = (("en", "English"), ("fr", "Français"), ("ar", "العربية"))
RTL = frozenset({"ar"})
_LOCALES = {"en": "en_IE", "fr": "fr_FR", "ar": "ar_AE"}
_LIST_SEPARATORS = {"ar": "، "}  # U+060C ARABIC COMMA; the others use ", "
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "AED": "د.إ"}


def ts_dir() -> Path:
    return asset_path("assets/i18n")


class Languages(QObject):
    """The shopper's language. ``set`` falls back to English (logged) when a language's
    compiled ``.qm`` is missing, and ``next_code`` then skips that language. English loads
    ``kiosk_en.qm`` too, which holds only plural forms ("%n second(s)" -> "1 second")."""

    changed = Signal(str)

    def __init__(self, app: QApplication, *, qm_dir: Path | None = None) -> None:
        super().__init__()
        self._app = app
        self._qm_dir = qm_dir or ts_dir()
        self._translator: QTranslator | None = None
        self._missing: set[str] = set()
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
        if self._install(code):
            self._missing.discard(code)
        elif code != "en":
            log.error("translation kiosk_%s.qm missing (run scripts/bootstrap): English", code)
            self._missing.add(code)
            code = "en"
            self._install(code)
        self.code = code
        QLocale.setDefault(self.locale)
        self._app.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if code in RTL else Qt.LayoutDirection.LeftToRight
        )
        self.changed.emit(code)

    def _install(self, code: str) -> bool:
        """Swap in ``kiosk_<code>.qm`` (English has one too: its plural forms, "1 second")."""
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        translator = QTranslator(self._app)
        qm = self._qm_dir / f"kiosk_{code}.qm"
        if not translator.load(str(qm)):
            if code == "en":
                log.warning("%s missing (run scripts/bootstrap): English plurals read '(s)'", qm)
            return False
        self._app.installTranslator(translator)
        self._translator = translator
        return True

    def next_code(self) -> str:
        codes = [c for c, _ in LANGUAGES if c == self.code or c not in self._missing]
        return codes[(codes.index(self.code) + 1) % len(codes)]

    def money(self, money: Money) -> str:
        """``2,50 €`` in French; a negative amount gets the locale's minus sign, never the
        accounting brackets ``(€2.50)`` QLocale would use."""
        exp = minor_unit_exponent(money.currency)
        symbol = _SYMBOLS.get(money.currency, money.currency)
        value = abs(money.amount_minor) / 10**exp
        text = self.locale.toCurrencyString(value, symbol, exp)
        return self.locale.negativeSign() + text if money.amount_minor < 0 else text

    def number(self, value: int) -> str:
        return self.locale.toString(value)

    def join(self, items: Iterable[str]) -> str:
        """A list of words (notes, tax rates) with the language's comma: Arabic's is "،"."""
        return _LIST_SEPARATORS.get(self.code, ", ").join(items)


def tr(context: str, text: str) -> str:
    """``QCoreApplication.translate`` for a text extracted elsewhere. lupdate does NOT see
    through this helper (it reads ``tr("Ctx", "text")`` as source "Ctx", comment "text"): write
    ``QCoreApplication.translate("Ctx", "text")`` literally where a text is defined."""
    return QCoreApplication.translate(context, text)


if __name__ == "__main__":
    from kiosk.ui.i18n_build import main

    sys.exit(main())
