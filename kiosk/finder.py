"""The scent finder: a few questions ("When will you wear it?", "Which mood?", "How strong?")
whose answers weigh scent families, notes and intensity, and a ranked recommendation of
perfumes from the catalog.

Questions, answers and weights are data (``assets/catalog/finder.json``), validated as strictly
as the catalog: the first bad field raises one :class:`FinderError` naming its JSON path. The
schema and the scoring rule are in ``docs/finder.md``. Offers :class:`Finder` (``load``/
``loads``/``from_json``, ``choose``, ``combinations``, ``check_against``), :func:`recommend`
and :class:`Recommendation`. Qt-free.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from kiosk.catalog import ID_RE, Catalog, CatalogError, FieldReader, Product, decode_json

SCHEMA = 1
DEFAULT_FINDER = Path(__file__).resolve().parent.parent / "assets" / "catalog" / "finder.json"
WEIGHT_MIN, WEIGHT_MAX = -10, 10
_LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
_KEYWORD_RE = re.compile(r"(?=.{1,40}$)[a-z]+(?:[ '-][a-z]+)*")
_INTENSITY_RE = re.compile(r"[1-5]")


class FinderError(ValueError):
    """Invalid finder data; ``path`` is the JSON path of the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


class UnknownAnswerError(LookupError):
    """A question or answer id the finder does not have."""


@dataclass(frozen=True)
class LocalText:
    """A shopper-visible string in English and, optionally, other languages."""

    en: str
    translations: Mapping[str, str]  # language code ("fr", "ar") -> text

    def get(self, language: str) -> str:
        """The text in ``language`` (e.g. ``"fr"`` or ``"fr-CA"``), else English."""
        found = self.translations.get(language) or self.translations.get(language[:2])
        return found or self.en


@dataclass(frozen=True)
class Answer:
    id: str
    label: LocalText
    families: Mapping[str, int]  # scent family id -> weight
    notes: Mapping[str, int]  # lower-case note keyword (whole words) -> weight
    intensity: Mapping[int, int]  # intensity level 1..5 -> weight


@dataclass(frozen=True)
class Question:
    id: str
    prompt: LocalText
    answers: tuple[Answer, ...]

    def answer(self, answer_id: str) -> Answer:
        found = next((a for a in self.answers if a.id == answer_id), None)
        if found is None:
            raise UnknownAnswerError(f"question {self.id!r} has no answer {answer_id!r}")
        return found


@dataclass(frozen=True)
class Recommendation:
    product: Product
    score: int
    matched_notes: tuple[str, ...]  # the product's notes an answer weighs positively


@dataclass(frozen=True)
class Finder:
    questions: tuple[Question, ...]

    @classmethod
    def from_json(cls, data: object) -> Finder:
        """Validate decoded JSON data (raises :class:`FinderError`)."""
        try:
            return _parse_finder(FieldReader(data, "$"))
        except CatalogError as exc:
            raise FinderError(exc.path, exc.message) from None

    @classmethod
    def loads(cls, text: str) -> Finder:
        try:
            data = decode_json(text)
        except CatalogError as exc:
            raise FinderError(exc.path, exc.message) from None
        return cls.from_json(data)

    @classmethod
    def load(cls, path: Path = DEFAULT_FINDER) -> Finder:  # UTF-8 JSON file
        return cls.loads(path.read_text(encoding="utf-8"))

    def question(self, question_id: str) -> Question:
        found = next((q for q in self.questions if q.id == question_id), None)
        if found is None:
            raise UnknownAnswerError(f"no question {question_id!r}")
        return found

    def choose(self, choices: Mapping[str, str]) -> tuple[Answer, ...]:
        """The answers for ``{question id: answer id}``, in question order; a question left
        out counts as skipped (no preference)."""
        for question_id in choices:
            self.question(question_id)
        return tuple(q.answer(choices[q.id]) for q in self.questions if q.id in choices)

    def combinations(self) -> Iterator[tuple[Answer, ...]]:
        """Every way to answer all the questions."""
        return itertools.product(*(q.answers for q in self.questions))

    def check_against(self, catalog: Catalog) -> None:
        """Raise :class:`FinderError` if an answer weighs a family the catalog lacks."""
        known = {f.id for f in catalog.families}
        for i, question in enumerate(self.questions):
            for j, answer in enumerate(question.answers):
                for family in answer.families:
                    if family not in known:
                        path = f"$.questions[{i}].answers[{j}].families.{family}"
                        raise FinderError(path, f"unknown scent family {family!r} in the catalog")


