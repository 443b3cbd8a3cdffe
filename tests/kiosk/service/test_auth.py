"""Technician login through the service menu's public API: growing delays, the 30-minute
lockout after 10 failures (persisted across restarts), idle logout, one-time PINs, and a
10,000-attempt brute force that never gets in."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.service import (
    EndReason,
    LoginStatus,
    PinChangeRequiredError,
    PinRejectedError,
    ScryptParams,
    ServiceDidLock,
    SessionDidEnd,
    SessionExpiredError,
)
from kiosk.service.stock import AdjustmentReason
from tests.kiosk.service.rig import PIN, TECH, enrolment_file, service_rig

WRONG = "731946"


async def test_wrong_pins_meet_growing_delays_and_early_attempts_are_not_checked(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        waits = []
        for failures in range(1, 10):
            result = await rig.menu.login(TECH, WRONG)
            assert result.status is LoginStatus.WRONG_PIN
            assert result.failures == failures
            assert result.attempts_left == 10 - failures
            waits.append(result.retry_after_s)
            if result.retry_after_s:
                # too soon: refused without being checked, even with the right PIN
                early = await rig.menu.login(TECH, PIN)
                assert early.status is LoginStatus.TOO_SOON
                assert early.retry_after_s == pytest.approx(result.retry_after_s)
                assert early.failures == failures  # not counted as a failure
                rig.clock.advance(result.retry_after_s - 0.5)
                later = await rig.menu.login(TECH, PIN)
                assert later.status is LoginStatus.TOO_SOON
                assert later.retry_after_s == pytest.approx(0.5)
                rig.clock.advance(0.5)
        assert waits == [0, 1, 2, 4, 8, 16, 32, 60, 60]
        assert rig.menu.gate().failures == 9
        failed = await rig.audits("login_failed")
        assert len(failed) == 9
        assert {e.data["technician_id"] for e in failed} == {TECH}
        assert failed[1].data["refused_attempts"] == 0
        assert failed[2].data["refused_attempts"] == 2  # the two early attempts before it
        session = await rig.login()  # the right PIN, on time: in, and the count resets
        assert rig.menu.gate().failures == 0
        assert session.technician_id == TECH


async def test_ten_failures_lock_for_thirty_minutes_even_across_a_restart(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        for _ in range(9):
            result = await rig.menu.login("nobody", WRONG)  # unknown ids count too
            assert result.status is LoginStatus.WRONG_PIN
            rig.clock.advance(result.retry_after_s)
        tenth = await rig.menu.login(TECH, WRONG)
        assert tenth.status is LoginStatus.LOCKED
        assert tenth.retry_after_s == 30 * 60
        assert ServiceDidLock(1800.0) in rig.seen
        assert len(await rig.audits("lockout")) == 1

        menu = await rig.reopen()  # a restart (or power cut) does not reset the lockout
        rig.clock.advance(29 * 60)
        gate = menu.gate()
        assert gate.locked and gate.retry_after_s == pytest.approx(60)
        refused = await menu.login(TECH, PIN)
        assert refused.status is LoginStatus.LOCKED
        assert refused.retry_after_s == pytest.approx(60)

        rig.clock.advance(60)
        again = await menu.login(TECH, WRONG)  # still counting: one more failure re-locks
        assert (again.status, again.retry_after_s) == (LoginStatus.LOCKED, 1800)
        rig.clock.advance(1800)
        assert (await menu.login(TECH, PIN)).status is LoginStatus.OK
        assert menu.gate().failures == 0


async def test_a_clock_stepped_back_restarts_the_wait_instead_of_growing_it(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        for _ in range(10):
            result = await rig.menu.login(TECH, WRONG)
            rig.clock.advance(result.retry_after_s)
        rig.clock.advance(-1800 - 3600)  # NTP or a technician set the clock an hour back
        refused = await rig.menu.login(TECH, PIN)
        assert (refused.status, refused.retry_after_s) == (LoginStatus.LOCKED, 1800)


async def test_idle_session_ends_after_fifteen_minutes_and_touch_extends_it(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        session = await rig.login()
        rig.clock.advance(14 * 60)
        session.touch()
        rig.clock.advance(14 * 60)
        await rig.menu.stock.overview(session)  # every call checks, and counts as activity
        rig.clock.advance(14 * 60 + 59)
        assert session.active and session.seconds_left() == pytest.approx(1)
        rig.clock.advance(1)
        with pytest.raises(SessionExpiredError) as expired:
            await rig.menu.stock.overview(session)
        assert expired.value.key == "session_expired"
        assert session.ended is EndReason.IDLE
        assert rig.menu.session is None
        assert SessionDidEnd(TECH, EndReason.IDLE) in rig.seen
        logouts = await rig.audits("logout")
        assert [e.data["reason"] for e in logouts] == ["idle"]
        with pytest.raises(SessionExpiredError):  # a touch does not revive it
            session.touch()
            await rig.menu.control.set_maintenance(session, True)

        second = await rig.login()
        rig.clock.advance(15 * 60)
        assert await rig.menu.expire_idle()  # the screen's timer closes an unattended menu
        assert second.ended is EndReason.IDLE
        assert not await rig.menu.expire_idle()


async def test_fresh_machine_has_no_default_pin(tmp_path: Path) -> None:
    async with service_rig(tmp_path, enrol=False) as rig:
        assert not await rig.menu.enrolled()
        for pin in ("000000", "123456", "1234", PIN):
            result = await rig.menu.login(TECH, pin)
            assert (result.status, result.session) == (LoginStatus.NOT_ENROLLED, None)


async def test_one_time_pin_must_be_changed_before_anything_else(tmp_path: Path) -> None:
    file = enrolment_file(tmp_path / "enrol.json", one_time_pin="480375")
    async with service_rig(tmp_path, enrol=False, provisioning_file=file) as rig:
        assert await rig.menu.enrolled()
        first = await rig.menu.login(TECH, "480375")
        assert first.status is LoginStatus.PIN_CHANGE_REQUIRED
        session = first.session
        assert session is not None  # must_change_pin: every other call is refused
        with pytest.raises(PinChangeRequiredError):
            await rig.menu.stock.adjust_slot(session, 1, -1, AdjustmentReason.DAMAGED)
        for bad, key in [("123456", "pin_too_common"), ("12345", "pin_too_short"),
                         ("480375", "pin_unchanged"), ("12a456", "pin_not_digits")]:  # fmt: skip
            with pytest.raises(PinRejectedError) as refused:
                await rig.menu.change_pin(session, "480375", bad)
            assert refused.value.key == key
        with pytest.raises(PinRejectedError) as wrong:
            await rig.menu.change_pin(session, "999999", PIN)
        assert wrong.value.key == "pin_wrong"
        assert rig.menu.gate().failures == 1  # a wrong current PIN is a failed attempt
        await rig.menu.change_pin(session, "480375", PIN)
        assert not session.must_change_pin
        await rig.menu.stock.overview(session)
        await rig.menu.logout(session)
        assert (await rig.menu.login(TECH, "480375")).status is LoginStatus.WRONG_PIN
        rig.clock.advance(60)
        assert (await rig.menu.login(TECH, PIN)).status is LoginStatus.OK
        assert len(await rig.audits("pin_changed")) == 5  # four refusals, one change


async def test_brute_force_of_ten_thousand_pins_never_gets_in(tmp_path: Path) -> None:
    """10,000 guesses through the public login, an attacker retrying every 3 simulated
    seconds. Production scrypt cost: the test only stays fast because attempts refused for
    being too soon are answered without running the hash."""
    async with service_rig(tmp_path, params=ScryptParams()) as rig:
        start = rig.clock()
        checked = refused = 0  # guesses verified / refused unverified (too soon, locked)
        statuses: dict[LoginStatus, int] = {}
        for n in range(10_000):
            guess = f"{n:06d}"
            assert guess != PIN
            result = await rig.menu.login(TECH, guess)
            statuses[result.status] = statuses.get(result.status, 0) + 1
            assert result.session is None
            if result.failures > checked:
                assert result.failures == checked + 1
                checked = result.failures
            else:
                assert result.status in (LoginStatus.TOO_SOON, LoginStatus.LOCKED)
                assert result.retry_after_s > 0
                refused += 1
            rig.clock.advance(3)
        elapsed = rig.clock() - start
        assert LoginStatus.OK not in statuses
        assert checked == rig.menu.gate().failures >= 10
        # every 10 verified failures cost at least the 30-minute lockout...
        assert elapsed >= 30 * 60 * (checked // 10)
        # ...and beyond the 10th, every single one does
        assert checked <= 10 + elapsed // (30 * 60)
        assert refused == 10_000 - checked
        assert statuses[LoginStatus.WRONG_PIN] == 9  # then every verified guess locks
        assert len(await rig.audits("login_failed")) == checked
        rig.clock.advance(30 * 60)  # the owner of the PIN still gets in once the lock ends
        assert (await rig.menu.login(TECH, PIN)).status is LoginStatus.OK
