"""The kiosk window: a header (logo, text size, reach mode, language), the screen stack, the
"still there?" prompt, and the reach mode that moves every control into the lower half.

The window switches the stack to the view's screen and asks that screen to render it; on a
language or display-settings change it re-applies the style sheet and re-renders. Screens can
be added after the window is shown (:meth:`KioskWindow.add_screen`): the running kiosk paints
the attract loop first and builds the others behind it.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from kiosk.journey.view import Screen, View
from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.idle import IdleWatcher
from kiosk.ui.screens.base import ScreenBase, UiContext
from kiosk.ui.widgets import SvgImage, button, card, label

LOGO = "assets/brand/logo-light.svg"


class Header(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        row = QHBoxLayout(self)
        row.setContentsMargins(32, 16, 32, 16)
        self.logo = SvgImage(LOGO)
        self.logo.setFixedSize(220, 72)
        self.text_size = button(name="textSize")
        self.reach = button(name="reach")
        self.language = button(name="language")
        for toggle in (self.text_size, self.reach):
            toggle.setCheckable(True)
        self.text_size.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # "A+", never "+A"
        row.addWidget(self.logo)
        row.addStretch(1)
        for b in (self.text_size, self.reach, self.language):
            row.addWidget(b)
        self.text_size.clicked.connect(ctx.settings.toggle_large_text)
        self.reach.clicked.connect(ctx.settings.toggle_reach)
        self.language.clicked.connect(self._on_language_clicked)

    def retranslate(self) -> None:
        settings = self.ctx.settings
        # Symbols every shopper knows, so the header fits in every language; screen readers
        # and tests get the words through the accessible names.
        self.text_size.setText("\u200eA−\u200e" if settings.large_text else "\u200eA+\u200e")
        self.text_size.setChecked(settings.large_text)
        self.text_size.setAccessibleName(
            self.tr("Normal text") if settings.large_text else self.tr("Large text")
        )
        self.reach.setText("♿")
        self.reach.setChecked(settings.reach)
        self.reach.setAccessibleName(
            self.tr("Controls back to normal")
            if settings.reach
            else self.tr("Controls within reach")
        )
        nxt = self.ctx.languages.next_code()
        self.language.setText(dict(LANGUAGES)[nxt])
        self.language.setAccessibleName(self.tr("Change language"))

    def _on_language_clicked(self) -> None:
        self.ctx.languages.set(self.ctx.languages.next_code())


class IdlePrompt(QWidget):
    """A dimmed overlay with a card: "Still there?" and a large "Yes" button."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("background: rgba(0, 0, 0, 170);")
        outer = QVBoxLayout(self)
        box = card()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(48, 48, 48, 48)
        inner.setSpacing(24)
        self.title = label(role="heading", name="idleTitle")
        self.detail = label(role="muted", name="idleDetail")
        self.yes = button(role="primary", name="idleYes")
        for w in (self.title, self.detail, self.yes):
            inner.addWidget(w)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        box.setMinimumWidth(640)
        self.hide()

    def show_left(self, seconds: int) -> None:
        self.title.setText(self.tr("Still there?"))
        self.detail.setText(self.tr("We will start over in %n second(s).", "", seconds))
        self.yes.setText(self.tr("Yes, I'm here"))
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()


class KioskWindow(QWidget):
    def __init__(
        self,
        ctx: UiContext,
        screens: Mapping[Screen, ScreenBase],
        *,
        idle_s: float = 60.0,
        prompt_s: int = 10,
    ) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.ctx = ctx
        self.screens = dict(screens)
        self.header = Header(ctx)
        self.stack = QStackedWidget()
        for screen in self.screens.values():
            self.stack.addWidget(screen)
        self.reach_panel = SvgImage(LOGO)
        self.reach_panel.setObjectName("reachPanel")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.prompt = IdlePrompt(self)
        self.idle = IdleWatcher(ctx.vm, idle_s=idle_s, prompt_s=prompt_s)
        self.idle.promptDidShow.connect(self.prompt.show_left)
        self.idle.promptDidTick.connect(self.prompt.show_left)
        self.idle.promptDidHide.connect(self.prompt.hide)
        self.prompt.yes.clicked.connect(self.idle.poke)
        self._current: ScreenBase | None = None
        ctx.vm.viewChanged.connect(self._on_vm_view_changed)
        ctx.languages.changed.connect(lambda _code: self.refresh())
        ctx.settings.changed.connect(self.refresh)
        self._arrange()
        self.refresh()

    @property
    def current(self) -> ScreenBase | None:
        return self._current

    def add_screen(self, screen: Screen, page: ScreenBase) -> None:
        """Add a screen built after the window (shown at once if the view is already on it)."""
        if screen in self.screens:
            raise ValueError(f"the window has a {screen.value} screen already")
        self.screens[screen] = page
        # Not the current page: its size must not count in the stack's minimum size.
        page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.stack.addWidget(page)
        if self.ctx.vm.view.screen is screen:
            self._on_vm_view_changed(self.ctx.vm.view)

    def refresh(self) -> None:
        """Re-style and re-render everything (language or display settings changed)."""
        self.setStyleSheet(self.ctx.theme.stylesheet())
        self._arrange()
        self.header.retranslate()
        self._on_vm_view_changed(self.ctx.vm.view)

    def _arrange(self) -> None:
        """Normal: header, stack. Reach mode: a calm panel on top, then stack and header."""
        for w in (self.reach_panel, self.header, self.stack):
            self._layout.removeWidget(w)
        if self.ctx.settings.reach:
            self.reach_panel.show()
            self._layout.addWidget(self.reach_panel, 1)
            self._layout.addWidget(self.stack, 1)
            self._layout.addWidget(self.header, 0)
        else:
            self.reach_panel.hide()
            self._layout.addWidget(self.header, 0)
            self._layout.addWidget(self.stack, 1)

    def _on_vm_view_changed(self, view: View) -> None:
        screen = self.screens.get(view.screen)
        if screen is None:
            return
        if screen is not self._current:
            if self._current is not None:
                self._current.left()
            self.stack.setCurrentWidget(screen)
            self._current = screen
            # The stack's minimum size is its current screen's, not the largest screen's.
            for page in self.screens.values():
                policy = (
                    QSizePolicy.Policy.Expanding if page is screen else QSizePolicy.Policy.Ignored
                )
                page.setSizePolicy(policy, policy)
                page.updateGeometry()
            screen.render(view)
            screen.entered(view)
        else:
            screen.render(view)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.header.retranslate()
        super().changeEvent(event)

    def resizeEvent(self, event: object) -> None:
        if self.prompt.isVisible():
            self.prompt.setGeometry(self.rect())
