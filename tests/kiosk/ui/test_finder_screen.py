"""The scent finder in the real window: each question and the results in English, French and
Arabic, portrait and landscape, large text and reach mode, with no overflow, small text or
small targets; questions and answers from the finder data in the shopper's language, progress,
back and "no preference"; the answers go to :func:`kiosk.finder.recommend` (sold-out perfumes
left out) and the ids to the view-model; result cards in the view's order, tappable unless
sold out; "start again"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.finder import recommend
from kiosk.journey import Screen, View
from kiosk.ui.screens.finder import FinderScreen
from kiosk.ui.widgets_cards import ProductCard
from tests.kiosk.ui.shop_support import SIZES, ShopUi

LANGUAGES = ["en", "fr", "ar"]


def finder(ui: ShopUi) -> FinderScreen:
    screen = ui.screen(Screen.FINDER)
    assert isinstance(screen, FinderScreen)
    return screen


def shown_answers(screen: FinderScreen) -> list[str]:
    return [
        screen.answer_texts[i].text() for i, b in enumerate(screen.answers) if b.isVisibleTo(screen)
    ]


def results_view(ui: ShopUi) -> View:
    ids = tuple(p.id for p in ui.catalog.products[3:6])
    gone = frozenset(o.sku for o in ui.catalog.products[4].offers)
    return View(screen=Screen.FINDER, recommendations=ids, sold_out=gone)


def walk_every_step(ui: ShopUi, what: str, *, reach: bool = False) -> list[str]:
    """Render each question (answering the first answer) and the results; audit each."""
    screen = finder(ui)
    ui.show(View(screen=Screen.FINDER))
    screen.restart()
    problems = []
    for step in range(len(screen.finder.questions)):
        ui.app.processEvents()
        problems += ui.problems(f"{what} question {step + 1}")
        if reach:
            problems += ui.controls_above_half(f"{what} question {step + 1}")
        if step + 1 < len(screen.finder.questions):
            screen.answers[0].click()
    ui.show(results_view(ui))
    problems += ui.problems(f"{what} results")
    if reach:
        problems += ui.controls_above_half(f"{what} results")
    return problems


@pytest.mark.parametrize("orientation", list(SIZES))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_step_fits_in_each_language_and_orientation(
    ui: ShopUi, lang: str, orientation: str
) -> None:
    ui.set(lang=lang, orientation=orientation)
    problems = walk_every_step(ui, f"{lang}-{orientation}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("orientation", list(SIZES))
def test_large_text_in_french_still_fits(ui: ShopUi, orientation: str) -> None:
    ui.set(lang="fr", orientation=orientation, large=True)
    problems = walk_every_step(ui, "large")
    assert not problems, "\n".join(problems)


def test_reach_mode_fits_with_every_control_in_the_lower_half(ui: ShopUi) -> None:
    ui.set(lang="fr")
    ui.ctx.settings.toggle_reach()
    problems = walk_every_step(ui, "reach", reach=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_questions_and_answers_come_from_the_data_in_the_shoppers_language(
    ui: ShopUi, lang: str
) -> None:
    ui.set(lang=lang)
    ui.show(View(screen=Screen.FINDER))
    screen = finder(ui)
    for step, question in enumerate(screen.finder.questions):
        assert screen.prompt.text() == question.prompt.get(lang)
        assert shown_answers(screen) == [a.label.get(lang) for a in question.answers]
        assert screen.progress.level == step + 1
        assert screen.progress.count == len(screen.finder.questions)
        number = ui.ctx.languages.number
        assert number(step + 1) in screen.progress_text.text()
        assert number(len(screen.finder.questions)) in screen.progress_text.text()
        if step + 1 < len(screen.finder.questions):
            screen.answers[len(question.answers) - 1].click()
    if lang == "fr":
        assert screen.prompt.text() != screen.finder.questions[-1].prompt.en


def test_answers_are_large_and_a_column_in_portrait(ui: ShopUi) -> None:
    screen = finder(ui)
    for orientation, columns in (("portrait", 1), ("landscape", 2)):
        ui.set(orientation=orientation)
        ui.show(View(screen=Screen.FINDER))
        shown = [b for b in screen.answers if b.isVisibleTo(screen)]
        assert len({b.x() for b in shown}) == columns
        assert all(b.height() >= 110 and b.width() >= 400 for b in shown)


def test_answering_every_question_asks_for_recommendations(ui: ShopUi, qtbot: QtBot) -> None:
    sold = ui.catalog.products[0]
    view = View(screen=Screen.FINDER, sold_out=frozenset(o.sku for o in sold.offers))
    ui.show(view)
    screen = finder(ui)
    picked = {}
    for question in screen.finder.questions:
        index = len(question.answers) // 2
        picked[question.id] = question.answers[index].id
        qtbot.mouseClick(screen.answers[index], Qt.MouseButton.LeftButton)
    answers = screen.finder.choose(picked)
    expected = recommend(ui.catalog, answers, limit=3, exclude={sold.id})
    assert ui.vm.calls == [("show_recommendations", tuple(r.product.id for r in expected))]
    ids = ui.vm.calls[0][1]
    assert 1 <= len(ids) <= 3 and sold.id not in ids


def test_no_preference_skips_a_question(ui: ShopUi, qtbot: QtBot) -> None:
    ui.show(View(screen=Screen.FINDER))
    screen = finder(ui)
    qtbot.mouseClick(screen.skip, Qt.MouseButton.LeftButton)
    assert screen.step == 1 and screen.finder.questions[0].id not in screen.choices
    while ui.vm.calls == []:
        qtbot.mouseClick(screen.answers[0], Qt.MouseButton.LeftButton)
    answers = screen.finder.choose(screen.choices)
    expected = recommend(ui.catalog, answers, limit=3)
    assert ui.vm.calls == [("show_recommendations", tuple(r.product.id for r in expected))]


def test_back_goes_to_the_previous_question_then_leaves(ui: ShopUi, qtbot: QtBot) -> None:
    ui.show(View(screen=Screen.FINDER))
    screen = finder(ui)
    first = screen.finder.questions[0]
    qtbot.mouseClick(screen.answers[1], Qt.MouseButton.LeftButton)
    assert screen.step == 1
    qtbot.mouseClick(screen.back_button, Qt.MouseButton.LeftButton)
    assert screen.step == 0
    assert screen.prompt.text() == first.prompt.en
    assert [b.selected for b in screen.answers[: len(first.answers)]] == [
        i == 1 for i in range(len(first.answers))
    ], "the previous answer is shown as chosen"
    assert ui.vm.calls == []
    qtbot.mouseClick(screen.back_button, Qt.MouseButton.LeftButton)
    assert ui.vm.calls == [("back", None)]


def test_results_show_the_views_perfumes_in_order(ui: ShopUi, qtbot: QtBot) -> None:
    view = results_view(ui)
    ui.show(view)
    screen = finder(ui)
    cards = [c for c in screen.findChildren(ProductCard) if c.isVisibleTo(screen)]
    cards.sort(key=lambda c: (c.y(), c.x()))
    assert [c.product_id for c in cards] == list(view.recommendations)
    assert all(c.height() >= 200 for c in cards)
    assert [c.badge.isVisibleTo(c) for c in cards] == [True, False, False]
    sold = screen.results[ui.catalog.products[4].id]
    assert not sold.isEnabled() and sold.pill.isVisibleTo(sold)
    for c in cards:
        qtbot.mouseClick(c, Qt.MouseButton.LeftButton)
    assert ui.vm.calls == [("show_product", c.product_id) for c in cards if not c.sold_out]
    assert not screen.progress.isVisibleTo(screen)


def test_start_again_and_a_new_visit_begin_at_the_first_question(ui: ShopUi, qtbot: QtBot) -> None:
    screen = finder(ui)
    ui.show(View(screen=Screen.FINDER))
    screen.answers[0].click()
    ui.show(results_view(ui))
    qtbot.mouseClick(screen.again, Qt.MouseButton.LeftButton)
    assert ui.vm.calls == [("open_finder", None)]
    assert screen.step == 0 and screen.choices == {}
    ui.show(View(screen=Screen.FINDER))  # what the journey shows after open_finder
    assert screen.pages.currentWidget() is screen.question_page
    screen.answers[0].click()
    assert screen.step == 1
    ui.show(View(screen=Screen.BROWSE))
    ui.show(View(screen=Screen.FINDER))
    assert screen.step == 0
    assert screen.prompt.text() == screen.finder.questions[0].prompt.en


def test_screen_texts_are_translated(ui: ShopUi) -> None:
    ui.set(lang="fr")
    ui.show(View(screen=Screen.FINDER))
    screen = finder(ui)
    data = {q.prompt.get("fr") for q in screen.finder.questions}
    data |= {a.label.get("fr") for q in screen.finder.questions for a in q.answers}
    texts = [w.text() for w in screen.findChildren(QLabel) if w.isVisibleTo(screen) and w.text()]
    texts += [screen.back_button.text(), screen.skip.text()]
    assert [t for t in texts if "ŵ" not in t and t not in data] == []
