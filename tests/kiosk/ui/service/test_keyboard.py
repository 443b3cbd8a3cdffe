"""The service keyboard's French page: every accented letter (and its capital) and sign is typed
by tapping keys, an accented note typed on the screens reaches the ledger event unchanged, the
accents page passes the accessibility audit (keys >= 80 px, labels that fit, nothing squeezed)
in English and French, portrait and landscape, and a field that takes no accents (lot number)
turns it off."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.ui.i18n_build import compile_translations
from kiosk.ui.service.keypad import ACCENTED, ACCENTS, DIGITS, SHIFT, TEXT, Keypad
from kiosk.ui.theme import TOUCH_MIN
from sync.protocol import EventType
from tests.kiosk.ui.audit import audit
from tests.kiosk.ui.service.support import SIZES, Kit, run_on_qasync, service_window
from tests.kiosk.ui.service.test_service_accessibility import clipped
from tests.kiosk.ui.service.test_transactions_screens import FAST, open_txn, sell_bottle
from tests.support.waiting import until

NOTE = "Flacon retrouvé sous le plateau ; étiquette abîmée. Noël, Ève & Œdipe : vérifié à 18°"


@pytest.fixture(scope="module")
def qm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qm")
    compile_translations(out, force=True)
    return out


def typed(pad: Keypad, text: str) -> str:
    out: list[str] = []
    pad.keyPressed.connect(out.append)
    for ch in text:
        for key in pad.route(ch):
            assert key.isVisible() and key.isEnabled(), (ch, key.objectName())
            key.click()
    pad.keyPressed.disconnect(out.append)
    return "".join(out)


def test_every_accent_and_its_capital_is_typed_from_the_keys(qtbot: QtBot) -> None:
    pad = Keypad(TEXT)
    qtbot.addWidget(pad)
    pad.resize(1000, 500)
    pad.show()
    text = ACCENTED + ACCENTED.upper() + "l'œil « ÇA » ; 5 € (env.) !? Æsop"
    assert typed(pad, text) == text
    assert typed(pad, "Plain ascii, back on letters") == "Plain ascii, back on letters"
    assert pad.page == 0  # the letters came from the letters' page
    assert ACCENTS not in Keypad(DIGITS).keys  # digit pads have one page
    with pytest.raises(KeyError):
        pad.route("ñ")


def test_an_accented_note_reaches_the_review_event(qapp: QApplication, tmp_path: Path) -> None:
    from kiosk.purchase.model import FlowConfig

    async def scenario() -> None:
        async with service_window(qapp, tmp_path, flow=FlowConfig(**FAST)) as kit:
            txn = await sell_bottle(kit.rig, silent=True)
            await kit.sign_in()
            await open_txn(kit, "review", txn)
            kit.type_into("reviewNote", NOTE)
            kit.tap(kit.button("resolveButton"))
            closed = "Review closed with your note."
            await until(lambda: kit.overlay.status.message.text() == closed, 10, "the close")
            (closing,) = await kit.rig.events(EventType.PAYMENT, "step", "review_resolved")
            assert (closing.txn_id, closing.data["note"]) == (txn, NOTE)

    run_on_qasync(qapp, scenario)


async def open_stock_note(kit: Kit) -> Keypad:
    """The stock form in adjustment mode with its note field active; its text keypad."""
    await kit.section("stock")
    stock = kit.overlay.sections["stock"]
    row = stock.items.rows[("channel", 1)]
    await until(lambda: row.isVisible(), 5, "the row")
    kit.tap(row)
    await until(lambda: stock.form.isVisible(), 5, "the form")
    kit.tap(stock.form.mode.buttons["adjust"])
    kit.tap(stock.form.note)
    pad: Keypad = stock.form.keys.pads[TEXT]
    await until(lambda: pad.isVisible(), 5, "the text keypad")
    return pad


async def laid_out(kit: Kit) -> None:
    for _ in range(3):  # let Qt deliver the posted layout requests, then lay out now
        await asyncio.sleep(0)
    layout = kit.overlay.layout()
    assert layout is not None
    layout.activate()


@pytest.mark.parametrize("orientation", list(SIZES))
def test_accents_page_passes_the_audit(
    qapp: QApplication, tmp_path: Path, qm_dir: Path, orientation: str
) -> None:
    async def scenario() -> None:
        size = SIZES[orientation]
        async with service_window(qapp, tmp_path, size=size, qm_dir=qm_dir) as kit:
            await kit.sign_in()
            pad = await open_stock_note(kit)
            problems: list[str] = []
            names = []
            for language in ("en", "fr"):
                kit.window.ctx.languages.set(language)
                kit.tap(pad.keys[ACCENTS])
                assert pad.page == 1
                for _capitals in range(2):
                    await laid_out(kit)
                    keys = [k for k in pad.keys.values() if k.isVisible()]
                    assert len(keys) == len(pad.keys) == 45
                    assert all(min(k.width(), k.height()) >= TOUCH_MIN for k in keys)
                    found = [str(f) for f in audit(kit.overlay)] + clipped(kit.overlay)
                    problems += [f"{language} upper={pad.upper}: {f}" for f in found]
                    kit.tap(pad.keys[SHIFT])
                names.append(pad.keys[ACCENTS].accessibleName())
                kit.tap(pad.keys[ACCENTS])
                names.append(pad.keys[ACCENTS].accessibleName())
            assert not problems, "\n".join(problems)
            assert names == ["Letters", "Accents and signs", "Lettres", "Accents et signes"]
            kit.window.ctx.languages.set("en")
            kit.tap(pad.keys[ACCENTS])
            form = kit.overlay.sections["stock"].form
            kit.tap(form.mode.buttons["refill"])
            kit.tap(form.lot)  # lot numbers are ASCII: the keypad goes back to its letters
            assert pad.page == 0 and not pad.keys[ACCENTS].isEnabled()
            kit.tap(form.mode.buttons["adjust"])
            kit.tap(form.note)
            assert pad.keys[ACCENTS].isEnabled()

    run_on_qasync(qapp, scenario)
