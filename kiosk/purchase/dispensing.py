"""Dispense one paid item and journal its outcome; decide how the money is settled.

Shared by the live flow and start-up recovery through the small :class:`Journaling`
protocol. The dispenser command id is fixed by the DISPENSE_STARTED commit *before* the
command is sent; a lost answer is resolved by asking the board about that id, never by
sending again. Settlement: a success is captured (gateway) or reported as sold (MDB); a
failure is voided (gateway) or refunded by the reader — and, when the MDB reader counts it as
sold anyway (a reset), refunded through the middleware. A purchase paid with loyalty points
records them on its SALE (the middleware makes the hold final); :func:`record_step` commits
any step that ends a transaction still holding points together with ``release_requested``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from hardware.cardreader import VendOutcome
from hardware.common.errors import HardwareError
from hardware.dispenser import CommandStatus, DispenseOutcome, Dispenser, DispenseResult
from kiosk.purchase.journal import Mode, Step, command_id_for, fold
from kiosk.purchase.model import (
    Dispensable,
    DispenseKind,
    FlowConfig,
    Priced,
    Redemption,
    UnknownDispensePolicy,
)
from kiosk.purchase.states import PurchaseMachine, Trigger
from sync.engine import SyncEngine
from sync.errors import InsufficientStockError
from sync.faults import crash_point
from sync.ledger import EventDraft
from sync.protocol import EventType, Unit

log = logging.getLogger(__name__)


class Journaling(Protocol):
    engine: SyncEngine
    dispenser: Dispenser
    config: FlowConfig
    machine: PurchaseMachine
    points: int
    redemption: Redemption | None

    async def _step(
        self,
        txn: str,
        step: Step,
        data: dict[str, Any],
        *,
        closes: bool = False,
        new_sale: bool = False,
        amount: int = 0,
        stamp_seq: str | None = None,
    ) -> int: ...

    async def _report_vend(self, txn: str, outcome: VendOutcome) -> tuple[bool, bool | None]: ...

    @property
    def settlement(self) -> Any: ...


async def record_step(
    engine: SyncEngine,
    txn: str,
    step: Step,
    data: dict[str, Any],
    *,
    closes: bool = False,
    new_sale: bool = False,
    amount: int = 0,
    currency: str | None = None,
    stamp_seq: str | None = None,
) -> int:
    """Commit one journal step of ``txn``; returns its sequence number. A step that closes a
    transaction whose loyalty points are still held (no SALE) is committed together with
    ``release_requested``, which keeps it open until the settlement worker released them."""
    kind = EventType.DISPENSE if step.value.startswith("dispense") else EventType.PAYMENT
    drafts = [
        EventDraft(
            kind,
            txn_id=txn,
            step=step.value,
            closes=closes,
            data=data,
            amount_minor=amount,
            currency=currency if amount else None,
            stamp_seq=stamp_seq,
        )
    ]
    if closes and step not in (Step.POINTS_RELEASED, Step.REDEEM_REFUSED):
        view = fold(txn, await engine.call_ledger(engine.ledger.transaction_events, txn))
        if view.needs_release:
            drafts.append(
                EventDraft(
                    EventType.PAYMENT,
                    txn_id=txn,
                    step=Step.RELEASE_REQUESTED.value,
                    data={"after": step.value},
                )
            )
    events = await engine.record_many(drafts, new_sale=new_sale)
    crash_point(f"after_step:{step.value}")
    return events[0].seq


def item_from(details: Any) -> Dispensable:
    """The Dispensable a journal's PAYMENT_STARTED step recorded."""
    return Dispensable(
        sku=str(details["sku"]),
        kind=DispenseKind(details["kind"]),
        target=int(details["target"]),
        doses=int(details["doses"]),
        stock_qty=int(details["stock_qty"]),
        unit=Unit(details["unit"]),
        item_number=int(details.get("item_number", 0)),
    )


async def send_dispense(dispenser: Dispenser, item: Dispensable, command_id: int) -> DispenseResult:
    try:
        if item.kind is DispenseKind.SPRAY:
            return await dispenser.spray(
                command_id=command_id, channel=item.target, doses=item.doses
            )
        return await dispenser.drop_bottle(command_id=command_id, slot=item.target)
    except HardwareError as exc:
        log.warning("dispense command %d: %s", command_id, exc)
        return DispenseResult(command_id, DispenseOutcome.UNKNOWN, 0, str(exc))


