"""Languages through Qt's translation pipeline: the committed ``.ts`` sources translate every
text lupdate finds in the current ``kiosk/ui`` code (a new untranslated text fails here), keep
placeholders and plural forms, compile with lrelease and switch the running UI; Arabic lays
out right to left; prices are formatted for each locale; a missing ``.qm`` falls back to
English."""

from __future__ import annotations

import logging
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.catalog import Catalog
from kiosk.journey.gallery import gallery
from kiosk.money import Money
from kiosk.ui import i18n_build
from kiosk.ui.assets import asset_path
from kiosk.ui.i18n import LANGUAGES, Languages
from kiosk.ui.i18n_build import Key, audit, compile_translations, extract, read_ts
from kiosk.ui.screens.base import UiContext
from kiosk.ui.screens.registry import build_screens
from kiosk.ui.shell import KioskWindow
from kiosk.ui.viewmodel import DisplaySettings, JourneyViewModel

ARABIC_INDIC = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


@pytest.fixture(scope="module")
def found() -> set[Key]:
    return extract("fr")  # every text of kiosk/ui


@pytest.fixture(scope="module")
def qm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qm")
    compile_translations(out, force=True)
    return out


@pytest.fixture
def languages(qapp: QApplication, qm_dir: Path) -> Iterator[Languages]:
    langs = Languages(qapp, qm_dir=qm_dir)
    yield langs
    langs.set("en")


# --- the .ts sources against the code ------------------------------------------------------


def test_lupdate_sees_the_ui_texts(found: set[Key]) -> None:
    contexts = {k[0] for k in found}
    assert {"Header", "IdlePrompt", "Messages", "AttractScreen"} <= contexts
    assert ("Header", "Change language", "", False) in found
    assert ("IdlePrompt", "We will start over in %n second(s).", "", True) in found
    assert len(found) >= 100
    assert not [k for k in found if not k[0]], "tr('Context', 'text') is invisible to lupdate"


@pytest.mark.parametrize("code", i18n_build.LANGUAGES)
def test_every_text_is_translated(code: str) -> None:
    """French: every text; Arabic: every text but the service menu's (English and French
    only); English: the plural forms of every %n text."""
    result = audit(code)
    report = i18n_build._report(result)
    assert result.ok, report
    assert not result.stale, f"run scripts/update-translations\n{report}"


@pytest.mark.parametrize("code", i18n_build.TRANSLATED)
def test_translations_use_the_locale_digits_and_no_ascii_quotes(code: str) -> None:
    """Arabic texts use the Latin digits QLocale("ar_AE") uses for prices; French uses the
    typographic apostrophe."""
    for msg in read_ts(i18n_build.ts_path(code)).values():
        for text in msg.translations:
            assert not ARABIC_INDIC.search(text), text
            if code == "fr":
                assert "'" not in text, text


def _broken_copy(tmp_path: Path, code: str, change: str) -> Path:
    """A copy of the committed .ts with one message broken in the way named by ``change``."""
    ts = tmp_path / f"kiosk_{code}.ts"
    shutil.copy(i18n_build.ts_path(code), ts)
    tree = ET.parse(ts)
    root = tree.getroot()
    plural = next(m for m in root.iter("message") if m.get("numerus") == "yes")
    single = next(m for m in root.iter("message") if "%1" in (m.findtext("source") or ""))
    if change == "unfinished":
        node = single.find("translation")
        assert node is not None
        node.set("type", "unfinished")
    elif change == "placeholder":
        node = single.find("translation")
        assert node is not None
        node.text = (node.text or "").replace("%1", "%2")
    elif change == "plural":
        node = plural.find("translation")
        assert node is not None
        node.remove(node.findall("numerusform")[-1])
    elif change == "missing":
        for context in root.iter("context"):
            if single in list(context):
                context.remove(single)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return ts


