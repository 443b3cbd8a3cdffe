"""The card-number canary: a reader that puts a card number in a DISPLAY REQUEST (or on the
wire as noise). The driver drops it, logs it redacted, raises ReaderFaultDidOccur, and the
digits appear in no log record, event, trace or exception text."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from hardware.cardreader import PaymentOutcome, PaymentRequest, ReaderFaultDidOccur, VendOutcome
from hardware.mdb import framing
from hardware.mdb.errors import MdbError
from hardware.mdb.messages import DisplayRequest, encode_response
from hardware.mdb.simulator import PAN_CANARY, Fault
from tests.hardware.mdb.conftest import Rig, wait_until

DIGITS = ("4111111111111111", "4111 1111 1111 1111", "1111 1111")


def assert_clean(text: str) -> None:
    for digits in DIGITS:
        assert digits not in text


async def test_pan_in_display_request_never_leaks(
    make_rig: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig: Rig = await make_rig()  # type: ignore[misc]
    rig.model.reader().arm(Fault.PAN_DISPLAY)
    result = await rig.reader.request_payment(PaymentRequest("pan-1", 250, "EUR", 1), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    await rig.reader.report_vend("pan-1", VendOutcome.SUCCESS)
    faults = [e for e in rig.events if isinstance(e, ReaderFaultDidOccur)]
    assert [f.code for f in faults] == ["card_data"]
    assert "REDACTED" in caplog.text  # logged, redacted
    assert_clean(caplog.text)
    assert_clean(repr(rig.events))
    assert_clean(repr(rig.traced))
    assert_clean(repr(result))


async def test_pan_as_line_noise_never_leaks(
    make_rig: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig: Rig = await make_rig()  # type: ignore[misc]
    rig.server.inject(PAN_CANARY[:14].encode())  # raw bytes outside any frame, in two parts
    rig.server.inject(PAN_CANARY[14:].encode())
    words = framing.encode_peripheral_block(encode_response(DisplayRequest(10, PAN_CANARY)))
    rig.server.inject(framing.encode_bridge_frame(words))  # a stray, unsolicited frame
    await wait_until(lambda: any(d == "rx-garbage" for d, _ in rig.traced))
    result = await rig.reader.request_payment(PaymentRequest("pan-2", 250, "EUR", 1), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    assert_clean(caplog.text)
    assert_clean(repr(rig.traced))
    assert_clean(repr(rig.events))


def test_error_texts_carry_no_reader_bytes() -> None:
    words = framing.encode_peripheral_block(encode_response(DisplayRequest(10, PAN_CANARY)))
    broken = (*words[:-1], (words[-1] + 1) & 0xFF | framing.MODE_BIT)
    with pytest.raises(MdbError) as info:
        framing.decode_from_peripheral(broken)
    assert_clean(str(info.value))
    assert_clean(repr(info.value))