async def ask_board(
    dispenser: Dispenser, command_id: int, attempts: int, interval: float
) -> DispenseResult | None:
    """What the board says happened to ``command_id``; None when it cannot tell (yet)."""
    for attempt in range(attempts):
        if attempt:
            await asyncio.sleep(interval)
        try:
            report = await dispenser.query_command(command_id)
        except HardwareError as exc:
            log.info("query of command %d failed: %s", command_id, exc)
            continue
        if report.status is CommandStatus.NEVER_RECEIVED:
            return DispenseResult(command_id, DispenseOutcome.REFUSED, 0, "never received")
        if report.status in (CommandStatus.DONE, CommandStatus.FAILED) and report.result:
            return report.result
    return None


async def dispense_and_journal(
    ctx: Journaling, txn: str, item: Dispensable, quote: Priced, mode: Mode
) -> tuple[bool, str]:
    """Journal, dispense, journal the outcome, start settlement; -> (dispensed, reason key)."""
    if item.kind is DispenseKind.SPRAY and ctx.config.spray_lead_s > 0:
        await asyncio.sleep(ctx.config.spray_lead_s)  # the screen's countdown
    seq = await ctx._step(
        txn,
        Step.DISPENSE_STARTED,
        {"target": item.target, "doses": item.doses},
        stamp_seq="dispense_seq",
    )
    command_id = command_id_for(ctx.engine.epoch, seq)
    result = await send_dispense(ctx.dispenser, item, command_id)
    crash_point("after_dispense")  # the board acted; its outcome is not journaled yet
    if result.outcome is DispenseOutcome.UNKNOWN:
        cfg = ctx.config
        asked = await ask_board(
            ctx.dispenser, command_id, cfg.dispense_query_attempts, cfg.dispense_query_interval_s
        )
        result = asked or result
    loyalty = (quote.member_id, ctx.points) if quote.member_id and ctx.points else None
    return await journal_outcome(
        ctx,
        txn,
        item,
        (quote.total_minor, quote.currency),
        mode,
        result,
        live=True,
        loyalty=loyalty,
        redemption=ctx.redemption,
    )


def delivered(item: Dispensable, result: DispenseResult) -> bool:
    """Did the shopper get everything paid for? (``doses_done`` is a confirmed lower bound.)"""
    return result.outcome is DispenseOutcome.OK or result.doses_done >= item.doses


async def journal_outcome(
    ctx: Journaling,
    txn: str,
    item: Dispensable,
    price: tuple[int, str],
    mode: Mode,
    result: DispenseResult,
    *,
    live: bool,
    loyalty: tuple[str, int] | None = None,
    redemption: Redemption | None = None,
) -> tuple[bool, str]:
    """Record what the board did and settle; ``live`` is False during recovery.
    ``loyalty`` (member id, points) is accrued with the sale; ``redemption`` rides on it."""
    if delivered(item, result):
        await record_success(ctx, txn, item, price, result, loyalty, redemption)
        if live:
            ctx.machine.fire(Trigger.DISPENSED)
        await settle_success(ctx, txn, mode)
        return True, ""
    reason = f"dispense_{result.outcome.value.lower()}"
    if result.outcome is DispenseOutcome.UNKNOWN:
        if live:
            ctx.machine.fire(Trigger.DISPENSE_UNKNOWN, reason)
        await settle_unknown(ctx, txn, mode)
        return False, reason
    await ctx._step(
        txn,
        Step.DISPENSE_FAILED,
        {"outcome": result.outcome.value, "doses_done": result.doses_done, "detail": result.detail},
    )
    await record_partial_use(ctx, txn, item, result)
    if live:
        ctx.machine.fire(Trigger.DISPENSE_FAILED, reason)
    await settle_failure(ctx, txn, mode)
    return False, reason


