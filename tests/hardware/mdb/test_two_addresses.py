"""Cashless #1 (10H) and #2 (60H) side by side on one bus: one simulator serves both, one
driver bus carries one command at a time for two readers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hardware.cardreader import PaymentOutcome, PaymentRequest, VendOutcome
from hardware.common.state import DeviceState
from hardware.mdb import framing
from hardware.mdb.messages import CashlessAddress, Poll, decode_command
from hardware.mdb.simulator import Fault, SaleOutcome
from tests.hardware.mdb.conftest import Rig, wait_until


def pay(payment_id: str, amount: int) -> PaymentRequest:
    return PaymentRequest(payment_id, amount_minor=amount, currency="EUR", item_number=9)


async def test_both_readers_pay_at_once(make_rig: Callable[..., object]) -> None:
    rig: Rig = await make_rig(addresses="10,60")  # type: ignore[misc]
    first, second = rig.readers
    assert (first.address, second.address) == (CashlessAddress.CASHLESS_1, 0x60)
    assert first.identity is not None and second.identity is not None
    assert first.identity.serial != second.identity.serial
    one, two = await asyncio.gather(
        first.request_payment(pay("one", 100), timeout=5),
        second.request_payment(pay("two", 200), timeout=5),
    )
    assert (one.outcome, one.amount_minor) == (PaymentOutcome.APPROVED, 100)
    assert (two.outcome, two.amount_minor) == (PaymentOutcome.APPROVED, 200)
    reports = await asyncio.gather(
        first.report_vend("one", VendOutcome.SUCCESS),
        second.report_vend("two", VendOutcome.FAILURE),
    )
    assert all(r.acknowledged for r in reports)
    assert [s.amount for s in rig.model.reader(0x10).sales] == [100]
    assert [s.outcome for s in rig.model.reader(0x60).sales] == [SaleOutcome.REFUNDED]


async def test_each_command_goes_to_its_own_address(make_rig: Callable[..., object]) -> None:
    rig: Rig = await make_rig(addresses="10,60")  # type: ignore[misc]
    tx = [b for d, b in rig.traced if d == "tx" and isinstance(b, bytes)]
    decoder = framing.BridgeDecoder()
    addresses = set()
    for frame in tx:
        for words in decoder.feed(frame):
            block = framing.decode_from_vmc(words)
            if isinstance(block, framing.Block):
                found = decode_command(block.data)
                assert found is not None
                addresses.add(found[0])
    assert addresses == {0x10, 0x60}
    assert Poll() in rig.model.reader(0x60).commands


async def test_a_dead_reader_does_not_block_the_other(make_rig: Callable[..., object]) -> None:
    rig: Rig = await make_rig(addresses="10,60", fault_duration=1.5)  # type: ignore[misc]
    first, second = rig.readers
    rig.model.reader(0x10).arm(Fault.NO_ANSWER)
    dead = asyncio.ensure_future(first.request_payment(pay("dead", 100), timeout=5))
    await wait_until(lambda: first.state is DeviceState.UNAVAILABLE)
    result = await second.request_payment(pay("alive", 300), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    assert (await second.report_vend("alive", VendOutcome.SUCCESS)).acknowledged
    assert (await dead).outcome is PaymentOutcome.FAILED
    await wait_until(lambda: first.state is DeviceState.READY)
