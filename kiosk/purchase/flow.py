"""The purchase flow: select → quote → authorize → dispense → settle, crash-safe.

:class:`PurchaseFlow` drives the card reader and the dispenser for one shopper at a time and
journals every step to the ledger *before* its side effect (kiosk.purchase.journal). It never
sends a dispense twice for one payment, never captures without a successful dispense, and
hands every capture, void and refund to the :class:`SettlementWorker`, which keeps trying
until the middleware confirms (durably queued in the ledger while offline). A quote that spends
loyalty points has them held (or, offline, capped) before any card is asked
(kiosk.purchase.redemption); when points cover the whole price no card is asked at all.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from hardware.cardreader import (
    AuthorizationMode,
    CardReader,
    PaymentOutcome,
    PaymentRequest,
    PaymentResult,
    ReaderDidReset,
    ReaderEvent,
    VendOutcome,
)
from hardware.common.errors import HardwareError
from hardware.dispenser import Dispenser
from kiosk.purchase.dispensing import dispense_and_journal, record_step
from kiosk.purchase.journal import Mode, Step
from kiosk.purchase.model import (
    Dispensable,
    DispenseKind,
    FlowConfig,
    Priced,
    PurchaseRefusedError,
    PurchaseResult,
    Redemption,
)
from kiosk.purchase.policy import decide
from kiosk.purchase.redemption import PointsService, choose_route, hold_points, start_redemption
from kiosk.purchase.settlement import GatewayAuthorizer, SettlementWorker, offline_usage
from kiosk.purchase.states import (
    PurchaseMachine,
    PurchaseState,
    PurchaseStateDidChange,
    Trigger,
)
from sync.engine import SyncEngine
from sync.errors import SalesPausedError, SyncError

log = logging.getLogger(__name__)

_READER_END = {
    PaymentOutcome.CANCELLED: (Trigger.CANCEL, "cancelled"),
    PaymentOutcome.TIMED_OUT: (Trigger.TIMEOUT, "payment_timeout"),
    PaymentOutcome.FAILED: (Trigger.CANCEL, "reader_fault"),
}


_NO_DIGIT = str.maketrans("0123456789", "ghijklmnop")


def new_txn_id() -> str:
    """A local transaction id: short enough for every reader's payment id field (≤ 32), and
    never card-shaped: every 6th character is a letter, so no run of 6+ digits can occur
    (plain hex held a 13+ digit run about once in 300 ids, which a terminal rightly refuses as
    possible card data)."""
    raw = uuid.uuid4().hex[:23]
    return "t" + "".join(c.translate(_NO_DIGIT) if i % 6 == 5 else c for i, c in enumerate(raw))


class PurchaseFlow:
    def __init__(
        self,
        *,
        engine: SyncEngine,
        reader: CardReader,
        dispenser: Dispenser,
        settlement: SettlementWorker,
        authorizer: GatewayAuthorizer | None,
        config: FlowConfig,
        loyalty: PointsService | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader
        self.dispenser = dispenser
        self.settlement = settlement
        self.authorizer = authorizer
        self.config = config
        self.loyalty = loyalty
        self.redemption: Redemption | None = None  # the points the current purchase spends
        self._cancel_asked = False
        self.machine = PurchaseMachine()
        self.item: Dispensable | None = None
        self.quote: Priced | None = None
        self.points = 0
        self.txn_id: str | None = None
        self._reset_during: set[str] = set()
        reader.add_listener(self._on_reader_event)

    # -- shopper actions -------------------------------------------------------------------------
    @property
    def state(self) -> PurchaseState:
        return self.machine.state

    def add_listener(self, listener: Callable[[PurchaseStateDidChange], None]) -> None:
        self.machine.add_listener(listener)

    def select(self, item: Dispensable) -> None:
        if self.machine.state in (
            PurchaseState.COMPLETED,
            PurchaseState.CANCELLED,
            PurchaseState.FAILED_VOIDED,
            PurchaseState.MANUAL_REVIEW,
        ):
            self.machine.fire(Trigger.RESET)
        self.machine.fire(Trigger.SELECT)
        self.item, self.quote = item, None

    def set_quote(self, quote: Priced, *, points: int = 0) -> None:
        """The shopper's price; ``points`` the loyalty points a completed purchase earns the
        quote's member (kiosk.loyalty.points_for)."""
        if quote.total_minor < 0 or points < 0:
            raise ValueError("a quote total and its points cannot be negative")
        self.machine.fire(Trigger.QUOTE)
        self.quote = quote
        self.points = points if quote.member_id else 0

    def timeout(self) -> None:
        """The idle timer expired: only selection and quote are abandoned, never a payment."""
        if self.machine.state in (PurchaseState.SELECTED, PurchaseState.QUOTED):
            self.machine.fire(Trigger.TIMEOUT, "idle")

    async def cancel(self) -> None:
        state = self.machine.state
        if state is PurchaseState.AUTHORIZING:
            self._cancel_asked = True  # seen after the points hold, before any card
            await self.reader.cancel_payment()  # request_payment then returns CANCELLED
        elif state in (PurchaseState.SELECTED, PurchaseState.QUOTED):
            self.machine.fire(Trigger.CANCEL, "cancelled")

    def reset(self) -> None:
        if self.machine.can(Trigger.RESET):
            self.machine.fire(Trigger.RESET)
        self.item = self.quote = None
        self.txn_id = None
        self.redemption = None

    # -- guards ----------------------------------------------------------------------------------
    async def check_can_pay(self) -> Mode:
        """The payment mode a purchase would use now, or PurchaseRefusedError with a reason."""
        item, quote = self.item, self.quote
        if item is None or quote is None or self.machine.state is not PurchaseState.QUOTED:
            raise PurchaseRefusedError("not_quoted")
        if self.engine.sales_paused:
            raise PurchaseRefusedError("sales_paused")
        points = quote.points_redeemed
        if (not points or quote.total_minor > 0) and not self.reader_usable():
            raise PurchaseRefusedError("reader_unavailable")
        on_hand = (await self.engine.ledger_status()).on_hand.get(item.sku, 0)
        if on_hand < item.stock_qty:
            raise PurchaseRefusedError("sold_out")
        if points:
            await self._redemption_for(quote)  # refused offline beyond the daily cap
            if quote.total_minor == 0:
                return Mode.POINTS  # the points pay it all: no card
        if self.reader.mode is AuthorizationMode.READER:
            return Mode.READER
        usage = await offline_usage(self.engine)
        decision = decide(
            self.config.card_policy,
            self.config.offline_caps,
            online=self.authorizer is not None and self.engine.connected,
            amount_minor=quote.total_minor,
            is_bottle=item.kind is DispenseKind.BOTTLE,
            usage=usage,
        )
        if not decision.allowed:
            raise PurchaseRefusedError(decision.reason)
        return Mode.OFFLINE if decision.offline else Mode.GATEWAY

    async def _redemption_for(self, quote: Priced) -> Redemption | None:
        points = quote.points_redeemed
        if not points:
            return None
        if quote.member_id is None:
            raise PurchaseRefusedError("loyalty_no_member")
        route = await choose_route(
            engine=self.engine, loyalty=self.loyalty, config=self.config, points=points
        )
        return Redemption(quote.member_id, points, route)

    def reader_usable(self) -> bool:
        from hardware.common.state import USABLE_STATES

        return self.reader.state in USABLE_STATES

    # -- the purchase ----------------------------------------------------------------------------
    async def pay(self) -> PurchaseResult:
        mode = await self.check_can_pay()
        assert self.quote is not None
        self.redemption = await self._redemption_for(self.quote)
        txn = self.txn_id = new_txn_id()
        # The settlement worker keeps its hands off this transaction until the shopper's
        # journey is over (it would otherwise void an authorization the flow still awaits).
        self.settlement.busy.add(txn)
        try:
            return await self._pay(txn, mode)
        finally:
            self.settlement.busy.discard(txn)
            self.settlement.kick()

    async def _pay(self, txn: str, mode: Mode) -> PurchaseResult:
        item, quote = self.item, self.quote
        assert item is not None and quote is not None
        base: dict[str, Any] = {
            "mode": mode.value,
            "amount_minor": quote.total_minor,
            "currency": quote.currency,
            "sku": item.sku,
            "kind": item.kind.value,
            "target": item.target,
            "doses": item.doses,
            "stock_qty": item.stock_qty,
            "unit": item.unit.value,
            "item_number": item.item_number,
            "quote": dict(quote.to_json()),
            "member_id": quote.member_id,
            "points": self.points,
        }
        redemption = self.redemption
        if redemption is not None:
            base.update(redeem_points=redemption.points, redemption=redemption.route.value)
            refusal = await self._redeem(txn, redemption, base)
            if refusal is not None:
                return refusal
            if mode is Mode.POINTS:
                self.machine.fire(Trigger.AUTHORIZED)
                _dispensed, reason = await dispense_and_journal(self, txn, item, quote, mode)
                return PurchaseResult(txn, self.machine.state, reason)
        try:
            await self._step(txn, Step.PAYMENT_STARTED, base, new_sale=redemption is None)
        except SalesPausedError:
            raise PurchaseRefusedError("sales_paused") from None
        if redemption is None:
            self.machine.fire(Trigger.PAY)
        request = PaymentRequest(txn, quote.total_minor, quote.currency, item.item_number)
        try:
            result = await self.reader.request_payment(
                request, timeout=self.config.payment_timeout_s
            )
        except HardwareError as exc:
            log.warning("card reader failed during payment %s: %s", txn, exc)
            result = PaymentResult(txn, PaymentOutcome.FAILED, 0, reason="reader_fault")
        if result.outcome is not PaymentOutcome.APPROVED:
            return await self._not_approved(txn, result)
        card = {"card_brand": result.card_brand, "last4": result.last4}
        if mode is Mode.READER:
            await self._step(
                txn,
                Step.AUTHORIZED,
                {
                    **card,
                    "approved_minor": result.amount_minor,
                    "reader_reference": result.reader_reference,
                },
            )
        elif mode is Mode.OFFLINE:
            await self._step(
                txn,
                Step.OFFLINE_ACCEPTED,
                {**card, "token": result.token},
                amount=quote.total_minor,
            )
        else:
            refusal = await self._authorize(txn, result, quote, item)
            if refusal is not None:
                return refusal
        self.machine.fire(Trigger.AUTHORIZED)
        _dispensed, reason = await dispense_and_journal(self, txn, item, quote, mode)
        return PurchaseResult(txn, self.machine.state, reason, result.card_brand, result.last4)

    async def _redeem(
        self, txn: str, redemption: Redemption, base: dict[str, Any]
    ) -> PurchaseResult | None:
        """Journal the redemption, then (online) have the points held. None when held."""
        try:
            await start_redemption(self._step, txn, redemption, base)
        except SalesPausedError:
            raise PurchaseRefusedError("sales_paused") from None
        self._cancel_asked = False
        self.machine.fire(Trigger.PAY)
        reason = await hold_points(self._step, self.loyalty, txn, redemption)
        if reason is None and self._cancel_asked:  # the shopper gave up while points were held
            await self._step(txn, Step.CANCELLED, {"reason": "cancelled"}, closes=True)
            self.machine.fire(Trigger.CANCEL, "cancelled")
            return PurchaseResult(txn, self.machine.state, "cancelled")
        if reason is None:
            return None
        # refused: back to the quote (pay without points); unknown: ended, hold released
        trigger = Trigger.TIMEOUT if reason == "loyalty_unavailable" else Trigger.DECLINED
        self.machine.fire(trigger, reason)
        return PurchaseResult(txn, self.machine.state, reason)

    async def _authorize(
        self, txn: str, result: PaymentResult, quote: Priced, item: Dispensable
    ) -> PurchaseResult | None:
        """Gateway mode: the middleware authorizes the token. None when approved."""
        assert self.authorizer is not None
        await self._step(
            txn,
            Step.AUTHORIZING,
            {"token": result.token, "card_brand": result.card_brand, "last4": result.last4},
        )
        try:
            answer = await self.authorizer.authorize(
                txn_id=txn,
                token=result.token or "",
                amount_minor=quote.total_minor,
                currency=quote.currency,
                metadata={"sku": item.sku, "quote": quote.to_json()},
            )
        except SyncError as exc:
            # Unknown outcome: the settlement worker resolves it with status(key) and voids it.
            log.warning("authorization of %s unresolved: %s", txn, exc)
            await self._report_vend(txn, VendOutcome.FAILURE)
            self.machine.fire(Trigger.TIMEOUT, "payment_unavailable")
            self.settlement.kick()
            return PurchaseResult(txn, self.machine.state, "payment_unavailable")
        if not answer.approved:
            await self._step(txn, Step.DECLINED, {"reason": answer.reason}, closes=True)
            await self._report_vend(txn, VendOutcome.FAILURE)
            self.machine.fire(Trigger.DECLINED, "declined")
            return PurchaseResult(txn, self.machine.state, "declined")
        await self._step(txn, Step.AUTHORIZED, {"auth_id": answer.auth_id})
        return None

    async def _not_approved(self, txn: str, result: PaymentResult) -> PurchaseResult:
        if result.outcome is PaymentOutcome.DECLINED:
            await self._step(txn, Step.DECLINED, {"reason": result.reason}, closes=True)
            self.machine.fire(Trigger.DECLINED, "declined")
            return PurchaseResult(txn, self.machine.state, "declined")
        trigger, reason = _READER_END[result.outcome]
        await self._step(txn, Step.CANCELLED, {"reason": reason}, closes=True)
        self.machine.fire(trigger, reason)
        return PurchaseResult(txn, self.machine.state, reason)

    # -- helpers used by dispensing --------------------------------------------------------------
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
    ) -> int:
        currency = self.quote.currency if self.quote is not None else self.config.currency
        return await record_step(
            self.engine,
            txn,
            step,
            data,
            closes=closes,
            new_sale=new_sale,
            amount=amount,
            currency=currency,
            stamp_seq=stamp_seq,
        )

    async def _report_vend(self, txn: str, outcome: VendOutcome) -> tuple[bool, bool | None]:
        """Tell the reader; (acknowledged, refunded). A reset reader counts a success."""
        try:
            report = await self.reader.report_vend(txn, outcome)
        except HardwareError as exc:
            log.warning("vend report for %s failed: %s", txn, exc)
            return False, None
        counted = report.reader_counted_success or txn in self._reset_during
        if counted:
            return False, False
        return report.acknowledged, report.refunded

    def _on_reader_event(self, event: ReaderEvent) -> None:
        if isinstance(event, ReaderDidReset) and event.payment_id_in_flight:
            self._reset_during.add(event.payment_id_in_flight)
