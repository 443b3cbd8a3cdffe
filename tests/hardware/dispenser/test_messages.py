"""Round trips and malformed payloads for every dispenser message."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.dispenser import messages as m
from hardware.dispenser.errors import MalformedMessageError

REPORT = m.Report(7, m.CommandKind.SPRAY, m.WireStatus.FAILED, m.WireOutcome.JAM, 1, 0, "jam")
SAMPLES: list[m.Message] = [
    m.Hello(),
    m.ReadStatus(),
    m.Spray(0xFFFFFFFF, 3, 2, 120, test=True),
    m.DropBottle(5, 1, 1500),
    m.QueryCommand(42),
    m.Identity(1, 4, 3, 10, 500, 99, "PK-DISP-1", "SN1", "1.2.3"),
    m.Status(
        True,
        -55,
        (m.ChannelReading(0, 49_900, 100, False), m.ChannelReading(1, 0, 100, True)),
        (m.SlotReading(0, 4, False),),
    ),
    REPORT,
    m.Nak(m.NakReason.CONFLICT),
    m.CommandFinished(REPORT),
    m.DoorChanged(True),
    m.ChannelLevelChanged(2, 1000, 100, True),
    m.SlotLevelChanged(1, 0, True),
    m.TemperatureChanged(-123),
    m.BoardReset(3, m.ResetReason.WATCHDOG),
]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda x: type(x).__name__)
def test_round_trip(message: m.Message) -> None:
    assert m.decode_message(message.TYPE, message.encode()) == message


def test_spray_payload_bytes() -> None:
    assert m.Spray(42, 0, 2, 120).encode() == bytes.fromhex("0000002A 00 02 0078 00")
    assert m.DropBottle(1, 2, 1500, test=True).encode() == bytes.fromhex("00000001 02 05DC 01")


@pytest.mark.parametrize(
    ("frame_type", "payload", "match"),
    [
        (0x77, b"", "unknown message type"),
        (m.Hello.TYPE, b"\x00", "extra bytes"),
        (m.Spray.TYPE, b"\x00\x00", "too short"),
        (m.Report.TYPE, REPORT.encode()[:4] + b"\x09" + REPORT.encode()[5:], "CommandKind"),
        (m.Report.TYPE, REPORT.encode()[:-2], "runs past"),
        (m.Identity.TYPE, bytes(10) + b"\x01\xff" + b"\x00\x00", "not ASCII"),
        (m.Nak.TYPE, b"\x63", "NakReason"),
        (m.BoardReset.TYPE, b"\x00\x00\x00\x01\x09", "ResetReason"),
    ],
)
def test_malformed_payloads(frame_type: int, payload: bytes, match: str) -> None:
    with pytest.raises(MalformedMessageError, match=match):
        m.decode_message(frame_type, payload)


@given(st.integers(0, 255), st.binary(max_size=64))
def test_random_payloads_only_raise_our_error(frame_type: int, payload: bytes) -> None:
    with contextlib.suppress(MalformedMessageError):
        m.decode_message(frame_type, payload)