@pytest.mark.parametrize("change", ["unfinished", "placeholder", "plural", "missing"])
@pytest.mark.parametrize("code", i18n_build.TRANSLATED)
def test_audit_catches_each_problem(tmp_path: Path, code: str, change: str) -> None:
    result = audit(code, ts=_broken_copy(tmp_path, code, change))
    assert not result.ok
    field = {"unfinished": "unfinished", "placeholder": "placeholders",
             "plural": "plural_forms", "missing": "missing"}[change]  # fmt: skip
    assert len(getattr(result, field)) == 1


def test_audit_catches_a_new_text_in_the_code(found: set[Key]) -> None:
    new = ("Header", "A text nobody translated yet", "", False)
    result = audit("fr", found | {new})
    assert result.missing == [new] and not result.ok
    assert audit("fr", found - {next(iter(sorted(found)))}).stale  # and a removed one


def test_plural_forms_per_language() -> None:
    for code, forms in i18n_build.PLURAL_FORMS.items():
        for msg in read_ts(i18n_build.ts_path(code)).values():
            if msg.key[3]:
                assert len(msg.translations) == forms, msg.key


def test_compile_is_incremental(tmp_path: Path) -> None:
    first = compile_translations(tmp_path)
    assert sorted(p.name for p in first) == ["kiosk_ar.qm", "kiosk_en.qm", "kiosk_fr.qm"]
    stamps = [p.stat().st_mtime_ns for p in first]
    assert [p.stat().st_mtime_ns for p in compile_translations(tmp_path)] == stamps
    forced = compile_translations(tmp_path, force=True)
    assert all(p.stat().st_size > 100 for p in forced)


# --- switching languages ------------------------------------------------------------------


def test_arabic_lays_out_right_to_left_and_back(qapp: QApplication, languages: Languages) -> None:
    seen: list[str] = []
    languages.changed.connect(seen.append)
    languages.set("ar")
    assert qapp.layoutDirection() == Qt.LayoutDirection.RightToLeft and languages.rtl
    assert QLocale().name() == "ar_AE"
    languages.set("fr")
    assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight and not languages.rtl
    assert QLocale().name() == "fr_FR"
    languages.set("ar")
    languages.set("en")
    assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert seen == ["ar", "fr", "ar", "en"]
    with pytest.raises(ValueError, match="unsupported"):
        languages.set("de")


def test_compiled_translations_apply(languages: Languages) -> None:
    english = "Change language"
    assert QCoreApplication.translate("Header", english) == english
    languages.set("fr")
    assert QCoreApplication.translate("Header", english) == "Changer de langue"
    languages.set("ar")
    assert QCoreApplication.translate("Header", english) == "تغيير اللغة"
    languages.set("en")
    assert QCoreApplication.translate("Header", english) == english


def _seconds(n: int) -> str:
    return QCoreApplication.translate("IdlePrompt", "We will start over in %n second(s).", "", n)


# Counts for each plural form, in Qt's order: English 1 / other; French 0-1 / 2+; Arabic
# 0 / 1 / 2 / 3-10 / 11-99 / 100-102 (the last three by n % 100).
COUNTS = {
    "en": [(1,), (0, 2, 5)],
    "fr": [(0, 1), (2, 5, 1000)],
    "ar": [(0,), (1,), (2,), (3, 10, 103), (11, 99), (100,)],
}


@pytest.mark.parametrize("code", i18n_build.LANGUAGES)
def test_plural_forms_are_chosen_by_count(languages: Languages, code: str) -> None:
    key = ("IdlePrompt", "We will start over in %n second(s).", "", True)
    forms = read_ts(i18n_build.ts_path(code))[key].translations
    languages.set(code)
    for form, counts in zip(forms, COUNTS[code], strict=True):
        for n in counts:
            assert _seconds(n) == form.replace("%n", str(n)), (n, form)
    assert len(set(forms)) == {"en": 2, "fr": 2, "ar": 4}[code]  # Arabic 0, 11+, 100+ alike


