"""Protocol transcripts: the real driver on a pty against a scripted peripheral.

Each step is the exact MDB words the VMC must send (``*`` marks the mode bit, checksums
included) and the words the scripted reader answers. POLLs that arrive while the script waits
for another command are idle polls and get ACK, so the transcripts do not depend on timing;
every other frame must match the script in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from hardware.cardreader import (
    PaymentOutcome,
    PaymentRequest,
    ReaderDidReset,
    ReaderEvent,
    ReaderFaultDidOccur,
    ReaderIdentity,
    ReaderIdentityDidChange,
    VendOutcome,
)
from hardware.common.simulator import DeviceModel, SimulatorServer
from hardware.common.state import DeviceState
from hardware.mdb import framing
from hardware.mdb.device import MdbCardReader, open_card_reader
from hardware.mdb.protocol import MdbBus
from tests.hardware.mdb.conftest import wait_until

Step = tuple[str, str | None]

POLL = "*12 12"
ACK = "*00"
VMC_ACK = "00"

INIT: list[Step] = [
    ("*10 10", ACK),  # RESET
    (POLL, "00 *00"),  # -> JUST RESET
    (VMC_ACK, None),
    ("*11 00 01 00 00 00 12", "01 01 19 78 01 02 05 00 *9B"),  # SETUP config -> READER CONFIG
    (VMC_ACK, None),
    ("*11 01 FF FF 00 00 10", ACK),  # SETUP max/min prices
    (
        "*17 00 50 4B 53 30 30 30 30 30 30 30 30 30 30 30 31 50 45 52 46 55 4D 45 4B 49 4F 53 4B"
        " 01 00 DC",
        "09 53 49 4D 53 49 4D 30 30 30 30 30 30 30 31 30 43 41 53 48 4C 45 53 53 20 20 20 20"
        " 01 02 *65",
    ),  # EXPANSION REQUEST ID -> PERIPHERAL ID "SIM" / "SIM000000010" / "CASHLESS" / 1.02
    (VMC_ACK, None),
    ("*14 01 15", ACK),  # READER ENABLE
]
VEND_REQUEST: list[Step] = [("*13 00 00 FA 00 07 14", ACK)]  # VEND REQUEST 2.50, item 7
APPROVED: list[Step] = [(POLL, "03 FF FF 05 00 FA *00"), (VMC_ACK, None)]  # BEGIN + APPROVED
CLOSE: list[Step] = [
    ("*13 04 17", ACK),  # SESSION COMPLETE
    (POLL, "07 *07"),  # -> END SESSION
    (VMC_ACK, None),
]


def words(text: str) -> tuple[int, ...]:
    return tuple(
        int(t[1:], 16) | framing.MODE_BIT if t.startswith("*") else int(t, 16) for t in text.split()
    )


class ScriptedReader(DeviceModel):
    """Answers exactly as scripted and records every deviation."""

    def __init__(self, script: list[Step]) -> None:
        super().__init__()
        self.script = [(words(a), None if b is None else words(b)) for a, b in script]
        self.errors: list[str] = []
        self._decoder = framing.BridgeDecoder()

    @property
    def done(self) -> bool:
        return not self.script

    def data_received(self, data: bytes) -> None:
        for got in self._decoder.feed(data):
            self._step(got)

    def _step(self, got: tuple[int, ...]) -> None:
        if self.script and got == self.script[0][0]:
            reply = self.script.pop(0)[1]
        elif got == words(POLL):
            reply = words(ACK)  # an idle poll
        else:
            expected = self.script[0][0] if self.script else "nothing"
            self.errors.append(f"expected {expected}, got {got}")
            return
        if reply is not None:
            self.send(framing.encode_bridge_frame(reply))


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[..., object]]:
    opened: list[tuple[SimulatorServer, MdbCardReader]] = []

    async def make(script: list[Step]) -> tuple[ScriptedReader, MdbCardReader, list[ReaderEvent]]:
        model = ScriptedReader(script)
        server = SimulatorServer(model, name="scripted mdb")
        path = await server.start_pty()
        reader = await open_card_reader(
            path, reply_timeout=2.0, non_response_time=0.3, poll_interval=0.02
        )
        events: list[ReaderEvent] = []
        reader.add_listener(events.append)
        opened.append((server, reader))
        await reader.start()
        return model, reader, events

    yield make
    for server, reader in opened:
        await reader.close()
        await server.close()


def request() -> PaymentRequest:
    return PaymentRequest(payment_id="pay-1", amount_minor=250, currency="EUR", item_number=7)


async def test_vend_success(scripted: Callable[..., object]) -> None:
    script = [*INIT, *VEND_REQUEST, *APPROVED, ("*13 02 00 07 1C", ACK), *CLOSE]
    model, reader, _ = await scripted(script)  # type: ignore[misc]
    assert reader.state is DeviceState.READY
    result = await reader.request_payment(request(), timeout=5)
    assert (result.outcome, result.amount_minor) == (PaymentOutcome.APPROVED, 250)
    report = await reader.report_vend("pay-1", VendOutcome.SUCCESS)
    assert report.acknowledged and report.refunded is None
    await wait_until(lambda: model.done)
    assert not model.errors


async def test_vend_failure_with_refund(scripted: Callable[..., object]) -> None:
    script = [*INIT, *VEND_REQUEST, *APPROVED, ("*13 03 16", ACK), *CLOSE]  # VEND FAILURE
    model, reader, _ = await scripted(script)  # type: ignore[misc]
    await reader.request_payment(request(), timeout=5)
    report = await reader.report_vend("pay-1", VendOutcome.FAILURE)
    assert report.acknowledged and report.refunded is True
    await wait_until(lambda: model.done)
    assert not model.errors


async def test_vend_failure_with_refund_error(scripted: Callable[..., object]) -> None:
    script = [
        *INIT,
        *VEND_REQUEST,
        *APPROVED,
        ("*13 03 16", ACK),
        (POLL, "0A C0 *CA"),  # MALFUNCTION: refund error
        (VMC_ACK, None),
        *CLOSE,
    ]
    model, reader, events = await scripted(script)  # type: ignore[misc]
    await reader.request_payment(request(), timeout=5)
    report = await reader.report_vend("pay-1", VendOutcome.FAILURE)
    assert report.acknowledged and report.refunded is False
    assert any(isinstance(e, ReaderFaultDidOccur) and e.code == "malfunction" for e in events)
    await wait_until(lambda: model.done)
    assert not model.errors


async def test_vend_cancel(scripted: Callable[..., object]) -> None:
    script = [
        *INIT,
        *VEND_REQUEST,
        ("*13 01 14", ACK),  # VEND CANCEL
        (POLL, "06 *06"),  # -> VEND DENIED
        (VMC_ACK, None),
        *CLOSE,
    ]
    model, reader, _ = await scripted(script)  # type: ignore[misc]
    task = asyncio.ensure_future(reader.request_payment(request(), timeout=5))
    await wait_until(lambda: model.script[0][0] == words("*13 01 14"))
    await reader.cancel_payment()
    result = await task
    assert result.outcome is PaymentOutcome.CANCELLED
    await wait_until(lambda: model.done)
    await wait_until(lambda: reader.state is DeviceState.READY)
    assert not model.errors


async def test_out_of_sequence_resets_the_reader(scripted: Callable[..., object]) -> None:
    script = [
        *INIT,
        ("*13 00 00 FA 00 07 14", "0B *0B"),  # VEND REQUEST -> COMMAND OUT OF SEQUENCE
        (VMC_ACK, None),
        *INIT,  # the driver resets and re-initialises the reader
    ]
    model, reader, events = await scripted(script)  # type: ignore[misc]
    result = await reader.request_payment(request(), timeout=5)
    assert result.outcome is PaymentOutcome.FAILED
    await wait_until(lambda: model.done and reader.state is DeviceState.READY)
    assert ReaderDidReset(payment_id_in_flight=None) in events
    assert any(isinstance(e, ReaderFaultDidOccur) and e.code == "out_of_sequence" for e in events)
    assert not model.errors


async def test_missing_end_session_resets_the_reader(scripted: Callable[..., object]) -> None:
    script = [
        *INIT,
        *VEND_REQUEST,
        *APPROVED,
        ("*13 02 00 07 1C", ACK),
        ("*13 04 17", ACK),  # SESSION COMPLETE; the reader never sends END SESSION
        *INIT,  # after the end-session timeout the driver resets the reader
    ]
    model, reader, events = await scripted(script)  # type: ignore[misc]
    await reader.request_payment(request(), timeout=5)
    report = await reader.report_vend("pay-1", VendOutcome.SUCCESS)
    assert report.acknowledged  # VEND SUCCESS was ACKed before the session hung
    await wait_until(lambda: model.done and reader.state is DeviceState.READY)
    assert ReaderDidReset(payment_id_in_flight=None) in events
    assert not model.errors


async def test_approval_after_cancel_is_refunded_at_once(scripted: Callable[..., object]) -> None:
    script = [
        *INIT,
        *VEND_REQUEST,
        ("*13 01 14", ACK),  # VEND CANCEL ...
        (POLL, "05 00 FA *FF"),  # ... but the reader had already approved
        (VMC_ACK, None),
        ("*13 03 16", ACK),  # the driver reports VEND FAILURE so the reader refunds
        *CLOSE,
    ]
    model, reader, _ = await scripted(script)  # type: ignore[misc]
    task = asyncio.ensure_future(reader.request_payment(request(), timeout=5))
    await wait_until(lambda: model.script[0][0] == words("*13 01 14"))
    await reader.cancel_payment()
    result = await task
    assert result.outcome is PaymentOutcome.CANCELLED and result.amount_minor == 0
    await wait_until(lambda: model.done and reader.state is DeviceState.READY)
    assert not model.errors


async def test_reader_cancels_the_session(scripted: Callable[..., object]) -> None:
    script = [*INIT, *VEND_REQUEST, (POLL, "04 *04"), (VMC_ACK, None), *CLOSE]
    model, reader, _ = await scripted(script)  # type: ignore[misc]
    result = await reader.request_payment(request(), timeout=5)
    assert result.outcome is PaymentOutcome.CANCELLED
    await wait_until(lambda: model.done and reader.state is DeviceState.READY)
    assert not model.errors


async def test_expected_identity_differs(scripted: Callable[..., object]) -> None:
    model = ScriptedReader(INIT)
    server = SimulatorServer(model, name="scripted mdb")
    bus = MdbBus(await server.start_pty(), reply_timeout=2.0)
    expected = ReaderIdentity("NYX", "VPOS", "000000000001", "1.00")
    reader = MdbCardReader(bus, expected_identity=expected, non_response_time=0.3)
    events: list[ReaderEvent] = []
    reader.add_listener(events.append)
    try:
        await reader.start()
        assert ReaderIdentityDidChange(old=expected, new=reader.identity) in events  # type: ignore[arg-type]
    finally:
        await reader.close()
        await server.close()
