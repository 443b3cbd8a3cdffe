"""Fault matrix: every injected fault ends in a defined outcome, then the terminal recovers and
takes a successful payment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from hardware.cardreader import (
    PaymentOutcome,
    PaymentRequest,
    ReaderDidReset,
    ReaderFaultDidOccur,
    ReaderIdentityDidChange,
    ReaderStateDidChange,
)
from hardware.common.state import DeviceState
from hardware.terminal.simulator import TerminalFault
from tests.hardware.terminal.conftest import Rig, eventually, make_rig

PAY = PaymentRequest(payment_id="fault-1", amount_minor=2500, currency="EUR", item_number=2)
AFTER = PaymentRequest(payment_id="after-1", amount_minor=2500, currency="EUR", item_number=2)


async def outcome_of(rig: Rig, expected: PaymentOutcome, timeout: float = 2.0) -> None:
    result = await rig.reader.request_payment(PAY, timeout=timeout)
    assert result.outcome is expected, result.reason


def went_down(rig: Rig) -> bool:
    return any(e.new is DeviceState.UNAVAILABLE for e in rig.of_type(ReaderStateDidChange))


async def card_data(rig: Rig) -> None:
    await outcome_of(rig, PaymentOutcome.FAILED)
    assert [f.code for f in rig.of_type(ReaderFaultDidOccur)] == ["CARD_DATA"]


async def decline(rig: Rig) -> None:
    rig.model.inject(TerminalFault.DECLINE)
    await outcome_of(rig, PaymentOutcome.DECLINED)


async def no_card(rig: Rig) -> None:
    rig.model.inject(TerminalFault.NO_CARD)
    await outcome_of(rig, PaymentOutcome.TIMED_OUT, timeout=0.3)


async def nak_twice(rig: Rig) -> None:
    rig.model.inject(TerminalFault.NAK, 2)  # within the 3 tries: retransmission absorbs it
    await outcome_of(rig, PaymentOutcome.APPROVED)


async def nak_forever(rig: Rig) -> None:
    rig.model.inject(TerminalFault.NAK, 5)  # beyond the 3 tries: the link is declared down
    await eventually(lambda: went_down(rig))


async def drop_acks(rig: Rig) -> None:
    rig.model.inject(TerminalFault.DROP_ACK, 3)  # replies stand in for the lost ACKs
    await outcome_of(rig, PaymentOutcome.APPROVED)


async def garbage(rig: Rig) -> None:
    rig.model.inject(TerminalFault.GARBAGE, 3)  # noise + corrupt frame, NAKed, resent clean
    await outcome_of(rig, PaymentOutcome.APPROVED)


async def raw_noise(rig: Rig) -> None:
    rig.server.inject(b"\x00\x13\x37\xff\x02\x7f\x03\x03garbage\x1c\x1c")
    await outcome_of(rig, PaymentOutcome.APPROVED)


async def dies_briefly(rig: Rig) -> None:
    rig.model.inject(TerminalFault.DIE)
    rig.model.down_time = 0.2  # back (reboot event) before the link is declared down
    await outcome_of(rig, PaymentOutcome.FAILED)
    assert rig.of_type(ReaderDidReset)


async def dies_for_long(rig: Rig) -> None:
    rig.model.inject(TerminalFault.DIE)
    rig.model.down_time = 2.0  # silent long enough for the polls to declare the link down
    await outcome_of(rig, PaymentOutcome.FAILED)
    assert went_down(rig)


async def pan_in_token(rig: Rig) -> None:
    rig.model.inject(TerminalFault.PAN_IN_TOKEN)
    await card_data(rig)


async def track_data(rig: Rig) -> None:
    rig.model.inject(TerminalFault.TRACK_DATA)
    await card_data(rig)


async def identity_change(rig: Rig) -> None:
    rig.model.inject(TerminalFault.IDENTITY_CHANGE)
    await eventually(lambda: len(rig.of_type(ReaderIdentityDidChange)) == 2)


async def hangs(rig: Rig) -> None:
    rig.server.silent = True  # the terminal hangs: swallows everything, answers nothing
    await eventually(lambda: went_down(rig))
    with pytest.raises(Exception, match="unavailable"):
        await rig.reader.request_payment(PAY, timeout=1.0)
    rig.server.silent = False


async def unplugged(rig: Rig) -> None:
    rig.server.unplug()
    await eventually(lambda: went_down(rig))
    await asyncio.sleep(0.2)
    rig.server.replug()


Provoke = Callable[[Rig], Awaitable[None]]
CASES: dict[str, tuple[str, Provoke]] = {
    "decline": ("pty", decline),
    "no-card-timeout": ("pty", no_card),
    "nak-2-frames": ("pty", nak_twice),
    "nak-5-frames-link-down": ("pty", nak_forever),
    "drop-acks": ("pty", drop_acks),
    "garbage-frames": ("pty", garbage),
    "raw-noise": ("pty", raw_noise),
    "dies-briefly-mid-payment": ("pty", dies_briefly),
    "dies-long-mid-payment": ("pty", dies_for_long),
    "pan-in-token": ("pty", pan_in_token),
    "track-data": ("pty", track_data),
    "identity-change": ("pty", identity_change),
    "hangs": ("pty", hangs),
    "unplugged-tcp": ("tcp", unplugged),
}


@pytest.fixture(params=list(CASES))
async def case(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Rig, Provoke]]:
    transport, provoke = CASES[request.param]
    rig = await make_rig(transport)
    await rig.reader.start()
    await rig.ready()
    yield rig, provoke
    await rig.reader.close()
    await rig.server.close()


async def test_fault_has_defined_outcome_and_recovers(
    case: tuple[Rig, Provoke],
) -> None:
    rig, provoke = case
    await provoke(rig)
    await rig.ready()
    rig.model.clear_faults()
    result = await rig.reader.request_payment(AFTER, timeout=2.0)
    assert result.outcome is PaymentOutcome.APPROVED, result.reason
    assert rig.reader.state is DeviceState.READY
