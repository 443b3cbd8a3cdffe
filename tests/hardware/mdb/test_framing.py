"""Framing tables for both layers (MDB block, bridge frame) and Hypothesis random bytes."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.common.errors import FramingError
from hardware.mdb import framing
from hardware.mdb.errors import MdbFramingError
from hardware.mdb.framing import (
    MODE_BIT,
    Block,
    BridgeDecoder,
    ControlWord,
    decode_from_peripheral,
    decode_from_vmc,
    encode_bridge_frame,
)

M = MODE_BIT

# -- layer 1: MDB blocks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x10", (0x110, 0x10)),  # RESET 10H
        (b"\x12", (0x112, 0x12)),  # POLL 10H
        (b"\x62", (0x162, 0x62)),  # POLL 60H
        (b"\x13\x00\x00\xfa\x00\x07", (0x113, 0x00, 0x00, 0xFA, 0x00, 0x07, 0x14)),  # VEND REQ
        (b"\x14\x01", (0x114, 0x01, 0x15)),  # READER ENABLE
        (b"\x13\xff\xff", (0x113, 0xFF, 0xFF, 0x11)),  # checksum wraps at 8 bits
    ],
)
def test_vmc_block_round_trip(data: bytes, words: tuple[int, ...]) -> None:
    assert framing.encode_vmc_block(data) == words
    assert decode_from_vmc(words) == Block(data)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x00", (0x00, 0x100)),  # JUST RESET
        (b"\x07", (0x07, 0x107)),  # END SESSION
        (b"\x03\xff\xff\x05\x00\xfa", (0x03, 0xFF, 0xFF, 0x05, 0x00, 0xFA, 0x100)),
    ],
)
def test_peripheral_block_round_trip(data: bytes, words: tuple[int, ...]) -> None:
    assert framing.encode_peripheral_block(data) == words
    assert decode_from_peripheral(words) == Block(data)


@pytest.mark.parametrize("code", [framing.ACK, framing.NAK])
def test_peripheral_control_words(code: int) -> None:
    assert framing.encode_peripheral_control(code) == (code | M,)
    assert decode_from_peripheral((code | M,)) == ControlWord(code)


@pytest.mark.parametrize("code", [framing.ACK, framing.RET, framing.NAK])
def test_vmc_control_words(code: int) -> None:
    assert framing.encode_vmc_control(code) == (code,)
    assert decode_from_vmc((code,)) == ControlWord(code)


@pytest.mark.parametrize(
    "words",
    [
        (0x112, 0x13),  # bad checksum
        (0x12, 0x12),  # no mode bit on the address
        (0x112, 0x112),  # mode bit on the checksum
        (0x112,),  # address without checksum
        (),  # nothing
        tuple([0x112] + [0] * 36),  # too long
        (0x112, 0x200),  # not a 9-bit word
    ],
)
def test_bad_vmc_blocks(words: tuple[int, ...]) -> None:
    with pytest.raises(MdbFramingError):
        decode_from_vmc(words)


@pytest.mark.parametrize(
    "words",
    [
        (0x07, 0x108),  # bad checksum
        (0x07, 0x07),  # no mode bit at the end
        (0x107, 0x107),  # mode bit before the end
        (0x00,),  # control word without mode bit
    ],
)
def test_bad_peripheral_blocks(words: tuple[int, ...]) -> None:
    with pytest.raises(MdbFramingError):
        decode_from_peripheral(words)


@pytest.mark.parametrize("data", [b"", bytes(36)])
def test_block_size_limits(data: bytes) -> None:
    with pytest.raises(MdbFramingError):
        framing.encode_vmc_block(data)
    with pytest.raises(MdbFramingError):
        framing.encode_peripheral_block(data)


def test_framing_errors_are_hardware_framing_errors() -> None:
    assert issubclass(MdbFramingError, FramingError)


# -- layer 2: bridge frames -------------------------------------------------------------------

POLL_FRAME = bytes.fromhex("7e 01 12 00 12 1c 7f")
ACK_FRAME = bytes.fromhex("7e 01 00 15 7f")


@pytest.mark.parametrize(
    ("words", "frame"),
    [
        ((0x112, 0x12), POLL_FRAME),
        ((0x100,), ACK_FRAME),
        ((0x00,), bytes.fromhex("7e 00 00 00 7f")),  # the VMC's ACK (crc of 00 00 is 00)
    ],
)
def test_bridge_frame_table(words: tuple[int, ...], frame: bytes) -> None:
    assert encode_bridge_frame(words) == frame
    assert BridgeDecoder().feed(frame) == [words]


def test_bridge_escapes_delimiters() -> None:
    words = (0x17E, 0x7D, 0x7F, 0x00)
    frame = encode_bridge_frame(words)
    assert frame[0] == framing.SOF and frame[-1] == framing.EOF
    assert framing.SOF not in frame[1:-1] and framing.EOF not in frame[1:-1]
    assert bytes((framing.ESC, 0x5E)) in frame
    assert BridgeDecoder().feed(frame) == [words]


@pytest.mark.parametrize("words", [(), tuple(range(41)), (0x200,), (-1,)])
def test_bridge_encode_rejects(words: tuple[int, ...]) -> None:
    with pytest.raises(MdbFramingError):
        encode_bridge_frame(words)


@pytest.mark.parametrize(
    ("stream", "frames", "dropped", "bad"),
    [
        (b"\x00\x55" + POLL_FRAME, 1, 2, 0),  # garbage before
        (POLL_FRAME + b"\x13\x37", 1, 2, 0),  # garbage after
        (POLL_FRAME[:4] + POLL_FRAME, 1, 0, 1),  # truncated frame, then a full one (resync)
        (POLL_FRAME[:-2] + b"\x1d\x7f" + POLL_FRAME, 1, 0, 1),  # bad CRC
        (b"\x7e\x01\x12\x7f" + ACK_FRAME, 1, 0, 1),  # even body length
        (b"\x7e\x15\x7f" + ACK_FRAME, 1, 0, 1),  # too short
        (b"\x7e\x02\x00\x2a\x7f" + ACK_FRAME, 1, 0, 1),  # mode byte not 0/1 (crc ok)
        (b"\x7e\x7d\x7d\x00" + ACK_FRAME, 1, 1, 1),  # double escape drops the frame
        (b"\x7e\x7d\x41\x00" + ACK_FRAME, 1, 1, 1),  # escape of a normal byte
        (b"\x7e\x01\x7d\x7f" + ACK_FRAME, 1, 0, 1),  # escape right before EOF
        (b"\x7e" + bytes(90) + ACK_FRAME, 1, 8, 1),  # over-long frame
        (POLL_FRAME[:3] + b"\x99" + POLL_FRAME[3:], 0, 0, 1),  # garbage inside
    ],
)
def test_bridge_resync_table(stream: bytes, frames: int, dropped: int, bad: int) -> None:
    decoder = BridgeDecoder()
    assert len(decoder.feed(stream)) == frames
    assert decoder.dropped_bytes == dropped
    assert decoder.bad_frames == bad
    assert decoder.feed(POLL_FRAME) == [(0x112, 0x12)]  # always back in sync


def test_bridge_decoder_byte_by_byte_and_garbage_for_trace() -> None:
    decoder = BridgeDecoder()
    got = []
    for byte in b"ab" + POLL_FRAME + ACK_FRAME:
        got += decoder.feed(bytes((byte,)))
    assert got == [(0x112, 0x12), (0x100,)]
    assert decoder.take_garbage() == b"ab"
    assert decoder.take_garbage() == b""


def test_crc8_reference_value() -> None:
    assert framing.crc8(b"123456789") == 0xF4  # CRC-8/SMBUS check value


# -- Hypothesis ------------------------------------------------------------------------------


@given(st.binary(max_size=300))
def test_random_bytes_never_break_the_bridge_decoder(garbage: bytes) -> None:
    decoder = BridgeDecoder()
    for words in decoder.feed(garbage):
        assert all(0 <= w <= 0x1FF for w in words)
    assert decoder.feed(POLL_FRAME) == [(0x112, 0x12)]


@given(st.lists(st.integers(0, 0x1FF), min_size=1, max_size=40), st.binary(max_size=50))
def test_random_words_round_trip_after_garbage(words: list[int], garbage: bytes) -> None:
    decoder = BridgeDecoder()
    decoder.feed(garbage)
    assert decoder.feed(encode_bridge_frame(words)) == [tuple(words)]


@given(st.lists(st.integers(0, 0x1FF), max_size=40))
def test_random_words_only_raise_framing_errors(words: list[int]) -> None:
    for decode in (decode_from_vmc, decode_from_peripheral):
        with contextlib.suppress(MdbFramingError):
            decode(words)
