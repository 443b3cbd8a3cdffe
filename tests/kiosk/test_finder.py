"""The scent finder: the shipped questions against the demo catalog (every combination gets a
suggestion, hand-checked rankings), the scoring and tie-break rules, and strict validation of
the finder data (each bad field gives one FinderError naming its path)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from kiosk.catalog import Catalog
from kiosk.finder import (
    DEFAULT_FINDER,
    Answer,
    Finder,
    FinderError,
    LocalText,
    UnknownAnswerError,
    recommend,
    score,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "catalog" / "demo.json"
Data = dict[str, Any]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(DEMO)


@pytest.fixture(scope="module")
def finder() -> Finder:
    return Finder.load()


def finder_data() -> Data:
    data: Data = json.loads(DEFAULT_FINDER.read_text(encoding="utf-8"))
    return data


def pick(finder: Finder, when: str, mood: str, strength: str) -> tuple[Answer, ...]:
    return finder.choose({"when": when, "mood": mood, "strength": strength})


def answer(
    families: dict[str, int] | None = None,
    notes: dict[str, int] | None = None,
    intensity: dict[int, int] | None = None,
) -> Answer:
    return Answer("a", LocalText("A", {}), families or {}, notes or {}, intensity or {})


# --- the shipped data ------------------------------------------------------------------------


def test_shipped_finder_has_three_questions_in_three_languages(finder: Finder) -> None:
    assert [q.id for q in finder.questions] == ["when", "mood", "strength"]
    assert [len(q.answers) for q in finder.questions] == [3, 6, 3]
    for question in finder.questions:
        for text in (question.prompt, *(a.label for a in question.answers)):
            assert set(text.translations) == {"fr", "ar"}
            assert text.get("fr") != text.en and text.get("ar") != text.en
    when = finder.question("when")
    assert when.prompt.en == "When will you wear it?"
    assert when.prompt.get("fr-CA") == when.prompt.get("fr")  # region falls back to language
    assert when.prompt.get("de") == when.prompt.en  # unknown language falls back to English


def test_shipped_finder_matches_the_catalog(finder: Finder, catalog: Catalog) -> None:
    finder.check_against(catalog)
    for question in finder.questions:
        for a in question.answers:
            for keyword in a.notes:  # a typo would silently weigh nothing
                probe = answer(notes={keyword: 1})
                assert any(score(p, [probe]).score for p in catalog.products), keyword


def test_every_combination_recommends_from_its_mood(finder: Finder, catalog: Catalog) -> None:
    combinations = list(finder.combinations())
    assert len(combinations) == 3 * 6 * 3
    recommended: set[str] = set()
    for chosen in combinations:
        recs = recommend(catalog, chosen)
        assert 1 <= len(recs) <= 3
        assert all(r.score > 0 for r in recs)
        assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)
        assert all(catalog.product(r.product.id) is r.product for r in recs)
        mood = chosen[1]
        assert recs[0].product.family_id == max(mood.families, key=lambda f: mood.families[f])
        recommended.update(r.product.id for r in recs)
    assert recommended == {p.id for p in catalog.products}  # every perfume can be found


def test_stronger_answers_give_stronger_perfumes(finder: Finder, catalog: Catalog) -> None:
    for when in finder.question("when").answers:
        for mood in finder.question("mood").answers:
            levels = [
                mean(r.product.intensity for r in recommend(catalog, (when, mood, strength)))
                for strength in finder.question("strength").answers
            ]
            assert levels == sorted(levels), (when.id, mood.id, levels)


@pytest.mark.parametrize(
    ("choice", "top", "families", "intensities"),
    [
        (("day", "fresh", "light"), "tidal-linen", {"fresh"}, {1, 2}),
        (("evening", "warm", "intense"), "ember-silk", {"amber"}, {4, 5}),
        (("any", "sweet", "moderate"), "pistachio-morning", {"gourmand"}, {3, 4}),
        (("day", "zesty", "moderate"), "citron-spark", {"citrus"}, {2, 3}),
        (("evening", "woody", "intense"), "cedar-lantern", {"woody"}, {4, 5}),
        (("any", "romantic", "light"), "paper-camellia", {"floral"}, {2, 3}),
    ],
)
def test_hand_checked_rankings(
    finder: Finder,
    catalog: Catalog,
    choice: tuple[str, str, str],
    top: str,
    families: set[str],
    intensities: set[int],
) -> None:
    recs = recommend(catalog, pick(finder, *choice))
    assert recs[0].product.id == top
    assert {r.product.family_id for r in recs} == families
    assert {r.product.intensity for r in recs} <= intensities


def test_matched_notes_explain_the_choice(finder: Finder, catalog: Catalog) -> None:
    best = recommend(catalog, pick(finder, "evening", "warm", "intense"))[0]
    assert best.product.id == "ember-silk"
    assert best.matched_notes == ("saffron", "labdanum", "amber", "benzoin")  # pyramid order
    # ember-silk: amber 3+8, notes labdanum 1 + saffron, labdanum, amber, benzoin 2 each,
    # intensity 5: evening 2 + intense 4
    assert best.score == 11 + 9 + 6


# --- scoring rules ---------------------------------------------------------------------------


def test_score_adds_family_notes_and_intensity(catalog: Catalog) -> None:
    ember = catalog.product("ember-silk")  # amber, intensity 5, notes incl. rose and amber
    a = answer({"amber": 3, "woody": 9}, {"rose": 2, "amber": 1, "oud": 7}, {5: 4, 1: -9})
    b = answer({"amber": -1}, {"rose": -1}, {5: 1})
    result = score(ember, [a, b])
    assert result.score == 3 + (2 + 1) + 4 + (-1 - 1 + 1)
    assert result.matched_notes == ("rose", "amber")  # only positively weighed notes
    assert score(ember, []).score == 0


def test_note_keywords_match_whole_words(catalog: Catalog) -> None:
    aurora = catalog.product("aurora-veil")  # base: "white musk"
    assert score(aurora, [answer(notes={"musk": 2})]).score == 2
    assert score(aurora, [answer(notes={"white musk": 2})]).score == 2
    assert score(aurora, [answer(notes={"mus": 2})]).score == 0
    cedar = catalog.product("cedar-lantern")  # "cedarwood", "sandalwood"
    assert score(cedar, [answer(notes={"wood": 5})]).score == 0
    assert score(cedar, [answer(notes={"cedarwood": 5})]).score == 5


def test_ties_keep_catalog_order_and_exclusions_apply(catalog: Catalog) -> None:
    likes_floral = [answer({"floral": 1})]
    florals = [p.id for p in catalog.products if p.family_id == "floral"]
    assert [r.product.id for r in recommend(catalog, likes_floral, limit=10)] == florals
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    data["products"].reverse()
    reversed_catalog = Catalog.from_json(data)
    got = [r.product.id for r in recommend(reversed_catalog, likes_floral, limit=10)]
    assert got == florals[::-1]
    rest = recommend(catalog, likes_floral, limit=10, exclude={florals[0]})
    assert [r.product.id for r in rest] == florals[1:]


def test_no_positive_match_still_suggests_one(catalog: Catalog) -> None:
    dislikes = [answer({f.id: -1 for f in catalog.families}, intensity={5: 1})]
    recs = recommend(catalog, dislikes)
    loud = [p.id for p in catalog.products if p.intensity == 5]
    assert len(recs) == 1 and recs[0].score == 0 and recs[0].product.id == loud[0]
    everything = {p.id for p in catalog.products}
    assert recommend(catalog, dislikes, exclude=everything) == ()
    with pytest.raises(ValueError, match="limit"):
        recommend(catalog, dislikes, limit=0)


def test_choose_and_unknown_answers(finder: Finder) -> None:
    chosen = finder.choose({"strength": "light", "when": "day"})  # any order, one skipped
    assert [a.id for a in chosen] == ["day", "light"]
    assert finder.choose({}) == ()
    with pytest.raises(UnknownAnswerError):
        finder.choose({"when": "midnight"})
    with pytest.raises(UnknownAnswerError):
        finder.choose({"budget": "low"})


def test_check_against_names_an_unknown_family(catalog: Catalog) -> None:
    data = finder_data()
    data["questions"][1]["answers"][0]["families"]["aquatic"] = 3
    with pytest.raises(FinderError) as info:
        Finder.from_json(data).check_against(catalog)
    assert info.value.path == "$.questions[1].answers[0].families.aquatic"


# --- validation ------------------------------------------------------------------------------


def _set(path: str, value: object) -> Callable[[Data], None]:
    """A mutation setting ``path`` (dots and [i]) to ``value``; ``...`` deletes it."""

    def mutate(data: Data) -> None:
        node: Any = data
        parts = path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = parts[-1]
        key: Any = int(last) if isinstance(node, list) else last
        if value is ...:
            del node[key]
        else:
            node[key] = value

    return mutate


Q0A0 = "questions[0].answers[0]"
BAD: list[tuple[str, Callable[[Data], None], str]] = [
    ("$.schema", _set("schema", 2), "unsupported schema"),
    ("$.extra", _set("extra", True), "unknown field"),
    ("$.questions", _set("questions", []), "at least 1"),
    ("$.questions", _set("questions", ...), "missing"),
    ("$.questions[1].id", _set("questions[1].id", "when"), "duplicate question"),
    ("$.questions[0].id", _set("questions[0].id", "no spaces"), "bad format"),
    ("$.questions[0].prompt", _set("questions[0].prompt", "When?"), "texts by language"),
    ("$.questions[0].prompt.en", _set("questions[0].prompt.en", ...), "missing"),
    ("$.questions[0].prompt.en", _set("questions[0].prompt.en", ""), "printable"),
    ("$.questions[0].prompt.French", _set("questions[0].prompt.French", "x"), "language code"),
    ("$.questions[0].prompt.fr", _set("questions[0].prompt.fr", "a\nb"), "printable"),
    ("$.questions[0].answers", _set("questions[0].answers", []), "at least 2"),
    ("$.questions[0].answers[1].id", _set("questions[0].answers[1].id", "day"), "duplicate"),
    (f"$.{Q0A0}.label", _set(f"{Q0A0}.label", ...), "missing"),
    (f"$.{Q0A0}.colour", _set(f"{Q0A0}.colour", "red"), "unknown field"),
    (f"$.{Q0A0}.families", _set(f"{Q0A0}.families", [1]), "object of weights"),
    (f"$.{Q0A0}.families.fresh", _set(f"{Q0A0}.families.fresh", 11), "-10..10"),
    (f"$.{Q0A0}.families.fresh", _set(f"{Q0A0}.families.fresh", 1.5), "integer"),
    (f"$.{Q0A0}.families.fresh", _set(f"{Q0A0}.families.fresh", True), "integer"),
    (f"$.{Q0A0}.families.bad id", _set(f"{Q0A0}.families.bad id", 1), "bad key"),
    (f"$.{Q0A0}.notes.Bergamot", _set(f"{Q0A0}.notes.Bergamot", 1), "bad key"),
    (f"$.{Q0A0}.notes.sea  salt", _set(f"{Q0A0}.notes.sea  salt", 1), "bad key"),
    (f"$.{Q0A0}.notes.{'a' * 41}", _set(f"{Q0A0}.notes.{'a' * 41}", 1), "bad key"),
    (f"$.{Q0A0}.notes.musk", _set(f"{Q0A0}.notes.musk", "1"), "integer"),
    (f"$.{Q0A0}.intensity.6", _set(f"{Q0A0}.intensity.6", 1), "bad key"),
    (f"$.{Q0A0}.intensity.0", _set(f"{Q0A0}.intensity.0", 1), "bad key"),
    (f"$.{Q0A0}.intensity.1", _set(f"{Q0A0}.intensity.1", -11), "-10..10"),
    (f"$.{Q0A0}.intensity.5", _set(f"{Q0A0}.intensity", {5: 1}), "bad key"),  # not from JSON
]


@pytest.mark.parametrize(("path", "mutate", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_bad_finder_data_names_its_path(
    path: str, mutate: Callable[[Data], None], fragment: str
) -> None:
    data = finder_data()
    mutate(data)
    before = copy.deepcopy(data)
    with pytest.raises(FinderError) as info:
        Finder.from_json(data)
    assert info.value.path == path
    assert fragment in info.value.message
    assert str(info.value) == f"{path}: {info.value.message}"
    assert data == before  # validation does not modify its input
    Finder.from_json(finder_data())  # and the untouched data still loads


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("{", "not JSON"), ('{"schema": 1, "schema": 1}', "duplicate key"), ("[]", "object")],
)
def test_bad_finder_text(text: str, fragment: str, tmp_path: Path) -> None:
    path = tmp_path / "finder.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FinderError) as info:
        Finder.load(path)
    assert info.value.path == "$" and fragment in info.value.message


def test_weights_are_optional_and_read_only() -> None:
    data = finder_data()
    del data["questions"][0]["answers"][2]["families"]
    del data["questions"][0]["answers"][2]["notes"]
    del data["questions"][0]["answers"][2]["intensity"]
    any_time = Finder.from_json(data).question("when").answer("any")
    assert (dict(any_time.families), dict(any_time.notes), dict(any_time.intensity)) == ({}, {}, {})
    day = Finder.from_json(data).question("when").answer("day")
    assert day.intensity[2] == data["questions"][0]["answers"][0]["intensity"]["2"]
    with pytest.raises(TypeError):
        day.families["amber"] = 10  # type: ignore[index]
