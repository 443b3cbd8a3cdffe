"""Framing: table-driven byte tests and a Hypothesis fuzz of the decoder (no I/O)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.terminal import framing
from hardware.terminal.errors import TerminalFramingError
from hardware.terminal.framing import (
    BadFrame,
    Control,
    Frame,
    FrameDecoder,
    FrameFault,
    Garbage,
    encode_frame,
)

STATUS = b"\x021ST\x035"  # seq 1, body "ST", LRC = '1' ^ 'S' ^ 'T' ^ ETX = 0x35
IDENT = b"\x020ID\x03>"
FIELDS = encode_frame(4, b"ET\x1cp1\x1ctok\x1cVISA\x1c4242\x1cR1")


def tokens(*chunks: bytes) -> list[framing.Token]:
    decoder = FrameDecoder()
    out: list[framing.Token] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out


@pytest.mark.parametrize(
    ("seq", "payload", "wire"),
    [
        (1, b"ST", STATUS),
        (0, b"ID", IDENT),
        (9, b"", b"\x029\x03\x3a"),
        (
            2,
            b"PY\x1cp1\x1c1250\x1cEUR\x1c7\x1c1000",
            b"\x022PY\x1cp1\x1c1250\x1cEUR\x1c7\x1c1000\x03\x17",
        ),
    ],
)
def test_encode_known_bytes_and_round_trip(seq: int, payload: bytes, wire: bytes) -> None:
    assert encode_frame(seq, payload) == wire
    assert tokens(wire) == [Frame(seq=seq, payload=payload, raw=wire)]


@pytest.mark.parametrize(
    ("seq", "payload", "message"),
    [
        (10, b"ST", "out of range"),
        (-1, b"ST", "out of range"),
        (1, b"A" * framing.MAX_BODY, "exceeds"),
        (1, b"A\x02B", "0x02"),
        (1, b"caf\xe9", "0xE9"),
    ],
)
def test_encode_rejects(seq: int, payload: bytes, message: str) -> None:
    with pytest.raises(TerminalFramingError, match=message):
        encode_frame(seq, payload)


def bad_lrc(frame: bytes) -> bytes:
    return frame[:-1] + bytes([frame[-1] ^ 0x01])


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param([b"\x06"], [Control.ACK], id="ack"),
        pytest.param([b"\x15"], [Control.NAK], id="nak"),
        pytest.param(
            [b"xx", STATUS],
            [Garbage(b"xx"), Frame(seq=1, payload=b"ST", raw=STATUS)],
            id="garbage-before",
        ),
        pytest.param(
            [STATUS + b"zz"],
            [Frame(seq=1, payload=b"ST", raw=STATUS), Garbage(b"zz")],
            id="garbage-after",
        ),
        pytest.param(
            [b"\x021S", b"T\x03", b"5"],
            [Frame(seq=1, payload=b"ST", raw=STATUS)],
            id="split-across-reads",
        ),
        pytest.param(
            [bad_lrc(STATUS)], [BadFrame(FrameFault.BAD_LRC, bad_lrc(STATUS))], id="bad-lrc"
        ),
        pytest.param(
            [STATUS[:-1] + IDENT],
            [
                BadFrame(FrameFault.BAD_LRC, STATUS[:-1] + b"\x02"),
                Frame(seq=0, payload=b"ID", raw=IDENT),
            ],
            id="lost-lrc-then-frame",
        ),
        pytest.param(
            [b"\x021S\x00T\x035", IDENT],
            [
                BadFrame(FrameFault.ILLEGAL_BYTE, b"\x021S\x00"),
                Garbage(b"T\x035"),
                Frame(seq=0, payload=b"ID", raw=IDENT),
            ],
            id="illegal-byte-inside",
        ),
        pytest.param(
            [b"\x021S" + STATUS],
            [Garbage(b"\x021S"), Frame(seq=1, payload=b"ST", raw=STATUS)],
            id="stx-inside-restarts",
        ),
        pytest.param(
            [b"\x021S\x06"], [Garbage(b"\x021S"), Control.ACK], id="ack-cuts-partial-frame"
        ),
        pytest.param(
            [b"\x02ST\x03\x04"],
            [BadFrame(FrameFault.BAD_SEQUENCE, b"\x02ST\x03\x04")],
            id="no-seq-digit",
        ),
        pytest.param(
            [b"\x02\x03\x03"], [BadFrame(FrameFault.BAD_SEQUENCE, b"\x02\x03\x03")], id="empty"
        ),
        pytest.param(
            [b"\x06" + STATUS + b"\x15"],
            [Control.ACK, Frame(seq=1, payload=b"ST", raw=STATUS), Control.NAK],
            id="controls-around-frame",
        ),
        pytest.param(
            [b"12345", b"67", b"x"],
            [Garbage(b"1234567x")],
            id="digit-junk-held-back-until-non-digit",
        ),
        pytest.param([b"9" * 70], [Garbage(b"9" * 70)], id="long-digit-junk-not-held"),
        pytest.param(
            [b"12", STATUS],
            [Garbage(b"12"), Frame(seq=1, payload=b"ST", raw=STATUS)],
            id="held-digits-before-stx",
        ),
    ],
)
def test_decoder_table(chunks: list[bytes], expected: list[framing.Token]) -> None:
    assert tokens(*chunks) == expected


def test_too_long_frame_is_rejected_then_resyncs() -> None:
    decoder = FrameDecoder(max_body=4)
    out = decoder.feed(b"\x021ABCD" + STATUS)
    assert out == [
        BadFrame(FrameFault.TOO_LONG, b"\x021ABCD"),
        Frame(seq=1, payload=b"ST", raw=STATUS),
    ]


def test_reset_forgets_partial_frame_and_junk() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x021S") == []
    decoder.reset()
    assert decoder.feed(b"4111") == []  # held back: it may be the start of a longer run
    decoder.reset()
    assert decoder.feed(b"T\x035" + IDENT) == [
        Garbage(b"T\x035"),
        Frame(seq=0, payload=b"ID", raw=IDENT),
    ]


def test_fields_frame_round_trips() -> None:
    (frame,) = tokens(FIELDS)
    assert isinstance(frame, Frame)
    assert frame.payload.split(b"\x1c") == [b"ET", b"p1", b"tok", b"VISA", b"4242", b"R1"]


def test_lrc_and_sequence_helpers() -> None:
    assert framing.lrc(b"") == 0
    assert framing.lrc(b"1ST\x03") == 0x35
    assert [framing.next_seq(s) for s in (None, 0, 1, 8, 9)] == [0, 1, 2, 9, 1]
    assert framing.is_repeat(3, 3)
    assert framing.is_repeat(0, 0)
    assert not framing.is_repeat(None, 0)
    assert not framing.is_repeat(3, 4)
    assert framing.is_body_byte(0x1C)
    assert not framing.is_body_byte(0x7F)


@settings(max_examples=400, deadline=None)
@given(
    junk=st.binary(max_size=300),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    seq1=st.integers(0, 9),
    seq2=st.integers(0, 9),
    body=st.binary(max_size=40).map(lambda b: bytes(c for c in b if framing.is_body_byte(c))),
)
def test_random_bytes_never_raise_and_resync(
    junk: bytes, cuts: list[int], seq1: int, seq2: int, body: bytes
) -> None:
    first, second = encode_frame(seq1, b"ST"), encode_frame(seq2, b"X" + body)
    stream = junk + first + second
    bounds = sorted({0, len(stream), *[c for c in cuts if c < len(stream)]})
    out = tokens(*(stream[a:b] for a, b in itertools.pairwise(bounds)))
    frames = [t for t in out if isinstance(t, Frame)]
    # Whatever the junk left behind, the decoder is back in step by the second frame.
    assert frames[-1] == Frame(seq=seq2, payload=b"X" + body, raw=second)
    assert all(isinstance(t, (Frame, Control, BadFrame, Garbage)) for t in out)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=10))
def test_random_chunks_account_for_every_byte(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    for chunk in chunks:
        for token in decoder.feed(chunk):
            assert isinstance(token, (Frame, Control, BadFrame, Garbage))
