"""Messages of the serial scanner protocol: exact bytes and rejection of malformed packets."""

from __future__ import annotations

import pytest

from hardware.scanner.errors import ScannerMessageError
from hardware.scanner.framing import Packet
from hardware.scanner.messages import (
    Ack,
    Disable,
    Enable,
    Identify,
    Message,
    Nak,
    NakReason,
    Ping,
    ScannerIdentity,
    ScanReport,
    Trigger,
    decode_packet,
    encode_message,
)
from hardware.scanner.symbology import Symbology, from_aim, from_zbar, to_aim

IDENTITY = ScannerIdentity(model="SIM-2D100", serial="SIM0001", firmware="1.0.0")


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        (Identify(1), "02 49 00 01 b5 01 6e f1 03"),
        (Enable(2), "02 45 00 01 b9 02 90 d4 03"),
        (Disable(3), "02 44 00 01 ba 03 7f f7 03"),
        (Trigger(4), "02 54 00 01 aa 04 08 39 03"),
        (Ping(5), "02 50 00 01 ae 05 5d da 03"),
        (Ack(2), "02 06 00 01 f8 02 51 93 03"),
        (Nak(4, NakReason.BUSY), "02 15 00 02 e8 04 03 4f ca 03"),
        (
            Ack(1, IDENTITY.encode()),
            "02 06 00 18 e1 01 53 49 4d 2d 32 44 31 30 30 1f 53 49 4d 30 30 30 31 1f"
            " 31 2e 30 2e 30 42 08 03",
        ),
        (
            ScanReport("]Q1", b"tok_AbC-123"),
            "02 53 00 0e 9e 5d 51 31 74 6f 6b 5f 41 62 43 2d 31 32 33 6b ea 03",
        ),
    ],
)
def test_wire_bytes(message: Message, wire: str) -> None:
    assert encode_message(message).hex(" ") == wire
    packet = message.to_packet()
    assert decode_packet(packet) == message


@pytest.mark.parametrize(
    "packet",
    [
        Packet(0x53, b"]Q"),  # scan shorter than its AIM id
        Packet(0x06, b""),  # ACK without sequence
        Packet(0x15, b"\x01"),  # NAK without reason
        Packet(0x7A, b"\x01"),  # unknown kind
        Packet(0x49, b"\x01\x02"),  # command with extra bytes
    ],
)
def test_malformed_packets(packet: Packet) -> None:
    with pytest.raises(ScannerMessageError):
        decode_packet(packet)


def test_unknown_nak_reason_maps_to_other() -> None:
    assert decode_packet(Packet(0x15, b"\x07\x42")) == Nak(7, NakReason.OTHER)


def test_identity_round_trip_and_errors() -> None:
    assert ScannerIdentity.decode(IDENTITY.encode()) == IDENTITY
    with pytest.raises(ScannerMessageError):
        ScannerIdentity.decode(b"only\x1ftwo")


def test_scan_report_needs_three_character_aim_id() -> None:
    with pytest.raises(ScannerMessageError):
        ScanReport("]Q", b"x").to_packet()


@pytest.mark.parametrize("symbology", list(Symbology))
def test_aim_round_trip(symbology: Symbology) -> None:
    expected = Symbology.EAN_13 if symbology is Symbology.UPC_A else symbology
    assert from_aim(to_aim(symbology)) is (
        Symbology.UNKNOWN if symbology is Symbology.UNKNOWN else expected
    )


def test_symbology_names() -> None:
    assert from_aim("Q1") is Symbology.UNKNOWN
    assert from_aim("]Z0") is Symbology.UNKNOWN
    assert from_zbar("QRCODE") is Symbology.QR_CODE
    assert from_zbar("COMPOSITE") is Symbology.UNKNOWN
