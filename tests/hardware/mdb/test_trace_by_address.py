"""Hex-trace routing on a shared bus (MdbBus ``trace_by_address``): each transaction's bytes go
to the hook of the address it was sent to, the bytes of no reader to ``trace_bytes``. Driven
through a bare MdbBus, so nothing else talks on the bus between the steps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hardware.common.simulator import SimulatorServer
from hardware.mdb import framing
from hardware.mdb.messages import Poll, Reset, decode_command
from hardware.mdb.protocol import MdbBus
from hardware.mdb.simulator import CashlessBusModel, Fault, create_simulator
from tests.hardware.mdb.conftest import wait_until

Lines = list[tuple[str, bytes]]


class Traced:
    """Three hooks on one bus: the bus's own, 60H's, and 10H's (given only when asked)."""

    def __init__(self) -> None:
        self.bus: Lines = []
        self.at_60: Lines = []
        self.at_10: Lines = []

    def joined(self, lines: Lines, direction: str) -> bytes:
        return b"".join(data for way, data in lines if way == direction)


def addressed(tx: bytes) -> list[int]:
    """The address of every command block in traced VMC bytes (its first byte, mode bit set)."""
    out = []
    for words in framing.BridgeDecoder().feed(tx):
        block = framing.decode_from_vmc(words)
        if isinstance(block, framing.Block):
            found = decode_command(block.data)
            assert found is not None
            out.append(found[0])
    return out


def control(code: int) -> bytes:
    return framing.encode_bridge_frame(framing.encode_vmc_control(code))


@pytest.fixture
async def server() -> AsyncIterator[SimulatorServer]:
    sim = create_simulator(addresses="10,60")
    yield sim
    await sim.close()


async def open_bus(server: SimulatorServer, traced: Traced, *, with_10: bool) -> MdbBus:
    by_address = {0x60: lambda d, b: traced.at_60.append((d, b))}
    if with_10:
        by_address[0x10] = lambda d, b: traced.at_10.append((d, b))
    return MdbBus(
        await server.start_pty(),
        reply_timeout=0.2,
        trace_bytes=lambda d, b: traced.bus.append((d, b)),
        trace_by_address=by_address,
    )


async def test_a_transaction_goes_to_its_address_and_the_rest_to_the_bus(
    server: SimulatorServer,
) -> None:
    traced = Traced()
    bus = await open_bus(server, traced, with_10=False)
    try:
        await bus.transact(0x10, Reset(), retry_for=2)  # 10H has no hook of its own
        assert addressed(traced.joined(traced.bus, "tx")) == [0x10]
        assert traced.joined(traced.bus, "rx")  # the reader's ACK
        assert traced.at_60 == []
        on_bus = len(traced.bus)
        assert await bus.transact(0x60, Reset(), retry_for=2) == ()
        assert addressed(traced.joined(traced.at_60, "tx")) == [0x60]
        assert traced.joined(traced.at_60, "rx")
        assert len(traced.bus) == on_bus
        on_60 = len(traced.at_60)
        server.inject(b"noise 1234")  # after 60H's transaction, before any other: nobody's
        await wait_until(lambda: any(way == "rx-garbage" for way, _ in traced.bus))
        assert traced.joined(traced.bus, "rx-garbage") == b"noise ####"
        assert len(traced.at_60) == on_60
    finally:
        await bus.close()


async def test_the_whole_exchange_follows_the_command_and_the_other_reader_sees_none(
    server: SimulatorServer,
) -> None:
    """60H answers a POLL wrapped in garbage with a bad checksum: the noise, our RET, the
    answer again and our ACK all show under 60H, none under 10H or the bus."""
    traced = Traced()
    bus = await open_bus(server, traced, with_10=True)
    model = server.model
    assert isinstance(model, CashlessBusModel)
    try:
        await bus.transact(0x10, Reset(), retry_for=2)
        await bus.transact(0x60, Reset(), retry_for=2)
        at_10, on_bus = list(traced.at_10), list(traced.bus)
        start = len(traced.at_60)
        model.reader(0x60).arm(Fault.GARBAGE)
        replies = await bus.transact(0x60, Poll(), retry_for=2)
        assert replies  # JUST RESET, after one RET
        poll = traced.at_60[start:]
        assert addressed(traced.joined(poll, "tx")) == [0x60]
        assert control(framing.RET) in traced.joined(poll, "tx")
        assert traced.joined(poll, "tx").endswith(control(framing.ACK))
        assert traced.joined(poll, "rx-garbage") and traced.joined(poll, "rx")
        assert (traced.at_10, traced.bus) == (at_10, on_bus)
        assert addressed(traced.joined(traced.at_10, "tx")) == [0x10]
    finally:
        await bus.close()
