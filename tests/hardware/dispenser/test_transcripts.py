"""Protocol transcript tests: the real link layer over a real pty against a scripted board.
Each step waits for the exact request bytes and answers with scripted reply bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hardware.common.simulator import DeviceModel, SimulatorServer
from hardware.dispenser import DispenseOutcome
from hardware.dispenser import messages as m
from hardware.dispenser.errors import CommandIdConflictError, DispenserTimeoutError
from hardware.dispenser.framing import Frame, encode_frame
from hardware.dispenser.protocol import DispenserProtocol
from hardware.dispenser.transport import open_dispenser_transport
from tests.hardware.dispenser.conftest import Rig


def frame(seq: int, message: m.Message) -> bytes:
    return encode_frame(Frame(seq, message.TYPE, message.encode()))


class ScriptedBoard(DeviceModel):
    """Collects raw bytes from the driver; the test says what to send back."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = bytearray()
        self.arrived = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.arrived.set()

    async def expect(self, expected: bytes) -> None:
        async def wait() -> None:
            while len(self.buffer) < len(expected):
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(wait(), 3.0)
        got = bytes(self.buffer[: len(expected)])
        del self.buffer[: len(expected)]
        assert got.hex(" ") == expected.hex(" ")


class Link:
    def __init__(self, board: ScriptedBoard, protocol: DispenserProtocol) -> None:
        self.board = board
        self.protocol = protocol
        self.events: list[m.Event] = []


@pytest.fixture
async def link() -> AsyncIterator[Link]:
    board = ScriptedBoard()
    server = SimulatorServer(board, name="scripted dispenser")
    path = await server.start_pty()
    transport = await open_dispenser_transport(path)
    events: list[m.Event] = []
    protocol = DispenserProtocol(transport, reply_timeout=0.3, retries=2, on_event=events.append)
    protocol.start()
    lk = Link(board, protocol)
    lk.events = events
    yield lk
    await protocol.close()
    await server.close()


SPRAY = m.Spray(42, 0, 2, 120)
IN_PROGRESS = m.Report(42, m.CommandKind.SPRAY, m.WireStatus.IN_PROGRESS, m.WireOutcome.NONE, 0, 20)


async def test_hello_transcript(link: Link) -> None:
    ask = asyncio.create_task(link.protocol.request(m.Hello()))
    await link.board.expect(bytes.fromhex("7E 00 01 01") + frame(1, m.Hello())[4:])
    identity = m.Identity(1, 4, 3, 10, 500, 1, "PK", "SN", "fw")
    link.board.send(frame(1, identity))
    assert await ask == identity


async def test_lost_reply_retransmits_identical_bytes(link: Link) -> None:
    ask = asyncio.create_task(link.protocol.request(SPRAY))
    first = frame(1, SPRAY)
    await link.board.expect(first)  # the reply to this one is "lost": we say nothing
    await link.board.expect(first)  # same seq, same command id, same bytes
    link.board.send(frame(1, IN_PROGRESS))
    assert await ask == IN_PROGRESS
    assert link.protocol.retransmits == 1


async def test_nak_then_retransmit(link: Link) -> None:
    ask = asyncio.create_task(link.protocol.request(m.QueryCommand(42)))
    query = frame(1, m.QueryCommand(42))
    await link.board.expect(query)
    link.board.send(frame(1, m.Nak(m.NakReason.BAD_CRC)))
    await link.board.expect(query)
    link.board.send(frame(1, IN_PROGRESS))
    assert await ask == IN_PROGRESS


async def test_stale_reply_and_events_are_not_taken_for_the_reply(link: Link) -> None:
    ask = asyncio.create_task(link.protocol.request(SPRAY))
    await link.board.expect(frame(1, SPRAY))
    door = m.DoorChanged(True)
    stale = m.Report(41, m.CommandKind.SPRAY, m.WireStatus.DONE, m.WireOutcome.OK, 1)
    link.board.send(frame(200, stale) + frame(1, door) + frame(1, IN_PROGRESS))
    assert await ask == IN_PROGRESS
    assert link.events == [door]
    assert link.protocol.stale_replies == 1


async def test_conflict_nak_is_not_retried(link: Link) -> None:
    ask = asyncio.create_task(link.protocol.request(SPRAY))
    await link.board.expect(frame(1, SPRAY))
    link.board.send(frame(1, m.Nak(m.NakReason.CONFLICT)))
    with pytest.raises(CommandIdConflictError):
        await ask
    assert link.protocol.retransmits == 0


async def test_silence_gives_up_after_bounded_retries(link: Link) -> None:
    ask = asyncio.create_task(link.protocol.request(m.ReadStatus()))
    for _ in range(3):  # first attempt + 2 retries, all identical
        await link.board.expect(frame(1, m.ReadStatus()))
    with pytest.raises(DispenserTimeoutError, match="3 attempts"):
        await ask
    link.board.send(frame(1, m.Status(False, 200, (), ())))  # too late: dropped as stale
    ask2 = asyncio.create_task(link.protocol.request(m.ReadStatus()))
    await link.board.expect(frame(2, m.ReadStatus()))
    link.board.send(frame(2, m.Status(False, 210, (), ())))
    assert await ask2 == m.Status(False, 210, (), ())


async def test_garbage_and_corrupt_frames_are_skipped(link: Link) -> None:
    ask = asyncio.create_task(link.protocol.request(m.Hello()))
    await link.board.expect(frame(1, m.Hello()))
    bad = bytearray(frame(1, m.Nak(m.NakReason.BUSY)))
    bad[-1] ^= 0x01
    identity = m.Identity(1, 1, 1, 1, 1, 1, "a", "b", "c")
    link.board.send(b"\x00\xff\x7d" + bytes(bad) + b"junk" + frame(1, identity))
    assert await ask == identity
    assert link.protocol.bad_frames == 1


async def test_driver_retransmits_and_the_board_executes_once(rig: Rig) -> None:
    rig.sim.inject_fault("drop:2")  # the first two answers to the spray are lost
    rig.tx.clear()
    result = await rig.dispenser.spray(command_id=77, channel=1, doses=2)
    assert result.outcome is DispenseOutcome.OK
    assert result.doses_done == 2
    assert rig.executions == {77: 1}
    sprays = [chunk for chunk in rig.tx if chunk[3:4] == bytes([m.Spray.TYPE])]
    assert len(sprays) == 3
    assert len(set(sprays)) == 1  # the very same frame each time
    again = await rig.dispenser.spray(command_id=77, channel=1, doses=2)
    assert again == result
    assert rig.executions == {77: 1}
