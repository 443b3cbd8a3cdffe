"""Protocol transcripts: the real driver against a scripted terminal on a real pty.

Each step is (the exact bytes the driver must send, the bytes the scripted terminal answers).
Request bytes are written out literally so an encoder change that alters the wire shows here.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

import pytest

from hardware.cardreader import PaymentOutcome, PaymentRequest, ReaderFaultDidOccur, VendOutcome
from hardware.common.simulator import DeviceModel, SimulatorServer
from hardware.terminal.device import SerialTerminalReader, TerminalTimings
from hardware.terminal.framing import encode_frame
from tests.hardware.terminal.conftest import eventually

ACK, NAK = b"\x06", b"\x15"
TIMINGS = TerminalTimings(
    ack_timeout=0.3, reply_timeout=1.0, poll_interval=3600.0, payment_grace=2.0
)
PAYMENT = PaymentRequest(payment_id="p1", amount_minor=1250, currency="EUR", item_number=7)

IDENTIFY = b"\x020ID\x03>"
STATUS = b"\x021ST\x035"
PAY_1S = b"\x022PY\x1cp1\x1c1250\x1cEUR\x1c7\x1c1000\x03\x17"
PAY_5S = b"\x022PY\x1cp1\x1c1250\x1cEUR\x1c7\x1c5000\x03\x13"
CANCEL = b"\x023CN\x1cp1\x03`"
VEND_OK = b"\x023VR\x1cp1\x1cS\x03&"
PAY_200MS = b"\x022PY\x1cp1\x1c1250\x1cEUR\x1c7\x1c200\x03$"
SHORT_GRACE = TerminalTimings(
    ack_timeout=0.3, reply_timeout=0.5, poll_interval=3600.0, payment_grace=0.1
)


def frame(seq: int, *fields: str) -> bytes:
    return encode_frame(seq, "\x1c".join(fields).encode("ascii"))


CONNECT = [
    (IDENTIFY, ACK + frame(0, "IR", "Acme Payments", "AP-700", "SN0001", "1.4.2")),
    (ACK, b""),
    (STATUS, ACK + frame(1, "SR", "IDLE", "")),
    (ACK, b""),
]


class ScriptedTerminal(DeviceModel):
    """Expects exact bytes from the driver and answers with scripted bytes."""

    def __init__(self, steps: list[tuple[bytes, bytes]]) -> None:
        super().__init__()
        self.steps = deque(steps)
        self.errors: list[str] = []
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self.steps:
            expect, reply = self.steps[0]
            got = bytes(self._buffer[: len(expect)])
            if not expect.startswith(got):
                self.errors.append(f"expected {expect!r}, got {bytes(self._buffer)!r}")
                self._buffer.clear()
                return
            if len(got) < len(expect):
                return
            del self._buffer[: len(expect)]
            self.steps.popleft()
            self.send(reply)
        if self._buffer:
            self.errors.append(f"unexpected bytes after the script: {bytes(self._buffer)!r}")
            self._buffer.clear()


class Transcript:
    def __init__(self) -> None:
        self.script = ScriptedTerminal([])
        self.server = SimulatorServer(self.script, name="scripted terminal")
        self.reader: SerialTerminalReader | None = None

    async def connect(
        self, *steps: tuple[bytes, bytes], timings: TerminalTimings = TIMINGS
    ) -> SerialTerminalReader:
        self.script.steps.extend([*CONNECT, *steps])
        self.reader = SerialTerminalReader(await self.server.start_pty(), timings=timings)
        await self.reader.start()
        await eventually(lambda: len(self.script.steps) == len(steps))
        return self.reader

    async def finished(self) -> None:
        await eventually(lambda: not self.script.steps or bool(self.script.errors))
        assert self.script.errors == []


@pytest.fixture
async def transcript() -> AsyncIterator[Transcript]:
    t = Transcript()
    yield t
    if t.reader is not None:
        await t.reader.close()
    await t.server.close()


async def test_payment_with_token_then_vend_report(transcript: Transcript) -> None:
    reader = await transcript.connect(
        (PAY_1S, ACK + frame(2, "PA", "p1")),
        (ACK, frame(3, "EP", "p1")),
        (ACK, frame(4, "ET", "p1", "tok_abcdef", "MASTERCARD", "5100", "R42")),
        (ACK, b""),
        (VEND_OK, ACK + frame(5, "VA", "p1")),
        (ACK, b""),
    )
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.APPROVED
    assert (result.token, result.card_brand, result.last4) == ("tok_abcdef", "MASTERCARD", "5100")
    assert (result.reader_reference, result.amount_minor) == ("R42", 1250)
    vend = await reader.report_vend("p1", VendOutcome.SUCCESS)
    assert vend.acknowledged
    assert vend.refunded is None
    await transcript.finished()


async def test_decline_at_the_reader(transcript: Transcript) -> None:
    reader = await transcript.connect(
        (PAY_1S, ACK + frame(2, "PA", "p1")),
        (ACK, frame(3, "EP", "p1")),
        (ACK, frame(4, "ED", "p1", "UNSUPPORTED_CARD")),
        (ACK, b""),
    )
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.DECLINED
    assert result.reason == "UNSUPPORTED_CARD"
    assert result.token is None
    await transcript.finished()


async def test_cancel_while_waiting_for_the_card(transcript: Transcript) -> None:
    reader = await transcript.connect(
        (PAY_5S, ACK + frame(2, "PA", "p1")),
        (ACK, b""),
        (CANCEL, ACK + frame(3, "CA", "p1", "1") + frame(4, "EC", "p1")),
        (ACK + ACK, b""),
    )
    payment = asyncio.create_task(reader.request_payment(PAYMENT, timeout=5.0))
    await eventually(lambda: len(transcript.script.steps) == 2)
    await reader.cancel_payment()
    result = await payment
    assert result.outcome is PaymentOutcome.CANCELLED
    await transcript.finished()


async def test_retransmit_after_nak_and_after_a_lost_ack(transcript: Transcript) -> None:
    reader = await transcript.connect(
        (PAY_1S, NAK),  # corrupted on the way: the driver sends the same frame again
        (PAY_1S, b""),  # ACK lost: after the ACK timeout the same frame goes a third time
        (PAY_1S, ACK + frame(2, "PA", "p1")),
        (ACK, frame(3, "ET", "p1", "tok_x", "VISA", "4242", "")),
        (ACK, frame(3, "ET", "p1", "tok_x", "VISA", "4242", "")),  # repeat: ACKed, dropped
        (ACK, b""),
    )
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.APPROVED
    assert result.token == "tok_x"
    await transcript.finished()


async def test_reply_before_ack_counts_as_ack_and_garbage_is_skipped(
    transcript: Transcript,
) -> None:
    reader = await transcript.connect(
        (PAY_1S, b"\x00\xffjunk" + frame(2, "PA", "p1")),  # no ACK, noise, then the reply
        (ACK, b"\x021PART" + frame(3, "ET", "p1", "tok_y", "VISA", "4242", "")),
        (ACK, b""),
    )
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.APPROVED
    await transcript.finished()


async def test_refused_payment_ends_failed(transcript: Transcript) -> None:
    reader = await transcript.connect(
        (PAY_1S, ACK + frame(2, "NK", "PY", "BUSY", "a payment is in progress")),
        (ACK, b""),
    )
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.FAILED
    assert result.reason is not None
    assert "BUSY" in result.reason
    await transcript.finished()


async def test_broken_frame_is_naked_and_resent(transcript: Transcript) -> None:
    good = frame(2, "PA", "p1")
    reader = await transcript.connect(
        (PAY_1S, ACK + good[:-1] + bytes([good[-1] ^ 0xFF])),
        (NAK, good),
        (ACK, frame(3, "EO", "p1")),
        (ACK, b""),
    )
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.TIMED_OUT
    await transcript.finished()


async def test_terminal_error_event_fails_the_payment_and_is_a_fault(
    transcript: Transcript,
) -> None:
    faults: list[object] = []
    reader = await transcript.connect(
        (PAY_1S, ACK + frame(2, "PA", "p1")),
        (ACK, frame(3, "EE", "p1", "READER_ERROR", "antenna fault")),
        (ACK, b""),
    )
    reader.add_listener(faults.append)
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.FAILED
    assert ReaderFaultDidOccur("READER_ERROR", "antenna fault") in faults
    await transcript.finished()


async def test_silent_terminal_is_cancelled_at_the_drivers_deadline(
    transcript: Transcript,
) -> None:
    reader = await transcript.connect(
        (PAY_200MS, ACK + frame(2, "PA", "p1")),
        (ACK, b""),  # ... and then the terminal never gives its verdict
        (CANCEL, ACK + frame(3, "CA", "p1", "1") + frame(4, "EC", "p1")),
        (ACK + ACK, b""),
        timings=SHORT_GRACE,
    )
    result = await reader.request_payment(PAYMENT, timeout=0.2)
    assert result.outcome is PaymentOutcome.TIMED_OUT
    assert result.reason == "no verdict in time; cancelled"
    await transcript.finished()


async def test_no_last_word_after_the_drivers_cancel(transcript: Transcript) -> None:
    reader = await transcript.connect(
        (PAY_200MS, ACK + frame(2, "PA", "p1")),
        (ACK, b""),
        (CANCEL, ACK + frame(3, "CA", "p1", "0")),
        (ACK, b""),
        timings=SHORT_GRACE,
    )
    result = await reader.request_payment(PAYMENT, timeout=0.2)
    assert result.outcome is PaymentOutcome.TIMED_OUT
    assert result.reason == "terminal gave no result in time"
    await transcript.finished()


async def test_reply_for_another_payment_fails_it(transcript: Transcript) -> None:
    reader = await transcript.connect(
        (PAY_1S, ACK + frame(2, "PA", "someone-else")),
        (ACK, b""),
    )
    result = await reader.request_payment(PAYMENT, timeout=1.0)
    assert result.outcome is PaymentOutcome.FAILED
    await transcript.finished()
