"""Message encode/decode tables (commands, replies, several replies per block), money scaling
and identity conversions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.cardreader import ReaderIdentity
from hardware.mdb import conversions as c
from hardware.mdb import messages as m


@pytest.mark.parametrize(
    ("command", "hex10", "hex60"),
    [
        (m.Reset(), "10", "60"),
        (m.SetupConfig(), "11 00 01 00 00 00", "61 00 01 00 00 00"),
        (m.SetupPrices(0x1234, 0x0010), "11 01 12 34 00 10", "61 01 12 34 00 10"),
        (m.Poll(), "12", "62"),
        (m.VendRequest(250, 7), "13 00 00 fa 00 07", "63 00 00 fa 00 07"),
        (m.VendCancel(), "13 01", "63 01"),
        (m.VendSuccess(7), "13 02 00 07", "63 02 00 07"),
        (m.VendFailure(), "13 03", "63 03"),
        (m.SessionComplete(), "13 04", "63 04"),
        (m.ReaderDisable(), "14 00", "64 00"),
        (m.ReaderEnable(), "14 01", "64 01"),
        (m.ReaderCancel(), "14 02", "64 02"),
    ],
)
def test_command_table(command: m.Command, hex10: str, hex60: str) -> None:
    for address, text in ((0x10, hex10), (0x60, hex60)):
        data = m.encode_command(address, command)
        assert data == bytes.fromhex(text)
        assert m.decode_command(data) == (address, command)


def test_expansion_request_id_round_trip() -> None:
    command = m.ExpansionRequestId("PKS", "000000000042", "PERFUMEKIOSK", 0x0100)
    data = m.encode_command(0x10, command)
    assert len(data) == 31 and data[:2] == b"\x17\x00"
    assert m.decode_command(data) == (0x10, command)


@pytest.mark.parametrize("data", [b"", b"\x13\x09", b"\x15", b"\x11\x00\x01"])
def test_unknown_commands(data: bytes) -> None:
    assert m.decode_command(data) is None


RESPONSES: list[m.Response] = [
    m.JustReset(),
    m.ReaderConfig(1, 0x1978, 1, 2, 5, 0),
    m.DisplayRequest(30, "HELLO"),
    m.BeginSession(1000),
    m.SessionCancelRequest(),
    m.VendApproved(250),
    m.VendDenied(),
    m.EndSession(),
    m.Cancelled(),
    m.PeripheralId("NYX", "123456789012", "VPOS", 0x0102),
    m.Malfunction(0xC0),
    m.OutOfSequence(),
]


@pytest.mark.parametrize("response", RESPONSES)
def test_response_round_trip(response: m.Response) -> None:
    assert m.decode_responses(m.encode_response(response)) == (response,)


def test_several_replies_in_one_block() -> None:
    data = bytes.fromhex("03 ff ff 05 00 fa")
    assert m.decode_responses(data) == (m.BeginSession(0xFFFF), m.VendApproved(250))
    assert m.encode_responses([m.BeginSession(0xFFFF), m.VendApproved(250)]) == data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x07\x42\x01\x02", (m.EndSession(), m.UnknownResponse(0x42, 3))),
        (b"\x05\x00", (m.UnknownResponse(0x05, 2),)),  # truncated
    ],
)
def test_unknown_and_truncated_replies(data: bytes, expected: tuple[m.Response, ...]) -> None:
    assert m.decode_responses(data) == expected
    assert m.encode_response(expected[-1])[0] == expected[-1].code  # type: ignore[union-attr]


def test_display_request_with_card_number_is_redacted_at_decode() -> None:
    data = m.encode_response(m.DisplayRequest(30, "CARD 4111 1111 1111 1111"))
    (display,) = m.decode_responses(data)
    assert isinstance(display, m.DisplayRequest)
    assert display.card_data
    assert "4111" not in display.text and "1111" not in repr(display)


@given(st.binary(max_size=80))
def test_random_reply_bytes_never_raise(data: bytes) -> None:
    m.decode_responses(data)
    m.decode_command(data)


@pytest.mark.parametrize(
    ("amount", "config", "exponent", "scaled"),
    [
        (250, m.ReaderConfig(scale_factor=1, decimal_places=2), 2, 250),
        (250, m.ReaderConfig(scale_factor=5, decimal_places=2), 2, 50),
        (251, m.ReaderConfig(scale_factor=5, decimal_places=2), 2, None),  # not a multiple
        (250, m.ReaderConfig(scale_factor=1, decimal_places=1), 2, 25),
        (255, m.ReaderConfig(scale_factor=1, decimal_places=1), 2, None),
        (500, m.ReaderConfig(scale_factor=1, decimal_places=2), 0, 50000),  # JPY-like
        (70000, m.ReaderConfig(scale_factor=1, decimal_places=2), 2, None),  # over 16 bits
        (70000, m.ReaderConfig(scale_factor=10, decimal_places=2), 2, 7000),
    ],
)
def test_money_scaling(amount: int, config: m.ReaderConfig, exponent: int, scaled: int) -> None:
    assert c.to_scaled(amount, config, exponent) == scaled
    if scaled is not None:
        assert c.from_scaled(scaled, config, exponent) == amount


def test_currency_codes() -> None:
    assert c.country_code_for("EUR") == 0x1978
    assert c.country_code_for("XXX") is None
    assert c.minor_exponent("JPY") == 0 and c.minor_exponent("EUR") == 2


def test_identity_from_peripheral_id() -> None:
    identity = c.identity_from(m.PeripheralId("NYX", "123456789012", "VPOS", 0x0102))
    assert identity == ReaderIdentity("NYX", "VPOS", "123456789012", "1.02")
