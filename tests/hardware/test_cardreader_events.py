"""The CardReader interface additions, on both real drivers against their simulators over a pty:
PaymentDidProgress stages, VendReportResult.reader_counted_success, and request_payment raising
(never returning FAILED) for an unavailable, closed, unstarted or busy reader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from hardware.cardreader import (
    CardReader,
    PaymentDidProgress,
    PaymentOutcome,
    PaymentRequest,
    PaymentStage,
    ReaderDidReset,
    ReaderEvent,
    VendOutcome,
)
from hardware.common.errors import DeviceOperationError, DeviceUnavailableError
from hardware.common.simulator import SimulatorServer
from hardware.common.state import DeviceState
from hardware.mdb.device import open_card_readers
from hardware.mdb.simulator import Fault, SaleOutcome
from hardware.mdb.simulator import create_simulator as create_mdb_simulator
from hardware.terminal.device import SerialTerminalReader
from hardware.terminal.simulator import create_simulator as create_terminal_simulator
from tests.hardware.mdb.conftest import FAST as MDB_FAST
from tests.hardware.mdb.conftest import wait_until
from tests.hardware.terminal.conftest import FAST as TERMINAL_FAST

WAITING, PRESENTED, PROCESSING = (
    PaymentStage.WAITING_FOR_CARD,
    PaymentStage.CARD_PRESENTED,
    PaymentStage.PROCESSING,
)


def pay(payment_id: str, amount: int = 250) -> PaymentRequest:
    return PaymentRequest(payment_id, amount_minor=amount, currency="EUR", item_number=4)


@dataclass
class Rig:
    server: SimulatorServer
    reader: CardReader
    events: list[ReaderEvent] = field(default_factory=list)

    def stages(self, payment_id: str) -> list[PaymentStage]:
        return [
            e.stage
            for e in self.events
            if isinstance(e, PaymentDidProgress) and e.payment_id == payment_id
        ]


@pytest.fixture
async def make() -> AsyncIterator[Callable[..., object]]:
    """``await make("mdb" | "terminal", start=True, **simulator_options)`` -> Rig on a pty."""
    rigs: list[Rig] = []

    async def build(kind: str, *, start: bool = True, **options: object) -> Rig:
        reader: CardReader
        if kind == "mdb":
            options.setdefault("fault_duration", 1.0)
            server = create_mdb_simulator(**options)
            path = await server.start_pty()
            readers = await open_card_readers(path, addresses=(0x10,), **MDB_FAST)  # type: ignore[arg-type]
            reader = readers[0]
        else:
            server = create_terminal_simulator(**options)  # type: ignore[arg-type]
            path = await server.start_pty()
            reader = SerialTerminalReader(path, timings=TERMINAL_FAST)
        rig = Rig(server, reader)
        rigs.append(rig)
        reader.add_listener(rig.events.append)
        if start:
            await reader.start()
            await wait_until(lambda: reader.state is DeviceState.READY)
        return rig

    yield build
    for rig in rigs:
        await rig.reader.close()
        await rig.server.close()


# -- PaymentDidProgress ------------------------------------------------------------------------
async def test_mdb_reports_waiting_then_card_presented(make: Callable[..., object]) -> None:
    rig: Rig = await make("mdb")  # type: ignore[misc]
    result = await rig.reader.request_payment(pay("m1"), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    assert rig.stages("m1") == [WAITING, PRESENTED]  # MDB has no separate "processing"
    assert (await rig.reader.report_vend("m1", VendOutcome.SUCCESS)).acknowledged


async def test_mdb_declined_card_was_still_presented(make: Callable[..., object]) -> None:
    rig: Rig = await make("mdb", deny_above=100)  # type: ignore[misc]
    result = await rig.reader.request_payment(pay("m2", 5000), timeout=5)
    assert result.outcome is PaymentOutcome.DECLINED
    assert rig.stages("m2") == [WAITING, PRESENTED]


async def test_mdb_no_card_only_waits(make: Callable[..., object]) -> None:
    rig: Rig = await make("mdb", card_delay=30)  # type: ignore[misc]
    task = asyncio.ensure_future(rig.reader.request_payment(pay("m3"), timeout=20))
    await wait_until(lambda: rig.stages("m3") == [WAITING])
    await rig.reader.cancel_payment()
    assert (await task).outcome is PaymentOutcome.CANCELLED
    assert rig.stages("m3") == [WAITING]


async def test_terminal_reports_all_three_stages(make: Callable[..., object]) -> None:
    # processing takes longer than a few status polls, so a poll sees PROCESSING
    rig: Rig = await make("terminal", processing_delay=1.5)  # type: ignore[misc]
    result = await rig.reader.request_payment(pay("t1"), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    assert rig.stages("t1") == [WAITING, PRESENTED, PROCESSING]
    assert (await rig.reader.report_vend("t1", VendOutcome.SUCCESS)).acknowledged


async def test_terminal_stages_never_go_back(make: Callable[..., object]) -> None:
    rig: Rig = await make("terminal", present_delay=0, processing_delay=0)  # type: ignore[misc]
    result = await rig.reader.request_payment(pay("t2"), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    stages = rig.stages("t2")
    assert stages == sorted(stages, key=list(PaymentStage).index)
    assert len(stages) == len(set(stages)) and PRESENTED in stages


# -- reader_counted_success --------------------------------------------------------------------
async def test_mdb_reset_after_approval_is_counted_success(make: Callable[..., object]) -> None:
    rig: Rig = await make("mdb")  # type: ignore[misc]
    rig.server.model.reader().arm(Fault.DIE_MID_VEND)  # type: ignore[attr-defined]
    assert (await rig.reader.request_payment(pay("r1"), timeout=5)).outcome is (
        PaymentOutcome.APPROVED
    )
    await wait_until(lambda: ReaderDidReset(payment_id_in_flight="r1") in rig.events)
    report = await rig.reader.report_vend("r1", VendOutcome.FAILURE)
    assert report.reader_counted_success and not report.acknowledged
    assert report.refunded is False  # the kiosk must refund another way
    sales = rig.server.model.reader().sales  # type: ignore[attr-defined]
    assert sales[-1].outcome is SaleOutcome.RESET_AS_SUCCESS
    await wait_until(lambda: rig.reader.state is DeviceState.READY)
    ok = await rig.reader.request_payment(pay("r2"), timeout=5)
    assert ok.outcome is PaymentOutcome.APPROVED
    normal = await rig.reader.report_vend("r2", VendOutcome.SUCCESS)
    assert normal.acknowledged and not normal.reader_counted_success


async def test_terminal_never_counts_success_itself(make: Callable[..., object]) -> None:
    rig: Rig = await make("terminal")  # type: ignore[misc]
    await rig.reader.request_payment(pay("r3"), timeout=5)
    report = await rig.reader.report_vend("r3", VendOutcome.FAILURE)
    assert report.acknowledged and not report.reader_counted_success


# -- request_payment raises rather than returning FAILED ---------------------------------------
KINDS = pytest.mark.parametrize("kind", ["mdb", "terminal"])


@KINDS
async def test_not_started_raises_unavailable(make: Callable[..., object], kind: str) -> None:
    rig: Rig = await make(kind, start=False)  # type: ignore[misc]
    async with asyncio.timeout(30):  # generous: it must not wait for the payment timeout
        with pytest.raises(DeviceUnavailableError):
            await rig.reader.request_payment(pay("u1"), timeout=600)


@KINDS
async def test_closed_raises_unavailable(make: Callable[..., object], kind: str) -> None:
    rig: Rig = await make(kind)  # type: ignore[misc]
    await rig.reader.close()
    with pytest.raises(DeviceUnavailableError):
        await rig.reader.request_payment(pay("u2"), timeout=600)


@KINDS
async def test_unavailable_raises_then_recovers(make: Callable[..., object], kind: str) -> None:
    rig: Rig = await make(kind)  # type: ignore[misc]
    rig.server.silent = True  # a hung reader
    await wait_until(lambda: rig.reader.state is DeviceState.UNAVAILABLE)
    async with asyncio.timeout(30):
        with pytest.raises(DeviceUnavailableError):
            await rig.reader.request_payment(pay("u3"), timeout=600)
    rig.server.silent = False
    await wait_until(lambda: rig.reader.state is DeviceState.READY)
    result = await rig.reader.request_payment(pay("u4"), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    assert (await rig.reader.report_vend("u4", VendOutcome.SUCCESS)).acknowledged


@KINDS
async def test_second_payment_raises_busy(make: Callable[..., object], kind: str) -> None:
    slow = {"card_delay": 30} if kind == "mdb" else {"present_delay": 30}
    rig: Rig = await make(kind, **slow)  # type: ignore[misc]
    first = asyncio.ensure_future(rig.reader.request_payment(pay("b1"), timeout=20))
    await wait_until(lambda: rig.stages("b1") == [WAITING])
    with pytest.raises(DeviceOperationError):
        await rig.reader.request_payment(pay("b2"), timeout=5)
    await rig.reader.cancel_payment()
    assert (await first).outcome is PaymentOutcome.CANCELLED