def test_missing_translation_falls_back_to_english(
    qapp: QApplication, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    langs = Languages(qapp, qm_dir=tmp_path)  # nothing compiled there
    with caplog.at_level(logging.WARNING, logger="kiosk.ui.i18n"):
        langs.set("ar")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "kiosk_ar.qm" in errors[0].getMessage()
    assert "bootstrap" in caplog.text and "kiosk_en.qm" in caplog.text  # English plurals too
    assert langs.code == "en" and not langs.rtl
    assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert QCoreApplication.translate("Header", "Change language") == "Change language"
    assert langs.next_code() == "fr"  # Arabic is no longer offered
    langs.set("fr")
    assert langs.code == "en" and langs.next_code() == "en"
    (tmp_path / "kiosk_fr.qm").write_bytes(b"not a qm file")
    langs.set("fr")
    assert langs.code == "en"


def test_language_button_cycles_through_every_language(languages: Languages) -> None:
    codes = []
    for _ in LANGUAGES:
        codes.append(languages.code)
        languages.set(languages.next_code())
    assert codes == ["en", "fr", "ar"] and languages.code == "en"


# --- prices and numbers ---------------------------------------------------------------------

PRICES = [
    # language, amount, currency, text (QLocale/CLDR of Qt 6.12: en_IE, fr_FR, ar_AE)
    ("en", 250, "EUR", "€2.50"),
    ("en", 123456, "EUR", "€1,234.56"),
    ("en", -250, "EUR", "-€2.50"),
    ("fr", 250, "EUR", "2,50\u00a0€"),
    ("fr", 123456, "EUR", "1\u202f234,56\u00a0€"),
    ("fr", 0, "EUR", "0,00\u00a0€"),
    ("fr", -250, "EUR", "-2,50\u00a0€"),
    # The Emirates' Arabic writes Latin digits, as Gulf price tags do; ALM marks the direction.
    ("ar", 250, "EUR", "\u061c2.50€"),
    ("ar", 123456, "EUR", "\u061c1,234.56€"),
    ("ar", 1500, "AED", "\u061c15.00د.إ"),
    ("ar", -250, "EUR", "\u200e-\u061c2.50€"),
    ("en", 1500, "JPY", "JPY1,500"),  # no minor unit
    ("fr", 12345, "KWD", "12,345\u00a0KWD"),  # three decimals
]


@pytest.mark.parametrize(("code", "minor", "currency", "text"), PRICES)
def test_money_for_the_locale(
    languages: Languages, code: str, minor: int, currency: str, text: str
) -> None:
    languages.set(code)
    assert languages.money(Money(minor, currency)) == text


def test_lists_take_the_languages_comma(languages: Languages) -> None:
    for code, text in (("en", "Rose, Oud"), ("fr", "Rose, Oud"), ("ar", "Rose، Oud")):
        languages.set(code)
        assert languages.join(["Rose", "Oud"]) == text


def test_arabic_numbers_use_one_digit_set(languages: Languages) -> None:
    languages.set("ar")
    texts = [languages.money(Money(m, "EUR")) for m in (1, 99, 123456789)]
    texts += [languages.number(n) for n in (0, 7, 1234567)]
    assert all(not ARABIC_INDIC.search(t) and re.search("[0-9]", t) for t in texts), texts
    assert languages.number(1234567) == "1,234,567"
    languages.set("fr")
    assert languages.number(1234567) == "1\u202f234\u202f567"


def test_english_plurals_come_from_kiosk_en(languages: Languages) -> None:
    languages.set("en")
    assert _seconds(1) == "We will start over in 1 second."
    assert _seconds(30) == "We will start over in 30 seconds."


# --- the screens in each language -----------------------------------------------------------

CATALOG = Catalog.load(asset_path("assets/catalog/demo.json"))


def _visible_texts(root: QWidget) -> list[str]:
    out = []
    for w in root.findChildren(QWidget):
        if isinstance(w, (QLabel, QAbstractButton)) and w.isVisibleTo(root) and w.text():
            out.append(w.text())
    return out


def _english_leftovers(code: str) -> tuple[set[str], list[str], list[re.Pattern[str]]]:
    """English that must not show in ``code``: UI texts and family names whose translation
    differs (whole texts), descriptions and promotion labels (inside any text), and note
    names (whole words)."""
    ui = {m.key[1] for m in read_ts(i18n_build.ts_path(code)).values()}
    ui = {t for t in ui if "%" not in t}
    for m in read_ts(i18n_build.ts_path(code)).values():
        if m.translations and m.translations[0] == m.key[1]:
            ui.discard(m.key[1])  # "Total", "Floral": the same word in French
    ui |= {f.name for f in CATALOG.families if f.name_in(code) != f.name}
    data = [p.description for p in CATALOG.products]
    data += [p.label for p in CATALOG.promotions]
    notes = {n for p in CATALOG.products for layer in astuple(p.notes) for n in layer}
    words = [
        re.compile(rf"(?<![\w-]){re.escape(n)}(?![\w-])", re.IGNORECASE)
        for n in sorted(notes)
        if CATALOG.note_name(n, code).lower() != n and len(n) > 3
    ]
    return ui, data, words


@pytest.fixture
def window(qapp: QApplication, qm_dir: Path) -> Iterator[tuple[KioskWindow, UiContext]]:
    ctx = UiContext(
        JourneyViewModel(None), Languages(qapp, qm_dir=qm_dir), DisplaySettings(), CATALOG
    )
    w = KioskWindow(ctx, build_screens(ctx))
    w.resize(1080, 1920)
    w.show()
    yield w, ctx
    ctx.languages.set("en")
    w.close()
    w.deleteLater()


@pytest.mark.parametrize("code", i18n_build.TRANSLATED)
def test_every_screen_speaks_the_shoppers_language(
    qapp: QApplication, window: tuple[KioskWindow, UiContext], code: str
) -> None:
    """Each screen state of the gallery, rendered in English then in ``code``: its texts
    change, and no English UI text, catalog description, family name, promotion label or note
    remains (brand names, prices and numbers may)."""
    w, ctx = window
    ui, data, words = _english_leftovers(code)
    brands = sorted({p.name for p in CATALOG.products} | {p.house for p in CATALOG.products},
                    key=len, reverse=True)  # fmt: skip
    problems, changed = [], 0
    for screen, state, view in gallery(CATALOG):
        ctx.languages.set("en")
        ctx.vm.show(view)
        qapp.processEvents()
        english = _visible_texts(w)
        ctx.languages.set(code)  # a language change re-renders the current view
        qapp.processEvents()
        texts = _visible_texts(w)
        assert (w.layoutDirection() == Qt.LayoutDirection.RightToLeft) == (code == "ar")
        changed += texts != english
        for text in texts:
            if text in ui or any(d and d in text for d in data):
                problems.append(f"{screen}-{state}: English {text!r}")
            unbranded = text
            for brand in brands:  # "Glacier Fern" is a name, not the note "fern"
                unbranded = unbranded.replace(brand, "")
            problems += [f"{screen}-{state}: note {p.pattern!r} in {text!r}"
                         for p in words if p.search(unbranded)]  # fmt: skip
    assert not problems, "\n".join(sorted(set(problems)))
    assert changed == len(gallery(CATALOG))


def test_arabic_leaves_the_service_menu_out(found: set[Key]) -> None:
    """The service menu switches an Arabic kiosk to English (kiosk.ui.service.controller), so
    only its texts are missing from the Arabic extraction."""
    arabic = extract("ar")
    assert arabic < found
    left_out = {k[0] for k in found - arabic}
    assert left_out and all(not c.endswith("Screen") for c in left_out), left_out
    assert {k for k in extract("en")} == {k for k in found if k[3]}
