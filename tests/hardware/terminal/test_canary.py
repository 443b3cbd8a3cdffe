"""Card-number canary: card-shaped data from the terminal is rejected, reported as a reader
fault, ends the payment FAILED, and its digits appear nowhere (logs, events, results,
exceptions, trace hooks)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from hardware.cardreader import (
    PaymentOutcome,
    PaymentRequest,
    PaymentResult,
    ReaderFaultDidOccur,
    VendOutcome,
)
from hardware.common.state import DeviceState
from hardware.terminal.errors import InvalidPaymentRequestError
from hardware.terminal.framing import encode_frame
from hardware.terminal.messages import PaymentAccepted
from hardware.terminal.simulator import TEST_PAN, TEST_TRACK2, TerminalFault
from tests.hardware.terminal.conftest import Rig, eventually, make_rig

PAY = PaymentRequest(payment_id="canary-1", amount_minor=990, currency="EUR", item_number=1)
LEAKS = ("411111111111", "4111 1111 1111", "4111-1111-1111", "2512101")


@pytest.fixture
async def rig(caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    caplog.set_level(logging.DEBUG)
    r = await make_rig("pty")
    await r.reader.start()
    await r.ready()
    yield r
    await r.reader.close()
    await r.server.close()


def assert_no_card_data(rig: Rig, caplog: pytest.LogCaptureFixture, *extra: object) -> None:
    rx = b"".join(data for direction, data in rig.traced_bytes if direction == "rx")
    places = {
        "logs": caplog.text,
        "events": repr(rig.events),
        "trace_bytes": rx.decode("latin-1"),
        "trace_message": repr(rig.traced_messages),
        "extra": repr(extra),
    }
    for where, text in places.items():
        for leak in LEAKS:
            assert leak not in text, f"card digits leaked into {where}"


def card_faults(rig: Rig) -> list[ReaderFaultDidOccur]:
    return [f for f in rig.of_type(ReaderFaultDidOccur) if f.code == "CARD_DATA"]


async def pay_while_waiting_for_card(rig: Rig) -> asyncio.Task[PaymentResult]:
    rig.model.present_delay = 30.0
    task = asyncio.create_task(rig.reader.request_payment(PAY, timeout=20.0))
    await eventually(lambda: any(isinstance(m, PaymentAccepted) for _, m in rig.traced_messages))
    return task


@pytest.mark.parametrize("fault", [TerminalFault.PAN_IN_TOKEN, TerminalFault.TRACK_DATA])
async def test_card_data_in_token_field(
    rig: Rig, caplog: pytest.LogCaptureFixture, fault: TerminalFault
) -> None:
    rig.model.inject(fault)
    result = await rig.reader.request_payment(PAY, timeout=2.0)
    assert result.outcome is PaymentOutcome.FAILED
    assert result.token is None
    assert len(card_faults(rig)) == 1
    assert "rejected" in caplog.text
    # the trace shows the frame, with the offending field replaced
    assert any(b"[REDACTED]" in data for d, data in rig.traced_bytes if d == "rx")
    assert_no_card_data(rig, caplog, result)
    assert TEST_PAN not in repr(result) and TEST_TRACK2 not in caplog.text


async def test_grouped_pan_in_an_error_event(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    payment = await pay_while_waiting_for_card(rig)
    rig.server.inject(encode_frame(7, b"EE\x1ccanary-1\x1cREAD\x1ccard 4111 1111 1111 1111 bad"))
    result = await payment
    assert result.outcome is PaymentOutcome.FAILED
    assert card_faults(rig)
    assert "field 4" in card_faults(rig)[0].detail
    assert_no_card_data(rig, caplog, result)


async def test_pan_in_the_message_type_position(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    payment = await pay_while_waiting_for_card(rig)
    rig.server.inject(encode_frame(8, b"4111-1111-1111-1111\x1cx"))
    assert (await payment).outcome is PaymentOutcome.FAILED
    assert "'?'" in card_faults(rig)[0].detail
    assert_no_card_data(rig, caplog)


async def test_pan_in_garbage_split_across_reads(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.server.inject(b"\xff\xfe 41111111")
    await asyncio.sleep(0.05)
    rig.server.inject(b"11111111 \xff")
    await eventually(lambda: bool(card_faults(rig)))
    assert_no_card_data(rig, caplog)
    assert rig.reader.state is DeviceState.READY


async def test_pan_in_a_broken_frame(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    good = encode_frame(6, b"ET\x1cx\x1c" + TEST_PAN.encode() + b"\x1cVISA\x1c1111\x1c")
    rig.server.inject(good[:-1] + bytes([good[-1] ^ 0x01]))
    await eventually(lambda: bool(card_faults(rig)))
    assert_no_card_data(rig, caplog)


async def test_track1_in_a_status_reply_field(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.server.inject(encode_frame(5, b"EE\x1c\x1cX\x1c%B4111111111111111^DOE/JOHN^25121010"))
    await eventually(lambda: bool(card_faults(rig)))
    assert "DOE/JOHN" not in caplog.text
    assert not any(b"DOE/JOHN" in data for _, data in rig.traced_bytes)
    assert_no_card_data(rig, caplog)


async def test_card_shaped_ids_from_the_kiosk_never_reach_wire_or_logs(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    vend = await rig.reader.report_vend(TEST_PAN, VendOutcome.FAILURE)
    assert not vend.acknowledged
    with pytest.raises(InvalidPaymentRequestError) as info:
        await rig.reader.request_payment(PaymentRequest(TEST_PAN, 100, "EUR", 1), timeout=1.0)
    assert_no_card_data(rig, caplog, vend, str(info.value))
    tx = b"".join(data for direction, data in rig.traced_bytes if direction == "tx")
    assert b"411111111111" not in tx
