"""The CardReader contract, run against the real driver and the simulator over a pty and TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from hardware.cardreader import (
    AuthorizationMode,
    CardReader,
    PaymentOutcome,
    PaymentRequest,
    ReaderIdentityDidChange,
    ReaderStateDidChange,
    VendOutcome,
)
from hardware.common.errors import DeviceUnavailableError
from hardware.common.pan import contains_card_data
from hardware.common.state import DeviceState
from hardware.terminal.device import SerialTerminalReader, open_terminal
from hardware.terminal.errors import (
    InvalidPaymentRequestError,
    TerminalBusyError,
    TerminalInitError,
)
from hardware.terminal.simulator import DEFAULT_IDENTITY, TerminalFault
from tests.hardware.terminal.conftest import FAST, Rig, eventually, make_rig


def pay(n: int = 1, amount: int = 1250) -> PaymentRequest:
    return PaymentRequest(payment_id=f"pay-{n}", amount_minor=amount, currency="EUR", item_number=3)


@pytest.fixture(params=["pty", "tcp"])
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    r = await make_rig(request.param)
    await r.reader.start()
    await r.ready()
    yield r
    await r.reader.close()
    await r.server.close()


async def test_is_a_gateway_card_reader_and_identifies(rig: Rig) -> None:
    assert isinstance(rig.reader, CardReader)
    assert rig.reader.mode is AuthorizationMode.GATEWAY
    assert rig.reader.identity == DEFAULT_IDENTITY
    assert rig.of_type(ReaderIdentityDidChange) == [ReaderIdentityDidChange(None, DEFAULT_IDENTITY)]
    states = [(e.old, e.new) for e in rig.of_type(ReaderStateDidChange)]
    assert states[:3] == [
        (DeviceState.CLOSED, DeviceState.CONNECTING),
        (DeviceState.CONNECTING, DeviceState.INITIALIZING),
        (DeviceState.INITIALIZING, DeviceState.READY),
    ]


async def test_approved_payment_carries_token_brand_last4_only(rig: Rig) -> None:
    rig.model.brand, rig.model.last4 = "AMEX", "0005"
    result = await rig.reader.request_payment(pay(amount=4999), timeout=2.0)
    assert result.outcome is PaymentOutcome.APPROVED
    assert result.payment_id == "pay-1"
    assert result.amount_minor == 4999
    assert result.token is not None
    assert result.token.startswith("tok_")
    assert (result.card_brand, result.last4) == ("AMEX", "0005")
    assert not contains_card_data(repr(result))
    assert rig.reader.state is DeviceState.READY
    busy = [e.new for e in rig.of_type(ReaderStateDidChange)][-2:]
    assert busy == [DeviceState.BUSY, DeviceState.READY]


async def test_vend_report_is_acknowledged_once(rig: Rig) -> None:
    await rig.reader.request_payment(pay(), timeout=2.0)
    first = await rig.reader.report_vend("pay-1", VendOutcome.FAILURE)
    assert first.acknowledged
    assert first.refunded is None  # GATEWAY: the middleware voids, the terminal holds no money
    again = await rig.reader.report_vend("pay-1", VendOutcome.SUCCESS)
    assert not again.acknowledged


async def test_declined_then_approved(rig: Rig) -> None:
    rig.model.inject(TerminalFault.DECLINE)
    declined = await rig.reader.request_payment(pay(1), timeout=2.0)
    assert declined.outcome is PaymentOutcome.DECLINED
    assert declined.reason == "CARD_REMOVED"
    assert (await rig.reader.request_payment(pay(2), timeout=2.0)).outcome is (
        PaymentOutcome.APPROVED
    )


async def test_shopper_never_presents_a_card(rig: Rig) -> None:
    rig.model.inject(TerminalFault.NO_CARD)
    result = await rig.reader.request_payment(pay(), timeout=0.3)
    assert result.outcome is PaymentOutcome.TIMED_OUT


async def test_cancel_while_waiting_for_the_card(rig: Rig) -> None:
    rig.model.present_delay = 30.0
    payment = asyncio.create_task(rig.reader.request_payment(pay(), timeout=20.0))
    await eventually(lambda: rig.reader.state is DeviceState.BUSY)
    await eventually(lambda: any(type(r).__name__ == "StartPayment" for r in rig.model.requests))
    await rig.reader.cancel_payment()
    result = await payment
    assert result.outcome is PaymentOutcome.CANCELLED
    assert rig.reader.state is DeviceState.READY


async def test_cancel_right_after_starting_is_not_lost(rig: Rig) -> None:
    rig.model.present_delay = 30.0
    payment = asyncio.create_task(rig.reader.request_payment(pay(), timeout=20.0))
    await eventually(lambda: rig.reader.state is DeviceState.BUSY)
    await rig.reader.cancel_payment()  # maybe before the terminal accepted the payment
    assert (await payment).outcome is PaymentOutcome.CANCELLED


async def test_cancel_without_payment_is_a_no_op(rig: Rig) -> None:
    await rig.reader.cancel_payment()
    assert rig.reader.state is DeviceState.READY


async def test_one_payment_at_a_time(rig: Rig) -> None:
    rig.model.present_delay = 0.3
    first = asyncio.create_task(rig.reader.request_payment(pay(1), timeout=2.0))
    await eventually(lambda: rig.reader.state is DeviceState.BUSY)
    with pytest.raises(TerminalBusyError):
        await rig.reader.request_payment(pay(2), timeout=2.0)
    assert (await first).outcome is PaymentOutcome.APPROVED


@pytest.mark.parametrize(
    "bad",
    [
        PaymentRequest("", 100, "EUR", 1),
        PaymentRequest("x" * 33, 100, "EUR", 1),
        PaymentRequest("p\x1c1", 100, "EUR", 1),
        PaymentRequest("p1", 0, "EUR", 1),
        PaymentRequest("p1", 100, "eur", 1),
        PaymentRequest("p1", 100, "EURO", 1),
        PaymentRequest("p1", 100, "EUR", -1),
        PaymentRequest("4111111111111111", 100, "EUR", 1),
    ],
)
async def test_invalid_requests_are_refused_before_the_wire(rig: Rig, bad: PaymentRequest) -> None:
    sent = len(rig.model.requests)
    with pytest.raises(InvalidPaymentRequestError) as info:
        await rig.reader.request_payment(bad, timeout=1.0)
    assert "4111" not in str(info.value)
    assert not any(type(r).__name__ == "StartPayment" for r in rig.model.requests[sent:])


async def test_closed_reader_refuses_payments(rig: Rig) -> None:
    await rig.reader.close()
    assert rig.reader.state is DeviceState.CLOSED
    with pytest.raises(DeviceUnavailableError):
        await rig.reader.request_payment(pay(), timeout=1.0)


async def test_identity_change_is_reported_as_possible_tampering(rig: Rig) -> None:
    rig.model.inject(TerminalFault.IDENTITY_CHANGE)
    await eventually(lambda: len(rig.of_type(ReaderIdentityDidChange)) == 2)
    change = rig.of_type(ReaderIdentityDidChange)[-1]
    assert change.old == DEFAULT_IDENTITY
    assert change.new.serial == DEFAULT_IDENTITY.serial + "X"
    assert rig.reader.identity == change.new
    await rig.ready()
    assert (await rig.reader.request_payment(pay(), timeout=2.0)).outcome is (
        PaymentOutcome.APPROVED
    )


async def test_sim_url_factory_with_fault_option() -> None:
    reader = await open_terminal("sim://?fault=decline&brand=MASTERCARD", timings=FAST)
    try:
        assert reader.state is DeviceState.READY
        assert (await reader.request_payment(pay(1), timeout=2.0)).outcome is (
            PaymentOutcome.DECLINED
        )
        ok = await reader.request_payment(pay(2), timeout=2.0)
        assert (ok.outcome, ok.card_brand) == (PaymentOutcome.APPROVED, "MASTERCARD")
    finally:
        await reader.close()


@pytest.mark.parametrize("url", ["sim://?fault=explode", "sim://?colour=red", "sim://?down_time=x"])
async def test_bad_sim_urls_are_init_errors(url: str) -> None:
    with pytest.raises(TerminalInitError):
        await open_terminal(url, timings=FAST)


async def test_missing_port_is_unavailable_not_an_exception() -> None:
    reader = SerialTerminalReader("/dev/does-not-exist-terminal", timings=FAST)
    try:
        await reader.start()
        assert reader.state is DeviceState.UNAVAILABLE
        assert reader.identity is None
    finally:
        await reader.close()


async def test_vend_report_to_a_hung_terminal_is_not_acknowledged(rig: Rig) -> None:
    await rig.reader.request_payment(pay(), timeout=2.0)
    rig.server.silent = True
    vend = await rig.reader.report_vend("pay-1", VendOutcome.SUCCESS)
    assert not vend.acknowledged
    rig.server.silent = False
    await rig.ready()


async def test_payment_when_the_link_breaks_during_start_ends_failed() -> None:
    rig = await make_rig("pty", replace(FAST, poll_interval=3600.0))  # no poll in between
    try:
        await rig.reader.start()
        await rig.ready()
        rig.model.inject(TerminalFault.NAK, 3)  # every try of the start frame is NAKed
        result = await rig.reader.request_payment(pay(), timeout=2.0)
        assert result.outcome is PaymentOutcome.FAILED
        await rig.ready()
    finally:
        await rig.reader.close()
        await rig.server.close()
