"""Hex-trace hooks through open_devices(): one hook per byte-carrying port, named as the
service menu lists them, fed with the real bytes each simulated device exchanges (each reader of
a shared MDB bus only its own), and never with card data (the drivers redact before their
hook)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest

from hardware.cardreader import PaymentOutcome, PaymentRequest, VendOutcome
from hardware.common.transport import TraceHook
from hardware.config import (
    CardReaderConfig,
    HardwareConfig,
    ReaderKind,
    ScannerConfig,
    ScannerOptions,
    card_reader_ports,
    open_devices,
)
from hardware.dispenser import messages as dispenser_messages
from hardware.dispenser.framing import Frame, FrameDecoder
from hardware.mdb import framing as mdb_framing
from hardware.mdb.messages import (
    Command,
    PeripheralId,
    Poll,
    VendRequest,
    decode_command,
    decode_responses,
)
from hardware.scanner.events import ScanDidReject, ScannerEvent

SECRET = "4111111111111111"  # the simulators' Luhn-valid test card number


class Taps:
    """A trace factory that records, per port, every (direction, bytes) its driver traced."""

    def __init__(self) -> None:
        self.ports: dict[str, list[tuple[str, bytes]]] = {}

    def __call__(self, port: str) -> TraceHook:
        assert port not in self.ports, f"{port} asked for twice"
        lines: list[tuple[str, bytes]] = []
        self.ports[port] = lines

        def hook(direction: str, data: bytes) -> None:
            lines.append((direction, bytes(data)))

        return hook

    def joined(self, port: str, direction: str, since: int = 0) -> bytes:
        return b"".join(d for way, d in self.ports[port][since:] if way == direction)


async def wait_until(predicate: Callable[[], bool], timeout: float = 8.0) -> None:
    """Poll ``predicate``; fail after a generous limit (a hang guard, not a timing assert)."""
    end = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > end:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0.01)


def mdb_commands(tx: bytes) -> list[tuple[int, Command]]:
    """Every command the VMC sent, with its address, decoded from the traced bridge frames."""
    commands = []
    for words in mdb_framing.BridgeDecoder().feed(tx):
        block = mdb_framing.decode_from_vmc(words)
        if isinstance(block, mdb_framing.Block):
            decoded = decode_command(block.data)
            assert decoded is not None, block
            commands.append(decoded)
    return commands


def mdb_polled_addresses(tx: bytes) -> set[int]:
    """The MDB addresses the VMC sent POLL to, decoded from the traced bridge frames."""
    return {address for address, command in mdb_commands(tx) if isinstance(command, Poll)}


def mdb_serials(rx: bytes) -> set[str]:
    """The serial numbers in the PERIPHERAL ID replies among traced reader frames."""
    serials = set()
    for words in mdb_framing.BridgeDecoder().feed(rx):
        block = mdb_framing.decode_from_peripheral(words)
        if isinstance(block, mdb_framing.Block):
            replies = decode_responses(block.data)
            serials |= {r.serial for r in replies if isinstance(r, PeripheralId)}
    return serials


def frame_types(data: bytes) -> list[int]:
    return [f.type for f in FrameDecoder().feed(data) if isinstance(f, Frame)]


def mdb(*addresses: int, url: str = "sim://") -> CardReaderConfig:
    return CardReaderConfig(kind=ReaderKind.MDB, url=url, addresses=addresses)


def terminal(url: str = "sim://") -> CardReaderConfig:
    return CardReaderConfig(kind=ReaderKind.TERMINAL, url=url)


@pytest.mark.parametrize(
    ("readers", "ports"),
    [
        ((), ()),
        ((terminal(),), ("card_reader",)),
        ((mdb(0x10), terminal()), ("card_reader", "card_reader_2")),
        ((mdb(0x10, 0x60), terminal()), ("card_reader", "card_reader_2", "card_reader_3")),
        ((mdb(0x60, 0x10),), ("card_reader", "card_reader_2")),
        ((terminal(), mdb(0x10), mdb(0x60)), ("card_reader", "card_reader_2", "card_reader_3")),
    ],
)
def test_reader_port_names_follow_reader_positions(
    readers: tuple[CardReaderConfig, ...], ports: tuple[str, ...]
) -> None:
    assert card_reader_ports(HardwareConfig(card_readers=readers)) == ports


async def test_every_port_traces_its_real_bytes() -> None:
    """The demo machine plus a camera: four hooks (no camera hook), each fed real frames."""
    taps = Taps()
    config = HardwareConfig.demo()
    config = HardwareConfig(
        card_readers=config.card_readers,
        dispenser=config.dispenser,
        scanner=ScannerConfig(url="sim://", camera="camera://"),
    )
    devices = await open_devices(config, trace=taps)
    try:
        assert sorted(taps.ports) == ["card_reader", "card_reader_2", "dispenser", "scanner"]
        assert devices.dispenser is not None and devices.camera is not None
        await wait_until(lambda: mdb_polled_addresses(taps.joined("card_reader", "tx")) == {0x10})
        await wait_until(lambda: bool(taps.joined("card_reader", "rx")))
        for port in ("card_reader_2", "scanner"):  # identified at start: both ways
            assert taps.joined(port, "tx") and taps.joined(port, "rx")
        before = len(taps.ports["dispenser"])
        await devices.dispenser.read_status()
        assert dispenser_messages.ReadStatus.TYPE in frame_types(
            taps.joined("dispenser", "tx", before)
        )
        await wait_until(
            lambda: dispenser_messages.Status.TYPE
            in frame_types(taps.joined("dispenser", "rx", before))
        )
    finally:
        await devices.close()


async def test_each_reader_on_a_shared_mdb_bus_has_its_own_port() -> None:
    """Readers at 10H and 60H share one bus but not a trace: every command frame under a port
    is addressed to its reader, the PERIPHERAL ID under it is that reader's, a vend on 60H shows
    under the second port only, with its card-number DISPLAY REQUEST redacted there; the
    terminal after them is the third reader."""
    taps = Taps()
    config = HardwareConfig(
        card_readers=(mdb(0x10, 0x60, url="sim://?fault=pan_display"), terminal())
    )
    devices = await open_devices(config, trace=taps)
    try:
        assert len(devices.card_readers) == 3
        assert sorted(taps.ports) == ["card_reader", "card_reader_2", "card_reader_3"]
        second = devices.card_readers[1]
        paid = await second.request_payment(PaymentRequest("at-60", 250, "EUR", 1), timeout=5)
        assert paid.outcome is PaymentOutcome.APPROVED
        assert (await second.report_vend("at-60", VendOutcome.SUCCESS)).acknowledged
        await wait_until(lambda: mdb_polled_addresses(taps.joined("card_reader", "tx")) == {0x10})
    finally:
        await devices.close()
    for port, address in (("card_reader", 0x10), ("card_reader_2", 0x60)):
        commands = mdb_commands(taps.joined(port, "tx"))
        assert {a for a, _ in commands} == {address}, port
        assert mdb_serials(taps.joined(port, "rx")) == {f"SIM0000000{address:02X}"}, port
    for port, vended in (("card_reader", False), ("card_reader_2", True)):
        commands = mdb_commands(taps.joined(port, "tx"))
        assert any(isinstance(c, VendRequest) for _, c in commands) is vended, port
    assert b"[REDACTED]" in taps.joined("card_reader_2", "rx")
    assert b"[REDACTED]" not in taps.joined("card_reader", "rx")
    for port, lines in taps.ports.items():
        assert not any(card_number_in(data) for _, data in lines), port
    assert taps.joined("card_reader_3", "tx") and taps.joined("card_reader_3", "rx")


async def test_a_single_reader_bus_traces_all_its_bytes_on_one_port() -> None:
    """One reader at 10H: its port has every frame of the bus, the noise of garbled replies
    included, as before readers had ports of their own."""
    taps = Taps()
    devices = await open_devices(
        HardwareConfig(card_readers=(mdb(0x10, url="sim://?fault=garbage"),)), trace=taps
    )
    try:
        assert sorted(taps.ports) == ["card_reader"]
        await wait_until(lambda: mdb_polled_addresses(taps.joined("card_reader", "tx")) == {0x10})
    finally:
        await devices.close()
    assert {a for a, _ in mdb_commands(taps.joined("card_reader", "tx"))} == {0x10}
    assert mdb_serials(taps.joined("card_reader", "rx")) == {"SIM000000010"}
    assert taps.joined("card_reader", "rx-garbage")


async def test_without_a_factory_nothing_is_traced_and_devices_work() -> None:
    devices = await open_devices(HardwareConfig(card_readers=(terminal(),)))
    try:
        assert len(devices.card_readers) == 1
    finally:
        await devices.close()


def card_number_in(data: bytes) -> bool:
    return SECRET in re.sub(r"[ \-]", "", data.decode("latin-1"))


async def test_card_data_never_reaches_a_hook() -> None:
    """Every simulator leaks the test card number once (MDB display text, terminal token,
    scanned code); each port's trace shows the redaction, never the digits."""
    taps = Taps()
    config = HardwareConfig(
        card_readers=(mdb(0x10, url="sim://?fault=pan_display"), terminal("sim://?fault=pan")),
        # shown every 0.05 s; a debounce shorter than that rejects it again each time, so the
        # listener added after opening still sees a rejection
        scanner=ScannerConfig(
            url=f"sim://?scan={SECRET}&interval=0.05", options=ScannerOptions(debounce=0.01)
        ),
    )
    devices = await open_devices(config, trace=taps)
    events: list[ScannerEvent] = []
    try:
        assert devices.scanner is not None
        devices.scanner.add_listener(events.append)
        await devices.scanner.enable()
        mdb_reader, terminal_reader = devices.card_readers
        paid = await mdb_reader.request_payment(PaymentRequest("pan-1", 250, "EUR", 1), timeout=5)
        assert paid.outcome is PaymentOutcome.APPROVED
        await mdb_reader.report_vend("pan-1", VendOutcome.SUCCESS)
        leaked = await terminal_reader.request_payment(
            PaymentRequest("pan-2", 250, "EUR", 1), timeout=5
        )
        assert leaked.outcome is PaymentOutcome.FAILED
        await wait_until(lambda: any(isinstance(e, ScanDidReject) for e in events))
    finally:
        await devices.close()
    for port in ("card_reader", "card_reader_2", "scanner"):
        assert b"[REDACTED]" in taps.joined(port, "rx"), port
    for port, lines in taps.ports.items():
        for direction in {way for way, _ in lines}:
            assert not card_number_in(taps.joined(port, direction)), (port, direction)
        assert not any(card_number_in(data) for _, data in lines), port
