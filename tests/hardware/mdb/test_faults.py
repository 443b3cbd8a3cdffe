"""Fault matrix: every simulator fault ends in a defined outcome, and afterwards the reader
takes a successful payment again. Plus port loss and the ``sim://?fault=`` URL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hardware.cardreader import (
    PaymentOutcome,
    PaymentRequest,
    ReaderDidReset,
    ReaderFaultDidOccur,
    ReaderIdentityDidChange,
    ReaderStateDidChange,
    VendOutcome,
)
from hardware.common.state import DeviceState
from hardware.mdb.device import open_card_reader
from hardware.mdb.simulator import Fault, SaleOutcome
from tests.hardware.mdb.conftest import FAST, Rig, wait_until


def pay(payment_id: str, amount: int = 250) -> PaymentRequest:
    return PaymentRequest(payment_id, amount_minor=amount, currency="EUR", item_number=5)


async def recovers(rig: Rig, payment_id: str = "after") -> None:
    """The reader is READY again and takes a full successful payment."""
    await wait_until(lambda: rig.reader.state is DeviceState.READY)
    result = await rig.reader.request_payment(pay(payment_id), timeout=5)
    assert result.outcome is PaymentOutcome.APPROVED
    report = await rig.reader.report_vend(payment_id, VendOutcome.SUCCESS)
    assert report.acknowledged
    assert rig.model.reader().sales[-1].outcome is SaleOutcome.SUCCESS


def went_unavailable(rig: Rig) -> bool:
    return any(
        isinstance(e, ReaderStateDidChange) and e.new is DeviceState.UNAVAILABLE for e in rig.events
    )


def faults(rig: Rig, code: str) -> bool:
    return any(isinstance(e, ReaderFaultDidOccur) and e.code == code for e in rig.events)


async def run_fault(rig: Rig, fault: Fault) -> None:
    reader = rig.reader
    rig.model.reader().arm(fault)
    if fault is Fault.IDENTITY_CHANGE:
        await wait_until(lambda: any(isinstance(e, ReaderIdentityDidChange) for e in rig.events))
        change = next(e for e in rig.events if isinstance(e, ReaderIdentityDidChange))
        assert change.old is not None and change.old.serial != change.new.serial
        assert reader.identity == change.new
        assert ReaderDidReset(payment_id_in_flight=None) in rig.events
        return
    result = await reader.request_payment(pay("p"), timeout=5)
    if fault is Fault.DECLINE:
        assert result.outcome is PaymentOutcome.DECLINED
    elif fault is Fault.NO_ANSWER:
        assert result.outcome is PaymentOutcome.FAILED
        assert went_unavailable(rig)
        assert rig.model.reader().sales == []
    elif fault is Fault.OUT_OF_SEQUENCE:
        assert result.outcome is PaymentOutcome.FAILED
        assert faults(rig, "out_of_sequence")
        await wait_until(lambda: ReaderDidReset(payment_id_in_flight=None) in rig.events)
    elif fault is Fault.DIE_MID_VEND:
        assert result.outcome is PaymentOutcome.APPROVED
        report = await reader.report_vend("p", VendOutcome.FAILURE)  # nothing was dispensed
        assert not report.acknowledged and report.refunded is False  # kiosk must refund
        await wait_until(lambda: ReaderDidReset(payment_id_in_flight="p") in rig.events)
        assert rig.model.reader().sales[-1].outcome is SaleOutcome.RESET_AS_SUCCESS
        again = await reader.report_vend("p", VendOutcome.FAILURE)
        assert not again.acknowledged and again.refunded is False
    elif fault is Fault.NO_END_SESSION:
        assert result.outcome is PaymentOutcome.APPROVED
        report = await reader.report_vend("p", VendOutcome.SUCCESS)
        assert report.acknowledged
        await wait_until(lambda: ReaderDidReset(payment_id_in_flight=None) in rig.events)
    elif fault is Fault.REFUND_FAIL:
        assert result.outcome is PaymentOutcome.APPROVED
        report = await reader.report_vend("p", VendOutcome.FAILURE)
        assert report.acknowledged and report.refunded is False
        assert faults(rig, "malfunction")
    else:  # NAK, GARBAGE, PAN_DISPLAY: the payment still goes through
        assert result.outcome is PaymentOutcome.APPROVED
        assert (await reader.report_vend("p", VendOutcome.SUCCESS)).acknowledged
        if fault is Fault.PAN_DISPLAY:
            assert faults(rig, "card_data")
        if fault is Fault.GARBAGE:
            assert reader.bus.dropped_bytes > 0 and reader.bus.bad_frames > 0
        if fault is Fault.NAK:
            assert not went_unavailable(rig)


@pytest.mark.parametrize("fault", list(Fault), ids=lambda f: f.value)
async def test_fault_then_recovery(make_rig: Callable[..., object], fault: Fault) -> None:
    rig: Rig = await make_rig()  # type: ignore[misc]
    await run_fault(rig, fault)
    await recovers(rig)


async def test_port_lost_then_back(make_rig: Callable[..., object]) -> None:
    rig: Rig = await make_rig(transport="tcp")  # type: ignore[misc]
    rig.server.unplug()
    await wait_until(lambda: rig.reader.state is DeviceState.UNAVAILABLE)
    rig.server.replug()
    await recovers(rig)
    downs = [e for e in rig.events if isinstance(e, ReaderStateDidChange)]
    assert [e.new for e in downs].count(DeviceState.UNAVAILABLE) == 1


async def test_hung_pty_then_back(make_rig: Callable[..., object]) -> None:
    rig: Rig = await make_rig()  # type: ignore[misc]
    rig.server.silent = True
    await wait_until(lambda: rig.reader.state is DeviceState.UNAVAILABLE)
    rig.server.silent = False
    await recovers(rig)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("fault=decline", PaymentOutcome.DECLINED), ("deny_above=100", PaymentOutcome.DECLINED)],
)
async def test_sim_url(query: str, expected: PaymentOutcome) -> None:
    reader = await open_card_reader(f"sim://?{query}", **FAST)  # type: ignore[arg-type]
    try:
        await reader.start()
        assert (await reader.request_payment(pay("u1"), timeout=5)).outcome is expected
        second = await reader.request_payment(pay("u2", 50), timeout=5)
        assert second.outcome is PaymentOutcome.APPROVED
        assert (await reader.report_vend("u2", VendOutcome.SUCCESS)).acknowledged
    finally:
        await reader.close()


def test_bad_sim_options() -> None:
    from hardware.mdb.simulator import create_model

    with pytest.raises(ValueError, match="unknown"):
        create_model(colour="red")
    with pytest.raises(ValueError):
        create_model(fault="melt")