def _words(text: str) -> str:
    return " " + " ".join(text.lower().replace("-", " ").split()) + " "


def score(product: Product, answers: Iterable[Answer]) -> Recommendation:
    """The product's score for ``answers``: for each answer, the weight of the product's family,
    plus the weight of each note keyword found (as whole words) in any of its notes, plus the
    weight of its intensity."""
    notes = (*product.notes.top, *product.notes.heart, *product.notes.base)
    spaced = [_words(n) for n in notes]
    total, matched = 0, set()
    for answer in answers:
        total += answer.families.get(product.family_id, 0)
        total += answer.intensity.get(product.intensity, 0)
        for keyword, weight in answer.notes.items():
            hits = [i for i, n in enumerate(spaced) if _words(keyword) in n]
            if hits:
                total += weight
                if weight > 0:
                    matched.update(hits)
    return Recommendation(product, total, tuple(notes[i] for i in sorted(matched)))


def recommend(
    catalog: Catalog,
    answers: Iterable[Answer],
    *,
    limit: int = 3,
    exclude: Collection[str] = (),
) -> tuple[Recommendation, ...]:
    """Up to ``limit`` products of ``catalog`` with a positive score, best first; ties keep
    catalog order. Products whose id is in ``exclude`` (e.g. sold out) are left out. If no
    product scores above zero, the single best one is returned, so a shopper always gets a
    suggestion when the catalog has any product left."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    chosen = tuple(answers)
    scored = [score(p, chosen) for p in catalog.products if p.id not in exclude]
    ranked = sorted(enumerate(scored), key=lambda item: (-item[1].score, item[0]))
    best = [r for _, r in ranked]
    positive = [r for r in best if r.score > 0]
    return tuple(positive[:limit] if positive else best[:1])


# --- parsing ---------------------------------------------------------------------------------


def _parse_finder(r: FieldReader) -> Finder:
    r.obj({"schema", "questions"})
    if r.integer("schema", lo=0) != SCHEMA:
        r.fail(f"unsupported schema, expected {SCHEMA}", "schema")
    return Finder(tuple(_parse_question(q) for q in r.items("questions", min_len=1)))


def _parse_text(r: FieldReader) -> LocalText:
    if not isinstance(r.value, dict):
        r.fail('expected an object of texts by language, with at least "en"')
    for key in r.value:
        if not isinstance(key, str) or not _LANG_RE.fullmatch(key):
            r.fail("bad language code", str(key))
    texts = {key: r.text(key, max_len=80) for key in r.value}
    if "en" not in texts:
        r.fail("missing required field", "en")
    english = texts.pop("en")
    return LocalText(english, MappingProxyType(texts))


def _parse_question(r: FieldReader) -> Question:
    r.obj({"id", "prompt", "answers"})
    r.claim("id", "question", question_id := r.ident("id"))
    answers = tuple(_parse_answer(a, question_id) for a in r.items("answers", min_len=2))
    return Question(question_id, _parse_text(r.child("prompt")), answers)


def _weights(r: FieldReader, key: str, pattern: re.Pattern[str]) -> dict[str, int]:
    if not r.has(key):
        return {}
    table = r.child(key)
    if not isinstance(table.value, dict):
        table.fail("expected an object of weights")
    for name in table.value:
        if not isinstance(name, str) or not pattern.fullmatch(name):
            table.fail("bad key", str(name))
    return {name: table.integer(name, lo=WEIGHT_MIN, hi=WEIGHT_MAX) for name in table.value}


def _parse_answer(r: FieldReader, question_id: str) -> Answer:
    r.obj({"id", "label"}, frozenset({"families", "notes", "intensity"}))
    r.claim("id", f"answer of {question_id}", answer_id := r.ident("id"))
    label = _parse_text(r.child("label"))
    families = _weights(r, "families", ID_RE)
    notes = _weights(r, "notes", _KEYWORD_RE)
    intensity = {int(k): v for k, v in _weights(r, "intensity", _INTENSITY_RE).items()}
    return Answer(
        answer_id,
        label,
        MappingProxyType(families),
        MappingProxyType(notes),
        MappingProxyType(intensity),
    )
