"""Transcript tests: the exact request bytes the driver sends, answered by scripted replies.

A scripted peer on a real pty checks each request byte for byte and answers with the reply
bytes of its step; no simulator logic is involved.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from hardware.common.simulator import DeviceModel, SimulatorServer
from hardware.common.state import DeviceState
from hardware.scanner.device import SerialLoyaltyScanner
from hardware.scanner.errors import ScannerCommandRejectedError, ScannerTimeoutError
from hardware.scanner.messages import (
    Ack,
    Disable,
    Enable,
    Identify,
    Message,
    Ping,
    ScannerIdentity,
    ScanReport,
    Trigger,
)
from hardware.scanner.protocol import ScannerProtocol
from hardware.scanner.transport import open_scanner_transport
from tests.hardware.scanner.conftest import FAST, WAIT, Recorder

IDENTIFY_1 = "02 49 00 01 b5 01 6e f1 03"
ACK_IDENTITY_1 = (
    "02 06 00 18 e1 01 53 49 4d 2d 32 44 31 30 30 1f 53 49 4d 30 30 30 31 1f"
    " 31 2e 30 2e 30 42 08 03"
)
ENABLE_1 = "02 45 00 01 b9 01 a0 b7 03"
ACK_1 = "02 06 00 01 f8 01 61 f0 03"
ENABLE_2 = "02 45 00 01 b9 02 90 d4 03"
ACK_2 = "02 06 00 01 f8 02 51 93 03"
DISABLE_1 = "02 44 00 01 ba 01 5f b5 03"
TRIGGER_1 = "02 54 00 01 aa 01 58 9c 03"
NAK_1_BUSY = "02 15 00 02 e8 01 03 b0 3f 03"
PING_3 = "02 50 00 01 ae 03 3d 1c 03"
ACK_3 = "02 06 00 01 f8 03 41 b2 03"
SCAN_TOKEN = "02 53 00 0e 9e 5d 51 31 74 6f 6b 5f 41 62 43 2d 31 32 33 6b ea 03"

Step = tuple[str, list[str]]  # expected request (hex), replies (hex) sent in answer


class ScriptedModel(DeviceModel):
    """Answers each expected request with its scripted replies; records any surprise."""

    def __init__(self, steps: list[Step]) -> None:
        super().__init__()
        self.steps = list(steps)
        self.surprises: list[str] = []
        self._buffer = b""
        self.done = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self.steps:
            expected = bytes.fromhex(self.steps[0][0])
            if len(self._buffer) < len(expected):
                return
            request, self._buffer = self._buffer[: len(expected)], self._buffer[len(expected) :]
            if request != expected:
                self.surprises.append(request.hex(" "))
                return
            _, replies = self.steps.pop(0)
            for reply in replies:
                self.send(bytes.fromhex(reply))
            if not self.steps:
                self.done.set()


Scripted = Callable[[list[Step]], Awaitable[tuple[ScriptedModel, str]]]
ProtocolOn = Callable[[str], Awaitable[tuple[ScannerProtocol, list[ScanReport]]]]


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    servers: list[SimulatorServer] = []

    async def make(steps: list[Step]) -> tuple[ScriptedModel, str]:
        model = ScriptedModel(steps)
        server = SimulatorServer(model, name="scripted scanner")
        servers.append(server)
        return model, await server.start_pty()

    yield make
    for server in servers:
        await server.close()


@pytest.fixture
async def protocol_on() -> AsyncIterator[ProtocolOn]:
    protocols: list[ScannerProtocol] = []

    async def make(path: str) -> tuple[ScannerProtocol, list[ScanReport]]:
        scans: list[ScanReport] = []
        proto = ScannerProtocol(
            await open_scanner_transport(path),
            on_scan=scans.append,
            command_timeout=0.3,
            retries=1,
        )
        proto.start()
        protocols.append(proto)
        return proto, scans

    yield make
    for proto in protocols:
        await proto.close()


async def test_identify(scripted: Scripted, protocol_on: ProtocolOn) -> None:
    model, path = await scripted([(IDENTIFY_1, [ACK_IDENTITY_1])])
    proto, _ = await protocol_on(path)
    ack = await proto.request(Identify)
    assert ScannerIdentity.decode(ack.data) == ScannerIdentity("SIM-2D100", "SIM0001", "1.0.0")
    assert model.surprises == []


@pytest.mark.parametrize(
    ("command", "request_hex"), [(Enable, ENABLE_1), (Disable, DISABLE_1), (Trigger, TRIGGER_1)]
)
async def test_simple_commands(
    scripted: Scripted, protocol_on: ProtocolOn, command: type, request_hex: str
) -> None:
    model, path = await scripted([(request_hex, [ACK_1])])
    proto, _ = await protocol_on(path)
    assert await proto.request(command) == Ack(1)
    assert model.surprises == []


async def test_scan_before_the_ack_is_kept_apart(
    scripted: Scripted, protocol_on: ProtocolOn
) -> None:
    _, path = await scripted([(TRIGGER_1, [SCAN_TOKEN, ACK_1])])
    proto, scans = await protocol_on(path)
    assert await proto.request(Trigger) == Ack(1)
    assert scans == [ScanReport("]Q1", b"tok_AbC-123")]


async def test_nak_raises_with_reason(scripted: Scripted, protocol_on: ProtocolOn) -> None:
    _, path = await scripted([(TRIGGER_1, [NAK_1_BUSY])])
    proto, _ = await protocol_on(path)
    with pytest.raises(ScannerCommandRejectedError) as info:
        await proto.request(Trigger)
    assert info.value.reason == "BUSY"


async def test_unanswered_command_is_resent_with_the_same_sequence(
    scripted: Scripted, protocol_on: ProtocolOn
) -> None:
    model, path = await scripted([(ENABLE_1, []), (ENABLE_1, [ACK_1])])
    proto, _ = await protocol_on(path)
    assert await proto.request(Enable) == Ack(1)
    assert model.surprises == []


async def test_timeout_after_retries(scripted: Scripted, protocol_on: ProtocolOn) -> None:
    _, path = await scripted([(ENABLE_1, []), (ENABLE_1, [])])
    proto, _ = await protocol_on(path)
    with pytest.raises(ScannerTimeoutError):
        await proto.request(Enable)


async def test_stale_reply_is_ignored(scripted: Scripted, protocol_on: ProtocolOn) -> None:
    # The first ENABLE times out; its late ACK(1) arrives while ENABLE #2 waits, then ACK(2).
    _, path = await scripted([(ENABLE_1, []), (ENABLE_1, []), (ENABLE_2, [ACK_1, ACK_2])])
    proto, _ = await protocol_on(path)
    with pytest.raises(ScannerTimeoutError):
        await proto.request(Enable)
    assert await proto.request(Enable) == Ack(2)


async def test_driver_connect_and_heartbeat_transcript(scripted: Scripted) -> None:
    model, path = await scripted(
        [
            (IDENTIFY_1, [ACK_IDENTITY_1]),
            (ENABLE_2, [ACK_2]),
            (PING_3, [ACK_3]),
        ]
    )
    traced: list[tuple[str, bytes]] = []
    messages: list[tuple[str, Message]] = []
    recorder = Recorder()
    scanner = SerialLoyaltyScanner(
        path,
        trace_bytes=lambda d, b: traced.append((d, b)),
        trace_message=lambda d, m: messages.append((d, m)),
        **{**FAST, "heartbeat_interval": 0.05},
    )
    scanner.add_listener(recorder)
    try:
        await scanner.start()
        assert scanner.state is DeviceState.READY
        assert scanner.identity == ScannerIdentity("SIM-2D100", "SIM0001", "1.0.0")
        await asyncio.wait_for(model.done.wait(), WAIT)
        assert model.surprises == []
        assert recorder.states()[:3] == [
            DeviceState.CONNECTING,
            DeviceState.INITIALIZING,
            DeviceState.READY,
        ]
        assert traced[:2] == [
            ("tx", bytes.fromhex(IDENTIFY_1)),
            ("rx", bytes.fromhex(ACK_IDENTITY_1)),
        ]
        assert messages[:2] == [
            ("tx", Identify(1)),
            ("rx", Ack(1, ScannerIdentity("SIM-2D100", "SIM0001", "1.0.0").encode())),
        ]
        assert ("tx", Ping(3)) in messages
    finally:
        await scanner.close()
