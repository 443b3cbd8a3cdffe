"""Framing of the serial scanner protocol: byte tables, resync, and random bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.scanner.errors import ScannerFramingError
from hardware.scanner.framing import (
    MAX_PAYLOAD,
    STX,
    Deframer,
    Discarded,
    DiscardReason,
    Packet,
    crc16,
    encode_frame,
    header_check,
)

SCAN = bytes.fromhex("02 53 00 0e 9e 5d 51 31 74 6f 6b 5f 41 62 43 2d 31 32 33 6b ea 03")
ACK = bytes.fromhex("02 06 00 01 f8 02 51 93 03")


def packets(items: list[Packet | Discarded]) -> list[Packet]:
    return [i for i in items if isinstance(i, Packet)]


def reasons(items: list[Packet | Discarded]) -> list[DiscardReason]:
    return [i.reason for i in items if isinstance(i, Discarded)]


def test_crc16_check_value() -> None:
    assert crc16(b"123456789") == 0x29B1


@pytest.mark.parametrize(
    ("kind", "payload", "wire"),
    [
        (0x53, b"]Q1tok_AbC-123", SCAN),
        (0x06, b"\x02", ACK),
        (0x49, b"\x01", bytes.fromhex("02 49 00 01 b5 01 6e f1 03")),
        (
            0x50,
            b"",
            bytes.fromhex("02 50 00 00 af") + crc16(b"\x50\x00\x00\xaf").to_bytes(2) + b"\x03",
        ),
        (0x53, bytes([STX, 0x03, 0x00, 0xFF]), None),  # frame bytes inside the payload
        (0x53, bytes(range(256)) * 4, None),  # every byte value, exactly MAX_PAYLOAD
    ],
)
def test_round_trip(kind: int, payload: bytes, wire: bytes | None) -> None:
    frame = encode_frame(kind, payload)
    if wire is not None:
        assert frame == wire
    assert Deframer().feed(frame) == [Packet(kind, payload)]


@pytest.mark.parametrize(
    ("stream", "expected_packets", "expected_reasons"),
    [
        pytest.param(b"\xff\x00garbage" + ACK, [ACK], [DiscardReason.GARBAGE], id="before"),
        pytest.param(ACK + b"\x10\x20", [ACK], [DiscardReason.GARBAGE], id="after"),
        pytest.param(ACK + b"noise" + SCAN, [ACK, SCAN], [DiscardReason.GARBAGE], id="between"),
        pytest.param(
            SCAN[:9] + b"xx" + SCAN[9:] + ACK,
            [ACK],
            None,  # inside a frame: that frame is lost, the next one survives
            id="inside",
        ),
        pytest.param(
            SCAN[:-3] + bytes([SCAN[-3] ^ 0xFF]) + SCAN[-2:] + ACK,
            [ACK],
            [DiscardReason.BAD_CHECKSUM],
            id="bad-crc",
        ),
        pytest.param(
            SCAN[:-1] + b"\x04" + ACK,
            [ACK],
            [DiscardReason.BAD_TRAILER],
            id="bad-etx",
        ),
        pytest.param(
            bytes([STX, 0x53, 0x00, 0x05, 0x00]) + ACK,
            [ACK],
            [DiscardReason.BAD_HEADER],
            id="bad-header",
        ),
        pytest.param(
            bytes([STX, 0x53, 0x04, 0x01, header_check(0x53, 0x0401)]) + ACK,
            [ACK],
            [DiscardReason.OVERSIZED],
            id="oversized",
        ),
        pytest.param(b"\x02\x02\x02" + ACK, [ACK], None, id="stray-stx"),
    ],
)
def test_garbage_and_resync(
    stream: bytes, expected_packets: list[bytes], expected_reasons: list[DiscardReason] | None
) -> None:
    deframer = Deframer()
    items = deframer.feed(stream)
    assert [encode_frame(p.kind, p.payload) for p in packets(items)] == expected_packets
    if expected_reasons is not None:
        assert set(expected_reasons) <= set(reasons(items))
    assert deframer.pending == 0


def test_inside_garbage_reports_the_broken_frame() -> None:
    items = Deframer().feed(SCAN[:9] + b"xx" + SCAN[9:])
    assert packets(items) == []
    assert DiscardReason.GARBAGE in reasons(items)
    assert sum(len(i.data) for i in items if isinstance(i, Discarded)) == len(SCAN) + 2


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_split_reads(size: int) -> None:
    stream = b"zz" + SCAN + ACK + SCAN
    deframer = Deframer()
    got: list[Packet | Discarded] = []
    for i in range(0, len(stream), size):
        got += deframer.feed(stream[i : i + size])
    assert len(packets(got)) == 3
    assert deframer.pending == 0


def test_partial_frame_is_held_back() -> None:
    deframer = Deframer()
    assert deframer.feed(SCAN[:4]) == []  # header not complete
    assert deframer.feed(SCAN[4:10]) == []  # payload not complete
    assert deframer.pending == 10
    assert deframer.feed(SCAN[10:]) == [Packet(0x53, b"]Q1tok_AbC-123")]


def test_flush_stalled_drops_a_fake_header_and_finds_the_real_frame() -> None:
    deframer = Deframer()
    fake = bytes([STX, 0x53, 0x01, 0x00, header_check(0x53, 0x0100)])  # waits for 256 bytes
    assert packets(deframer.feed(fake + ACK)) == []
    assert deframer.pending == len(fake) + len(ACK)
    items = deframer.flush_stalled()
    assert packets(items) == [Packet(0x06, b"\x02")]
    assert deframer.pending == 0
    assert deframer.flush_stalled() == []


def test_max_payload_is_configurable() -> None:
    small = Deframer(max_payload=4)
    assert reasons(small.feed(encode_frame(0x53, b"12345")))[0] is DiscardReason.OVERSIZED


@pytest.mark.parametrize(
    ("kind", "payload"), [(0x100, b""), (-1, b""), (0x53, bytes(MAX_PAYLOAD + 1))]
)
def test_encode_rejects(kind: int, payload: bytes) -> None:
    with pytest.raises(ScannerFramingError):
        encode_frame(kind, payload)


@settings(max_examples=300, deadline=None)
@given(noise=st.binary(max_size=600), chunks=st.lists(st.integers(1, 64), max_size=40))
def test_random_bytes_never_raise_and_always_resync(noise: bytes, chunks: list[int]) -> None:
    deframer = Deframer()
    stream = noise + ACK + SCAN
    items: list[Packet | Discarded] = []
    pos = 0
    for size in chunks:
        items += deframer.feed(stream[pos : pos + size])
        pos += size
    items += deframer.feed(stream[pos:])
    while deframer.pending:  # what the protocol does after an idle gap
        items += deframer.flush_stalled()
    assert Packet(0x53, b"]Q1tok_AbC-123") in packets(items)
    assert Packet(0x06, b"\x02") in packets(items)
    # Every byte is accounted for: either in a packet or discarded.
    total = sum(len(i.data) for i in items if isinstance(i, Discarded))
    total += sum(len(encode_frame(p.kind, p.payload)) for p in packets(items))
    assert total == len(stream)