async def record_success(
    ctx: Journaling,
    txn: str,
    item: Dispensable,
    price: tuple[int, str],
    result: DispenseResult,
    loyalty: tuple[str, int] | None = None,
    redemption: Redemption | None = None,
) -> None:
    """DISPENSE_SUCCEEDED, the stock-moving SALE (with any points it spent) and any loyalty
    accrual, in one transaction."""
    amount, currency = price
    sale_data: dict[str, Any] = {"kind": item.kind.value, "doses": item.doses}
    if redemption is not None:
        sale_data.update(redemption.sale_data())
    drafts = [
        EventDraft(
            EventType.DISPENSE,
            txn_id=txn,
            step=Step.DISPENSE_SUCCEEDED.value,
            data={"doses_done": result.doses_done},
        ),
        EventDraft(
            EventType.SALE,
            sku=item.sku,
            qty=item.stock_qty,
            unit=item.unit,
            amount_minor=amount,
            currency=currency,
            txn_id=txn,
            data=sale_data,
        ),
    ]
    if loyalty is not None:
        member, points = loyalty
        drafts.append(
            EventDraft(
                EventType.LOYALTY,
                txn_id=txn,
                data={"member_id": member, "points": points, "kind": "accrual"},
            )
        )
    try:
        await ctx.engine.record_many(drafts)
    except InsufficientStockError:
        # The board delivered more than the counters held: the product left all the same.
        # Record the count correction with the sale, for a technician to look at.
        on_hand = (await ctx.engine.ledger_status()).on_hand.get(item.sku, 0)
        fix = EventDraft(
            EventType.ADJUSTMENT,
            sku=item.sku,
            qty=item.stock_qty - on_hand,
            unit=item.unit,
            txn_id=txn,
            data={"reason": "dispensed_beyond_count"},
        )
        log.error("%s dispensed beyond its on-hand count (%d): count corrected", item.sku, on_hand)
        await ctx.engine.record_many([fix, *drafts])
    crash_point(f"after_step:{Step.DISPENSE_SUCCEEDED.value}")


async def record_partial_use(
    ctx: Journaling, txn: str, item: Dispensable, result: DispenseResult
) -> None:
    """Sprays that did leave the channel before a failure still leave stock (not a sale)."""
    if item.kind is not DispenseKind.SPRAY or result.doses_done <= 0 or item.doses <= 0:
        return
    used = item.stock_qty // item.doses * min(result.doses_done, item.doses)
    try:
        await ctx.engine.record(
            EventDraft(
                EventType.ADJUSTMENT,
                sku=item.sku,
                qty=-used,
                unit=item.unit,
                txn_id=txn,
                data={"reason": "partial_dispense", "doses_done": result.doses_done},
            )
        )
    except InsufficientStockError:
        log.warning("partial dispense of %s: on-hand already below %d", item.sku, used)


async def settle_success(ctx: Journaling, txn: str, mode: Mode) -> None:
    if mode is Mode.POINTS:  # nothing to capture: the SALE makes the points hold final
        await ctx._step(txn, Step.CAPTURED, {"by": "points"}, closes=True)
        return
    if mode is Mode.READER:
        acknowledged, _ = await ctx._report_vend(txn, VendOutcome.SUCCESS)
        await ctx._step(
            txn, Step.CAPTURED, {"by": "reader", "acknowledged": acknowledged}, closes=True
        )
        return
    await ctx._report_vend(txn, VendOutcome.SUCCESS)
    if mode is Mode.GATEWAY:
        await ctx._step(txn, Step.CAPTURE_REQUESTED, {})
    ctx.settlement.kick()  # offline sales are authorized and captured when back online


async def settle_failure(ctx: Journaling, txn: str, mode: Mode, review: bool = False) -> None:
    extra = {"review": True} if review else {}
    if mode is Mode.POINTS:  # no money moved; closing requests the release of the points
        final = Step.MANUAL_REVIEW if review else Step.CANCELLED
        await ctx._step(txn, final, {"reason": "nothing_dispensed"}, closes=True)
        ctx.settlement.kick()
        return
    if mode is Mode.READER:
        acknowledged, refunded = await ctx._report_vend(txn, VendOutcome.FAILURE)
        if acknowledged and refunded is not False:
            final = Step.MANUAL_REVIEW if review else Step.VOIDED
            await ctx._step(txn, final, {"by": "reader", "voided": True}, closes=True)
            return
        await ctx._step(txn, Step.READER_REFUND_REQUESTED, extra)
    elif mode is Mode.GATEWAY:
        await ctx._report_vend(txn, VendOutcome.FAILURE)
        await ctx._step(txn, Step.VOID_REQUESTED, extra)
    else:
        await ctx._report_vend(txn, VendOutcome.FAILURE)
        final = Step.MANUAL_REVIEW if review else Step.CANCELLED
        await ctx._step(txn, final, {"token_dropped": True}, closes=True)
        return
    ctx.settlement.kick()


async def settle_unknown(ctx: Journaling, txn: str, mode: Mode) -> None:
    """The board cannot say whether it dispensed: never dispense again; money per policy."""
    if ctx.config.unknown_dispense is UnknownDispensePolicy.VOID:
        await settle_failure(ctx, txn, mode, review=True)
        return
    if mode is Mode.READER:
        await ctx._report_vend(txn, VendOutcome.SUCCESS)
    await ctx._step(
        txn, Step.MANUAL_REVIEW, {"reason": "dispense_unknown", "voided": False}, closes=True
    )
    ctx.settlement.kick()  # points held for it are released: no SALE, no redemption
