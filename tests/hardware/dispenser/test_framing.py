"""Byte-level tests of the dispenser framing: table-driven round trips, bad CRCs, garbage
before/inside/after frames, and Hypothesis random bytes (never an exception, always resyncs)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.dispenser.framing import (
    BadFrame,
    Frame,
    FrameDecoder,
    crc16_ccitt_false,
    encode_frame,
)

SPRAY = Frame(seq=1, type=0x03, payload=bytes.fromhex("0000002A 00 02 0078 00"))


def wire(frame: Frame) -> bytes:
    return encode_frame(frame)


def test_crc_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF


@pytest.mark.parametrize(
    ("frame", "expected_hex"),
    [
        # empty HELLO, seq 0: LEN 00, SEQ 00, TYPE 01, CRC over 00 00 01
        (Frame(0, 0x01), "7E 00 00 01 " + f"{crc16_ccitt_false(bytes([0, 0, 1])):04X}"),
        # a payload holding both special bytes is stuffed
        (Frame(5, 0x05, b"\x7e\x7d\x00\x01"),
         "7E 04 05 05 7D5E 7D5D 00 01 "
         + f"{crc16_ccitt_false(bytes([4, 5, 5, 0x7E, 0x7D, 0, 1])):04X}"),
        # sequence number equal to the start byte is stuffed too
        (Frame(0x7E, 0x02), "7E 00 7D5E 02 " + f"{crc16_ccitt_false(bytes([0, 0x7E, 2])):04X}"),
    ],
)  # fmt: skip
def test_encode_table(frame: Frame, expected_hex: str) -> None:
    expected = bytearray(bytes.fromhex(expected_hex))
    # the CRC itself may need stuffing
    head, crc = expected[:-2], expected[-2:]
    stuffed_crc = b"".join(
        bytes([0x7D, b ^ 0x20]) if b in (0x7D, 0x7E) else bytes([b]) for b in crc
    )
    assert wire(frame) == bytes(head) + stuffed_crc
    assert FrameDecoder().feed(wire(frame)) == [frame]


def test_known_spray_bytes() -> None:
    data = wire(SPRAY)
    crc = crc16_ccitt_false(bytes.fromhex("09 01 03 0000002A 00 02 0078 00"))
    assert data == bytes.fromhex("7E 09 01 03 0000002A 00 02 0078 00") + crc.to_bytes(2, "big")


@pytest.mark.parametrize(
    ("data", "frames", "bad"),
    [
        (b"\x00\xff\x13" + wire(SPRAY), [SPRAY], 0),  # garbage before
        (wire(SPRAY) + b"\x00\x11\x22", [SPRAY], 0),  # garbage after
        (wire(SPRAY)[:6] + b"\x99" + wire(SPRAY)[6:], [], 1),  # garbage inside: CRC fails
        (wire(SPRAY)[:6] + wire(SPRAY), [SPRAY], 1),  # cut short by a new frame
        (wire(SPRAY)[:-1] + bytes([wire(SPRAY)[-1] ^ 1]), [], 1),  # bad CRC
        (b"\x7e\x01\x00\x01\x7d\x00\x00\x00" + wire(SPRAY), [SPRAY], 1),  # bad escape
        (b"\x7e\x7d" + wire(SPRAY), [SPRAY], 0),  # escape then start byte: plain restart
        (b"\x7e\x7e\x7e" + wire(SPRAY) + wire(SPRAY), [SPRAY, SPRAY], 0),  # repeated starts
    ],
)
def test_decode_table(data: bytes, frames: list[Frame], bad: int) -> None:
    decoder = FrameDecoder()
    out = decoder.feed(data)
    assert [f for f in out if isinstance(f, Frame)] == frames
    assert len([b for b in out if isinstance(b, BadFrame)]) == bad
    assert decoder.bad_frames == bad


def test_bad_frame_carries_seq_when_known() -> None:
    broken = bytearray(wire(Frame(9, 0x02)))
    broken[-1] ^= 0x01
    assert FrameDecoder().feed(bytes(broken)) == [BadFrame("bad CRC", 9)]
    cut = FrameDecoder().feed(b"\x7e\x00\x7e")
    assert cut == [BadFrame("frame cut short by a new start byte", None)]


def test_byte_by_byte_feed_and_skipped_count() -> None:
    decoder = FrameDecoder()
    out = []
    for b in b"abc" + wire(SPRAY):
        out += decoder.feed(bytes([b]))
    assert out == [SPRAY]
    assert decoder.skipped_bytes == 3


def test_max_payload_and_limits() -> None:
    big = Frame(255, 0xFF, bytes(range(256))[:255])
    assert FrameDecoder().feed(wire(big)) == [big]
    with pytest.raises(ValueError, match="payload"):
        encode_frame(Frame(0, 1, bytes(256)))
    with pytest.raises(ValueError, match="one byte"):
        encode_frame(Frame(256, 1))


frames_st = st.builds(
    Frame,
    seq=st.integers(0, 255),
    type=st.integers(0, 255),
    payload=st.binary(max_size=255),
)


@given(frames_st)
def test_round_trip_any_frame(frame: Frame) -> None:
    assert FrameDecoder().feed(encode_frame(frame)) == [frame]


@given(st.binary(max_size=600), frames_st, st.binary(max_size=50))
def test_random_bytes_never_raise_and_always_resync(
    noise: bytes, frame: Frame, tail: bytes
) -> None:
    decoder = FrameDecoder()
    decoder.feed(noise)  # whatever noise decodes to, it must not raise
    out = decoder.feed(encode_frame(frame))
    assert [f for f in out if isinstance(f, Frame)][-1] == frame
    for item in decoder.feed(tail):
        assert isinstance(item, Frame | BadFrame)
