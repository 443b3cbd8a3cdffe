"""Every service screen under the shopper screens' accessibility rules (tests/kiosk/ui/audit.py:
touch targets >= 80 px, text >= 18 px, no text clipped or outside the window), in English and
French (the compiled translations of assets/i18n), portrait 1080 x 1920 and landscape
1920 x 1080: the PIN pad in its three modes, each section's list and detail pages, with data
in them (stock, a sale, a manual review, diagnostics with charts)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QStackedWidget, QWidget

from kiosk.purchase.items import dispensables
from kiosk.ui.i18n_build import compile_translations
from kiosk.ui.service.pinpad import CHANGE, LOGIN, NOT_ENROLLED
from tests.kiosk.service.rig import BOTTLE_SKU, CATALOG
from tests.kiosk.ui.audit import audit
from tests.kiosk.ui.service.support import SIZES, Kit, run_on_qasync, service_window
from tests.support.waiting import until

LATER = date.today() + timedelta(days=400)


@pytest.fixture(scope="module")
def qm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qm")
    compile_translations(out, force=True)
    return out


def clipped(root: QWidget) -> list[str]:
    """What the audit does not see: a word-wrapped label narrower than its longest word, and
    a container given less room than its layout's minimum (which clips its content). Unlike
    tests/kiosk/ui/shop_support.squeezed, a layout's height-for-width is not a need here (the
    service pages scroll, so their preferred height may exceed the page), and a stack is
    judged by the page it shows."""
    found = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or w.width() <= 0:
            continue
        name = f"{type(w).__name__}#{w.objectName() or '?'}"
        if isinstance(w, QLabel) and w.wordWrap() and w.text().strip():
            need = w.minimumSizeHint().width()
            if need > w.width() + 2:
                found.append(f"{name}({w.text()[:30]!r}): a word needs {need} px, has {w.width()}")
        lay = w.layout()
        # a stack shows one page, which is checked on its own
        if lay is not None and not isinstance(w, QScrollArea | QStackedWidget) and lay.count():
            least = lay.totalMinimumSize()
            if least.width() > w.width() + 2 or least.height() > w.height() + 2:
                found.append(
                    f"{name}: squeezed to {w.width()}x{w.height()}, needs {least.toTuple()}"
                )
    return found


async def settle(kit: Kit) -> None:
    await asyncio.sleep(0)
    await until(lambda: not kit.service.vm.busy, 10, "the menu's calls")
    for _ in range(3):  # let Qt deliver the posted layout requests, then lay out now
        await asyncio.sleep(0)
    layout = kit.overlay.layout()
    assert layout is not None
    layout.activate()


async def pages(kit: Kit) -> AsyncIterator[str]:
    """Walk every page of the menu; yield a name once each is on screen."""
    pad = kit.overlay.pin
    kit.service.open()
    await settle(kit)
    for mode in (NOT_ENROLLED, CHANGE, LOGIN):
        pad.reset(mode)
        yield f"pin-{mode}"
    await kit.sign_in()
    stock = kit.overlay.sections["stock"]
    for kind in ("channel", "slot"):
        kit.tap(stock.items.kind.buttons[kind])
        yield f"stock-{kind}s"
        stock.open_item(kind, 1)
        for mode in ("refill", "adjust"):
            kit.tap(stock.form.mode.buttons[mode])
            yield f"stock-{kind}-{mode}"
        kit.tap(stock.form.header.back)
    await kit.section("tests")
    tests = kit.overlay.sections["tests"]
    yield "tests-list"
    for kind in ("channel", "slot"):
        tests.open_item(kind, 1)
        yield f"tests-{kind}"
        kit.tap(tests.page.header.back)
    await kit.section("diagnostics")
    await settle(kit)
    yield "diagnostics"
    await kit.section("transactions")
    txns = kit.overlay.sections["transactions"]
    yield "transactions"
    paid = [t for t in txns.recent if t.can_refund]
    assert txns.reviews and paid, "with_data made a sale and a manual review"
    for t in (txns.reviews[0], paid[0]):
        txns.open_txn(t.txn_id)
        yield f"transaction-{t.step}"
        kit.tap(txns.page.header.back)
    await kit.section("machine")
    yield "machine"


@pytest.mark.parametrize("orientation", list(SIZES))
def test_every_service_page_passes_the_audit_in_english_and_french(
    qapp: QApplication, tmp_path: Path, qm_dir: Path, orientation: str
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path, size=SIZES[orientation], qm_dir=qm_dir) as kit:
            await with_data(kit)
            problems: list[str] = []
            seen, titles = [], []
            for language in ("en", "fr"):
                kit.window.ctx.languages.set(language)
                async for page in pages(kit):
                    await settle(kit)
                    seen.append(page)
                    found = [str(f) for f in audit(kit.overlay)] + clipped(kit.overlay)
                    problems += [f"{language} {orientation} {page}: {f}" for f in found]
                titles.append(kit.overlay.title.text())
                await kit.service.vm.logout()
                await until(lambda: not kit.service.opened, 5, "back to the shoppers")
            assert len(seen) == 2 * 17, seen
            assert not problems, "\n".join(problems)
            assert titles[0] != titles[1]  # French was really shown

    run_on_qasync(qapp, scenario, timeout=240)


async def with_data(kit: Kit) -> None:
    """Stock in every channel and slot, one sale and one left for a manual review."""
    rig = kit.rig
    session = await rig.login()
    for channel in (c.channel for c in (await rig.menu.stock.overview(session)).channels):
        await rig.menu.stock.refill_channel(session, channel, Decimal(3 * channel), "L1", LATER)
    await rig.menu.stock.refill_slot(session, 1, 5, "B-2025/07", LATER)
    await rig.menu.logout(session)
    item = dispensables(CATALOG)[BOTTLE_SKU]
    assert (await rig.machine.buy(item, price=2200)).txn_id is not None
    rig.machine.dispenser_sim.inject_fault("silent")
    assert (await rig.machine.buy(item, price=2200)).txn_id is not None
    rig.machine.dispenser_sim.silent = False
    await rig.menu.sampler.sample_now()
