"""The CardReader contract, run against the real MDB driver and its simulator over a pty and
over TCP: what every CardReader must do, seen only through the public interface."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from hardware.cardreader import (
    AuthorizationMode,
    CardReader,
    PaymentOutcome,
    PaymentRequest,
    ReaderStateDidChange,
    VendOutcome,
)
from hardware.common.state import DeviceState
from hardware.mdb.errors import MdbBusyError, MdbOperationError, MdbUnavailableError
from tests.hardware.mdb.conftest import Rig, wait_until

pytestmark = pytest.mark.parametrize("transport", ["pty", "tcp"])


def pay(payment_id: str, amount: int = 250, currency: str = "EUR") -> PaymentRequest:
    return PaymentRequest(payment_id, amount_minor=amount, currency=currency, item_number=3)


async def test_starts_ready_with_identity(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport)  # type: ignore[misc]
    reader: CardReader = rig.reader
    assert reader.mode is AuthorizationMode.READER
    assert reader.state is DeviceState.READY
    assert reader.identity is not None and reader.identity.serial == "SIM000000010"
    states = [e.new for e in rig.events if isinstance(e, ReaderStateDidChange)]
    assert states[-1] is DeviceState.READY


async def test_approved_payment_then_success(
    make_rig: Callable[..., object], transport: str
) -> None:
    rig: Rig = await make_rig(transport=transport)  # type: ignore[misc]
    result = await rig.reader.request_payment(pay("a1", 1234), timeout=5)
    assert (result.payment_id, result.outcome, result.amount_minor) == (
        "a1",
        PaymentOutcome.APPROVED,
        1234,
    )
    assert result.token is None and result.last4 is None  # MDB never hands over card data
    assert rig.reader.state is DeviceState.BUSY
    report = await rig.reader.report_vend("a1", VendOutcome.SUCCESS)
    assert report.acknowledged and report.payment_id == "a1"
    await wait_until(lambda: rig.reader.state is DeviceState.READY)
    assert [s.outcome.value for s in rig.model.reader().sales] == ["success"]


async def test_failure_is_refunded(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport)  # type: ignore[misc]
    await rig.reader.request_payment(pay("a2"), timeout=5)
    report = await rig.reader.report_vend("a2", VendOutcome.FAILURE)
    assert report.acknowledged and report.refunded is True
    assert [s.outcome.value for s in rig.model.reader().sales] == ["refunded"]


async def test_declined(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport, deny_above=1000)  # type: ignore[misc]
    result = await rig.reader.request_payment(pay("d1", 5000), timeout=5)
    assert result.outcome is PaymentOutcome.DECLINED and result.reason
    ok = await rig.reader.request_payment(pay("d2", 500), timeout=5)  # waits for END SESSION
    assert ok.outcome is PaymentOutcome.APPROVED


async def test_cancel_before_card(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport, card_delay=30)  # type: ignore[misc]
    task = asyncio.ensure_future(rig.reader.request_payment(pay("c1"), timeout=20))
    await wait_until(lambda: rig.reader.state is DeviceState.BUSY)
    await rig.reader.cancel_payment()
    result = await task
    assert result.outcome is PaymentOutcome.CANCELLED
    await rig.reader.cancel_payment()  # no-op when nothing is in progress
    assert rig.model.reader().sales == []


async def test_timeout_without_card(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport, card_delay=30)  # type: ignore[misc]
    result = await rig.reader.request_payment(pay("t1"), timeout=0.3)
    assert result.outcome is PaymentOutcome.TIMED_OUT


async def test_one_payment_at_a_time(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport, card_delay=30)  # type: ignore[misc]
    task = asyncio.ensure_future(rig.reader.request_payment(pay("b1"), timeout=20))
    await wait_until(lambda: rig.reader.state is DeviceState.BUSY)
    with pytest.raises(MdbBusyError):
        await rig.reader.request_payment(pay("b2"), timeout=1)
    await rig.reader.cancel_payment()
    assert (await task).outcome is PaymentOutcome.CANCELLED
    rig.model.reader().card_delay = 0
    await rig.reader.request_payment(pay("b3"), timeout=5)
    with pytest.raises(MdbBusyError):  # approved but not yet reported
        await rig.reader.request_payment(pay("b4"), timeout=1)
    assert (await rig.reader.report_vend("b3", VendOutcome.SUCCESS)).acknowledged


async def test_bad_requests_fail_cleanly(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport)  # type: ignore[misc]
    for request in (pay("x1", 10_000_000), pay("x2", 100, "USD"), pay("x3", 0)):
        result = await rig.reader.request_payment(request, timeout=2)
        assert result.outcome is PaymentOutcome.FAILED and result.reason
    with pytest.raises(MdbOperationError):
        await rig.reader.report_vend("never-approved", VendOutcome.SUCCESS)


async def test_close_then_unavailable(make_rig: Callable[..., object], transport: str) -> None:
    rig: Rig = await make_rig(transport=transport)  # type: ignore[misc]
    await rig.reader.close()
    assert rig.reader.state is DeviceState.CLOSED
    with pytest.raises(MdbUnavailableError):
        await rig.reader.request_payment(pay("z1"), timeout=1)
    await rig.reader.close()  # idempotent
