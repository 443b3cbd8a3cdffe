"""Catalog text in the shopper's language.

English is a catalog's base language. An optional ``i18n`` object next to a family, product or
promotion gives other languages, ``{"fr": {"description": "..."}, "ar": {...}}``; the catalog's
top-level ``i18n`` holds a glossary of note (ingredient) names, ``{"fr": {"notes": {"pear":
"poire"}}}``. Offers :class:`Localized` (one entry's translations, with English fallback),
:func:`parse_i18n` and :func:`parse_note_glossary`, as strict as the rest of the catalog
(errors name the JSON path, e.g. ``$.products[3].i18n.fr.description``). Schema in
``docs/pricing.md``. Qt-free.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.catalog import FieldReader

BASE_LANGUAGE = "en"
LANGUAGE_RE = re.compile(r"[a-z]{2,3}")  # ISO 639 code, lower case, no region


def language_of(code: str) -> str:
    """The bare language of a code: ``"fr-CA"``, ``"fr_FR"`` and ``"FR"`` give ``"fr"``."""
    return re.split(r"[-_]", code, maxsplit=1)[0].lower()


@dataclass(frozen=True)
class Localized:
    """Translations of some text fields of one catalog entry, as sorted
    ``(language, field, text)`` triples; :meth:`get` falls back to the English text."""

    entries: tuple[tuple[str, str, str], ...] = ()
    _index: Mapping[tuple[str, str], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {(lang, f): text for lang, f, text in self.entries})

    def get(self, field_name: str, language: str, english: str) -> str:
        """``field_name`` in ``language`` (``"fr"``, ``"fr-CA"``), else ``english``."""
        return self._index.get((language_of(language), field_name), english)

    def has(self, field_name: str, language: str) -> bool:
        return (language_of(language), field_name) in self._index

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(lang for lang, _, _ in self.entries)


NO_TRANSLATIONS = Localized()


def _languages(r: FieldReader) -> Iterator[tuple[str, FieldReader]]:
    """Each ``(language, reader)`` of an ``i18n`` object, checking the language codes."""
    if not isinstance(r.value, dict):
        r.fail("expected an object of languages")
    for code in r.value:
        if code == BASE_LANGUAGE:
            r.fail("English is the base text, not a translation", code)
        if not LANGUAGE_RE.fullmatch(code):
            r.fail("expected a lower-case ISO 639 language code such as 'fr'", code)
        yield code, r.child(code)


def _non_empty(r: FieldReader, allowed: Collection[str]) -> None:
    r.obj(set(), frozenset(allowed))
    if not r.value:
        r.fail(f"expected at least one of {', '.join(sorted(allowed))}")


def parse_i18n(r: FieldReader, fields: Mapping[str, int]) -> Localized:
    """The optional ``i18n`` object of the entry read by ``r``; ``fields`` maps each
    translatable field to its maximum length (translations are at least 1 character)."""
    if not r.has("i18n"):
        return NO_TRANSLATIONS
    entries = []
    for code, lang in _languages(r.child("i18n")):
        _non_empty(lang, fields)
        assert isinstance(lang.value, dict)  # checked by _non_empty
        entries += [(code, name, lang.text(name, max_len=fields[name])) for name in lang.value]
    return Localized(tuple(sorted(entries)))


def parse_note_glossary(r: FieldReader, notes: Collection[str]) -> Localized:
    """The catalog's optional top-level ``i18n``: per language, ``notes`` maps a note used by
    some product (English, as written there) to its name in that language."""
    if not r.has("i18n"):
        return NO_TRANSLATIONS
    entries = []
    for code, lang in _languages(r.child("i18n")):
        _non_empty(lang, ("notes",))
        names = lang.child("notes")
        if not isinstance(names.value, dict) or not names.value:
            names.fail("expected an object of note names")
        for note in names.value:
            if note not in notes:
                names.fail(f"no product has the note {note!r}", note)
            entries.append((code, note, names.text(note, max_len=40)))
    return Localized(tuple(sorted(entries)))
