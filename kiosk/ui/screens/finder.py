"""The scent finder: one question per step (large answer buttons, "No preference", a 1/3 2/3
3/3 progress, back), then up to three recommended perfumes as large cards.

Questions and answers are data (:mod:`kiosk.finder`, ``assets/catalog/finder.json``) and carry
their own translations, shown in the shopper's language. After the last answer the screen asks
:func:`kiosk.finder.recommend` (sold-out perfumes left out) and hands the ids to the journey
(``vm.show_recommendations``); ``view.recommendations`` is what the results show.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalog import Product
from kiosk.finder import Answer, Finder, Question, recommend
from kiosk.journey import View
from kiosk.ui.assets import asset_path
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.theme import ACCENT, LINE, SURFACE
from kiosk.ui.widgets import button, label
from kiosk.ui.widgets_cards import ProductCard, cheapest
from kiosk.ui.widgets_shop import (
    Dot,
    Glyph,
    Pressable,
    SegmentMeter,
    fade_in,
    family_colour,
    follow_direction,
    place,
    reach_gap,
    scrolling,
)

FINDER_DATA = "assets/catalog/finder.json"
MARGIN, TOP = 48, 20


def _lean(answer: Answer) -> str:
    """The colour of the family an answer weighs most (the accent when it weighs none)."""
    liked = [(weight, family) for family, weight in answer.families.items() if weight > 0]
    return family_colour(max(liked)[1]) if liked else ACCENT


class FinderScreen(ScreenBase):
    def _setup_ui(self) -> None:
        self.setObjectName("finder")
        self.finder = Finder.load(asset_path(FINDER_DATA))
        self.step = 0
        self.choices: dict[str, str] = {}
        self.results: dict[str, ProductCard] = {}
        self._view = View()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, TOP, MARGIN, 32)
        outer.setSpacing(12)
        top = QHBoxLayout()
        self.back_button = button(role="ghost", name="finderBack")
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.progress_text = label(role="muted", name="finderProgressText", wrap=False)
        self.progress = SegmentMeter(len(self.finder.questions), name="finderProgress")
        top.addWidget(self.back_button)
        top.addStretch(1)
        top.addWidget(self.progress_text)
        top.addSpacing(16)
        top.addWidget(self.progress)
        outer.addLayout(top)
        self.emblem = Glyph("ring", side=200)
        self.emblem.setObjectName("finderEmblem")
        self.kicker = label(role="muted", name="finderKicker")
        self.prompt = label(role="title", name="finderPrompt")
        outer.addSpacing(12)
        outer.addWidget(self.emblem, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addSpacing(12)
        outer.addWidget(self.kicker)
        outer.addWidget(self.prompt)
        outer.addSpacing(16)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)
        self._build_questions()
        self._build_results()

    def _build_questions(self) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        self.answer_grid = QGridLayout()
        self.answer_grid.setSpacing(20)
        self.answers: list[Pressable] = []  # built once, as many as the longest question needs
        self.answer_texts: list[QLabel] = []
        self.answer_dots: list[Dot] = []
        for i in range(max(len(q.answers) for q in self.finder.questions)):
            b = Pressable(fill=SURFACE, border=LINE, radius=28, inset=6, name=f"answer{i}")
            inner = QHBoxLayout(b)
            inner.setContentsMargins(40, 30, 40, 30)
            inner.setSpacing(28)
            dot = Dot()
            text = label(role="heading", name=f"answer{i}Text")
            inner.addWidget(dot)
            inner.addWidget(text, 1)
            b.adopt(dot, text)
            self.answer_texts.append(text)
            self.answer_dots.append(dot)
            b.clicked.connect(lambda _checked=False, index=i: self._on_answer_clicked(index))
            self.answers.append(b)
        self.skip = button(role="ghost", name="finderSkip")
        self.skip.clicked.connect(self._on_skip_clicked)
        host = QWidget()
        hl = QVBoxLayout(host)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addLayout(self.answer_grid)
        hl.addSpacing(8)
        hl.addWidget(self.skip, 0, Qt.AlignmentFlag.AlignHCenter)
        hl.addStretch(1)
        lay.addWidget(scrolling(host, "finderAnswers"))
        self.question_page = page
        self.pages.addWidget(page)

    def _build_results(self) -> None:
        self.result_host = QWidget()
        lay = QVBoxLayout(self.result_host)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(24)
        self.result_grid = QGridLayout()
        self.result_grid.setSpacing(24)
        self.again = button(role="primary", name="finderAgain")
        self.again.clicked.connect(self._on_again_clicked)
        lay.addLayout(self.result_grid)
        lay.addSpacing(8)
        lay.addWidget(self.again, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(1)
        self.result_page = scrolling(self.result_host, "finderResults")
        self.pages.addWidget(self.result_page)

    @property
    def question(self) -> Question:
        return self.finder.questions[min(self.step, len(self.finder.questions) - 1)]

    # -- rendering ------------------------------------------------------------------------------
    def render(self, view: View) -> None:
        self._view = view
        self.back_button.setText("‹  " + self.tr("Back"))
        self.kicker.setText(self.tr("Find my scent"))
        if view.recommendations:
            self._render_results(view)
        else:
            self._render_question()
        self.rearrange()
        follow_direction(self, self.ctx.languages.rtl)

    def _render_question(self) -> None:
        lang = self.ctx.languages.code
        total = len(self.finder.questions)
        question = self.question
        self.pages.setCurrentWidget(self.question_page)
        self.progress.show()
        self.progress_text.show()
        number = self.ctx.languages.number
        progress = self.tr("Question %1 of %2")
        progress = progress.replace("%1", number(self.step + 1)).replace("%2", number(total))
        self.progress_text.setText(progress)
        self.progress.set_level(self.step + 1, progress)
        self.prompt.setText(question.prompt.get(lang))
        chosen = self.choices.get(question.id)
        for i, b in enumerate(self.answers):
            answer = question.answers[i] if i < len(question.answers) else None
            b.setVisible(answer is not None)
            if answer is not None:
                text = answer.label.get(lang)
                self.answer_texts[i].setText(text)
                self.answer_dots[i].set_colour(_lean(answer))
                b.setAccessibleName(text)
                b.set_selected(answer.id == chosen)
        self.skip.setText(self.tr("No preference"))

    def _render_results(self, view: View) -> None:
        catalog = self.ctx.catalog
        self.pages.setCurrentWidget(self.result_page)
        self.progress.hide()
        self.progress_text.hide()
        self.prompt.setText(self.tr("Chosen for you"))
        products = [p for p in catalog.products if p.id in view.recommendations]
        products.sort(key=lambda p: view.recommendations.index(p.id))
        ids = tuple(p.id for p in products)
        if ids != tuple(self.results):
            self._build_cards(products)
        for rank, p in enumerate(products):
            self._render_card(self.results[p.id], p, view, best=rank == 0)
        self.again.setText(self.tr("Start again"))

    def _build_cards(self, products: list[Product]) -> None:
        for c in self.results.values():
            c.hide()
            c.deleteLater()
        self.results = {}
        for p in products:
            c = ProductCard(p, glow=family_colour(p.family_id), name=f"result-{p.id}")
            c.clicked.connect(lambda _checked=False, pid=p.id: self._on_result_clicked(pid))
            self.results[p.id] = c
        fade_in(self.result_host, ms=400)

    def _render_card(self, card: ProductCard, p: Product, view: View, *, best: bool) -> None:
        code = self.ctx.languages.code
        family = self.ctx.catalog.family_name(p.family_id, code)
        local = self.ctx.catalog.notes_in(p, code)
        notes = self.ctx.languages.join((*local.top[:1], *local.heart[:2]))
        card.set_extra(
            badge=self.tr("Best match") if best else "",
            detail=f"{family} · {notes}",
        )
        offer, several = cheapest(p, view)
        card.set_state(
            from_text=self.tr("from") if several else "",
            price=self.ctx.languages.money(offer.list_price),
            sold_out=view.product_sold_out(p),
            sold_out_text=self.tr("Sold out"),
        )

    def rearrange(self) -> None:
        """Answer and result columns and sizes for the current width and height, on every
        resize and render."""
        gap = reach_gap(self, self.ctx.settings.reach)
        self.layout().setContentsMargins(MARGIN, TOP + gap, MARGIN, 32)  # type: ignore[union-attr]
        wide = self.width() >= 1400
        tall = self.height() - gap >= 1400
        self.emblem.setVisible(tall and not self._view.recommendations)
        place(self.answer_grid, self.answers[: len(self.question.answers)], 1 if tall else 2)
        for b in self.answers:
            b.setMinimumHeight(150 if tall else 110)
        if self.results:
            # portrait: one column of wide cards (picture beside text); landscape: three
            horizontal = not wide
            side = 300 if tall else (190 if wide else 220)
            for c in self.results.values():
                c.set_horizontal(horizontal, side=side)
            columns = 1 if horizontal else min(3, len(self.results))
            place(self.result_grid, list(self.results.values()), columns)

    def entered(self, view: View) -> None:
        if not view.recommendations:
            self.restart()

    def restart(self) -> None:
        """Back to the first question with no answers (a new visit, or "Start again")."""
        self.step = 0
        self.choices = {}
        self.render(self._view)
        fade_in(self.pages)

    # -- steps ----------------------------------------------------------------------------------
    def _advance(self) -> None:
        if self.step + 1 < len(self.finder.questions):
            self.step += 1
            self.render(self._view)
            fade_in(self.pages)
            return
        exclude = {p.id for p in self.ctx.catalog.products if self._view.product_sold_out(p)}
        answers = self.finder.choose(self.choices)
        found = recommend(self.ctx.catalog, answers, limit=3, exclude=exclude)
        self.vm.show_recommendations(tuple(r.product.id for r in found))

    # -- slots ----------------------------------------------------------------------------------
    def _on_answer_clicked(self, index: int) -> None:
        question = self.question
        if index < len(question.answers):
            self.choices[question.id] = question.answers[index].id
            self._advance()

    def _on_skip_clicked(self) -> None:
        self.choices.pop(self.question.id, None)
        self._advance()

    def _on_back_button_clicked(self) -> None:
        if self.step > 0 and not self._view.recommendations:
            self.step -= 1
            self.render(self._view)
            fade_in(self.pages)
        else:
            self.vm.back()

    def _on_again_clicked(self) -> None:
        self.restart()
        self.vm.open_finder()

    def _on_result_clicked(self, product_id: str) -> None:
        self.vm.show_product(product_id)
