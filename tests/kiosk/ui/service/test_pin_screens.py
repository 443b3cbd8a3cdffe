"""The PIN pad on the real domain: a wrong PIN shows the growing delay and nothing is checked
during it, ten failures show the 30-minute lock, a fresh machine says how to enrol, a one-time
PIN must be replaced (common PINs refused with the domain's message), and an idle session
closes the menu and returns to the shoppers while a tap keeps it open."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from kiosk.journey import Screen
from kiosk.service import LoginStatus, ScryptParams
from kiosk.ui.service.texts import error_text
from tests.kiosk.service.rig import PIN, TECH, enrolment_file
from tests.kiosk.ui.service.support import run_on_qasync, service_window
from tests.support.waiting import until

WRONG = "749153"


def pin_text(source: str, n: int = -1) -> str:
    return QCoreApplication.translate("PinPage", source, "", n)


def test_a_wrong_pin_shows_the_delay_and_nothing_is_checked_during_it(
    qapp: QApplication, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            pad, vm = kit.overlay.pin, kit.service.vm
            kit.service.open()
            kit.type_into("techField", TECH)
            kit.type_into("pinField", WRONG)
            kit.tap(kit.button("pinSubmit"))
            left = "Wrong ID or PIN. %n attempt(s) left before a 30-minute lock."
            await until(lambda: pad.status.text() == pin_text(left, 9), 10, "the failure")
            assert pad.pin.text() == "" and kit.button("pinSubmit").isEnabled() is False

            kit.type_into("pinField", WRONG)
            kit.tap(kit.button("pinSubmit"))  # second failure: the pad shuts for 1 s
            wait = pin_text("Too many attempts. Try again in %n second(s).", 1)
            await until(lambda: pad.status.text() == wait, 10, "the delay")
            kit.type_into("pinField", PIN)
            assert not kit.button("pinSubmit").isEnabled()  # refused on screen...
            audited = len(await kit.rig.audits("login_failed"))
            refused = await vm.login(TECH, PIN)  # ...and by the domain, unchecked
            assert refused.status is LoginStatus.TOO_SOON
            assert refused.failures == 2 and vm.session is None
            assert len(await kit.rig.audits("login_failed")) == audited

            kit.rig.clock.advance(1.1)  # the pad's one-second tick re-reads the gate
            kit.type_into("pinField", PIN)
            await until(lambda: kit.button("pinSubmit").isEnabled(), 5, "the pad reopened")
            kit.tap(kit.button("pinSubmit"))
            await until(lambda: kit.overlay.home.isVisible(), 10, "the service home")
            assert vm.session is not None and vm.session.technician_id == TECH
            assert kit.rig.menu.gate().failures == 0

    run_on_qasync(qapp, scenario)


def test_ten_failures_lock_the_pad_for_thirty_minutes(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            pad, vm, clock = kit.overlay.pin, kit.service.vm, kit.rig.clock
            for _ in range(9):
                result = await vm.login(TECH, WRONG)
                assert result.status is LoginStatus.WRONG_PIN
                clock.advance(result.retry_after_s + 0.1)
            kit.service.open()
            last = "Wrong ID or PIN. The next wrong PIN locks the menu for 30 minutes."
            kit.type_into("techField", TECH)
            kit.type_into("pinField", WRONG)
            kit.tap(kit.button("pinSubmit"))
            locked = "Locked after too many wrong PINs. Try again in %n minute(s)."
            await until(lambda: pad.status.text() == pin_text(locked, 30), 10, "the lock")
            kit.type_into("pinField", PIN)
            assert not kit.button("pinSubmit").isEnabled()
            clock.advance(20 * 60)
            await until(lambda: pad.status.text() == pin_text(locked, 10), 5, "10 min left")
            refused = await vm.login(TECH, PIN)  # the right PIN is not even looked at
            assert refused.status is LoginStatus.LOCKED
            assert [e.data["failures"] for e in await kit.rig.audits("lockout")] == [10]

            kit.tap(kit.button("pinCancel"))  # reopened later: still locked, before typing
            await until(lambda: not kit.service.opened, 5, "back to the shoppers")
            kit.service.open()
            assert pad.status.text() == pin_text(locked, 10)
            assert last != pad.status.text()

    run_on_qasync(qapp, scenario)


def test_a_fresh_machine_says_how_to_enrol(qapp: QApplication, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path, enrol=False) as kit:
            pad = kit.overlay.pin
            kit.service.open()
            await until(lambda: pad.title.text() == "No technician enrolled", 5, "the notice")
            assert not pad.pin.isVisible() and not kit.button("pinSubmit").isVisible()
            assert "provisioning file" in pad.hint.text()
            kit.tap(kit.button("pinCancel"))
            await until(lambda: not kit.service.opened, 5, "back to the shoppers")

    run_on_qasync(qapp, scenario)


def test_a_one_time_pin_must_be_replaced_and_common_pins_are_refused(
    qapp: QApplication, tmp_path: Path
) -> None:
    provisioning = enrolment_file(tmp_path / "enrol.json", one_time_pin=PIN)

    async def scenario() -> None:
        async with service_window(
            qapp, tmp_path, enrol=False, provisioning_file=provisioning
        ) as kit:
            pad = kit.overlay.pin
            kit.service.open()
            kit.type_into("techField", TECH)
            kit.type_into("pinField", PIN)
            kit.tap(kit.button("pinSubmit"))
            await until(lambda: pad.title.text() == "Choose your own PIN", 10, "the PIN change")
            assert not kit.overlay.home.isVisible()
            for new, repeat, key in (
                ("123456", "123456", "pin_too_common"),
                (PIN, PIN, "pin_unchanged"),
                ("749153", "749154", "pin_mismatch"),
            ):
                kit.type_into("pinField", new)
                kit.type_into("repeatField", repeat)
                kit.tap(kit.button("pinSubmit"))
                await until(lambda k=key: pad.status.text() == error_text(k), 10, key)
            kit.type_into("pinField", "749153")
            kit.type_into("repeatField", "749153")
            kit.tap(kit.button("pinSubmit"))
            await until(lambda: kit.overlay.home.isVisible(), 10, "the service home")
            results = [e.data["result"] for e in await kit.rig.audits("pin_changed")]
            assert results == ["refused", "refused", "ok"]  # the mismatch never left the pad
            await kit.service.vm.logout()
            await until(lambda: not kit.service.opened, 5, "back to the shoppers")
            again = await kit.rig.menu.login(TECH, "749153")
            assert again.status is LoginStatus.OK

    run_on_qasync(qapp, scenario)


def test_an_idle_session_returns_to_the_shoppers_and_a_tap_keeps_it(
    qapp: QApplication, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with service_window(qapp, tmp_path) as kit:
            kit.journey.touch()
            await kit.sign_in()
            clock, vm = kit.rig.clock, kit.service.vm
            clock.advance(14 * 60)
            kit.tap(kit.overlay.tabs.buttons["machine"])  # a tap is activity
            clock.advance(2 * 60)
            assert not await vm.expire_idle() and kit.service.opened
            clock.advance(15 * 60 + 1)  # the menu's timer asks the domain, every 0.1 s here
            await until(lambda: not kit.service.opened, 5, "the idle logout")
            assert vm.session is None and not kit.window.idle.suspended
            assert kit.journey.view.screen is Screen.ATTRACT
            (logout,) = await kit.rig.audits("logout")
            assert (logout.data["technician_id"], logout.data["reason"]) == (TECH, "idle")

    run_on_qasync(qapp, scenario)


def test_the_real_pin_hash_never_freezes_the_screen(qapp: QApplication, tmp_path: Path) -> None:
    """Production scrypt cost (tens of ms a check): while the pad's sign-in runs, the loop
    that paints the screen keeps turning."""

    async def scenario() -> None:
        async with service_window(qapp, tmp_path, params=ScryptParams()) as kit:
            kit.service.open()
            kit.type_into("techField", TECH)
            kit.type_into("pinField", PIN)
            ticks: list[float] = []

            async def ticker() -> None:
                while True:
                    ticks.append(time.monotonic())
                    await asyncio.sleep(0.002)

            beat = asyncio.ensure_future(ticker())
            started = time.monotonic()
            kit.tap(kit.button("pinSubmit"))
            await until(lambda: kit.overlay.home.isVisible(), 10, "the service home")
            took = time.monotonic() - started
            beat.cancel()
            during = [t for t in ticks if started <= t <= started + took]
            assert took >= 0.02  # a real scrypt check ran (about 60 ms here)
            assert len(during) >= 5, (took, len(during))  # and the loop did not stop for it

    run_on_qasync(qapp, scenario)
