"""Messages: every type round-trips through encode/decode; invalid bodies are refused."""

from __future__ import annotations

import pytest

from hardware.terminal import messages as m
from hardware.terminal.errors import TerminalMessageError

ALL = [
    m.Identify(),
    m.GetStatus(),
    m.StartPayment(
        payment_id="pay-1", amount_minor=1250, currency="EUR", item_number=7, timeout_ms=30000
    ),
    m.CancelPayment("pay-1"),
    m.ReportVend("pay-1", m.VendCode.FAILURE),
    m.IdentityReport(manufacturer="Acme", model="AP-700", serial="SN1", firmware="1.0"),
    m.StatusReport(m.TerminalStatus.IDLE, ""),
    m.PaymentAccepted("pay-1"),
    m.CancelAccepted("pay-1", True),
    m.VendAcknowledged("pay-1"),
    m.RequestRefused(request_type="PY", code="BUSY", detail="a payment is in progress"),
    m.CardWasPresented("pay-1"),
    m.TokenWasIssued(payment_id="pay-1", token="tok_abc", brand="VISA", last4="4242", reference=""),
    m.PaymentWasDeclined("pay-1", "CARD_REMOVED"),
    m.PaymentDidTimeOut("pay-1"),
    m.PaymentWasCancelled("pay-1"),
    m.TerminalDidFail(payment_id="", code="READER_ERROR", detail="antenna"),
    m.TerminalDidBoot(),
]


@pytest.mark.parametrize("message", ALL, ids=lambda x: type(x).__name__)
def test_round_trip(message: m.Message) -> None:
    assert m.decode(m.encode(message)) == message


def test_known_body_bytes() -> None:
    assert m.encode(ALL[2]) == b"PY\x1cpay-1\x1c1250\x1cEUR\x1c7\x1c30000"
    assert m.encode(m.CancelAccepted("p", False)) == b"CA\x1cp\x1c0"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"ZZ", "unknown message type"),
        (b"ID\x1cextra", "needs 0 fields"),
        (b"PY\x1cp\x1c12\x1ceur\x1c1\x1c1", "currency"),
        (b"PY\x1cp\x1c1x\x1cEUR\x1c1\x1c1", "amount"),
        (b"ET\x1cp\x1ctok\x1cVISA\x1c42\x1c", "last4"),
        (b"SR\x1cASLEEP\x1c", "unknown status"),
        (b"CA\x1cp\x1c2", "cancelled flag"),
        (b"PA\x1c", "payment id is empty"),
        (b"PA\x1c" + b"x" * 33, "longer than 32"),
        (b"VR\x1cp\x1cX", "unknown vend"),
    ],
)
def test_decode_rejects(body: bytes, match: str) -> None:
    with pytest.raises(TerminalMessageError, match=match):
        m.decode(body)


def test_encode_rejects_unsendable_field() -> None:
    with pytest.raises(TerminalMessageError, match="printable"):
        m.encode(m.CancelPayment("p\x1c1"))
    with pytest.raises(TerminalMessageError, match="printable"):
        m.encode(m.PaymentWasDeclined("p", "caf\u00e9"))


def test_decode_errors_never_echo_card_numbers() -> None:
    for body in (b"4111111111111111", b"SR\x1c4111111111111111\x1c"):
        with pytest.raises(TerminalMessageError) as info:
            m.decode(body)
        assert "4111" not in str(info.value)
