"""Start-up recovery: finish whatever the ledger says was in flight when the kiosk stopped.

Runs before the first shopper is served. A transaction whose dispense was started but has no
recorded outcome is resolved by asking the board what happened to its command id — the board
remembers — and never by dispensing again; if the board cannot tell, the transaction goes to
manual review with the money handled per ``FlowConfig.unknown_dispense``. Everything else
(captures, voids, refunds, offline tokens) is left to the settlement worker, kicked at the end.
An MDB reader has been reset by the restart, so it already counts an approved vend as sold:
"void" for such a transaction means a refund through the middleware. A redemption in flight
is finished the same way: points spent by a dispense that happened ride on its SALE; a
transaction that asked for (or got) a points hold and sold nothing is closed with
``release_requested``, and the worker releases the hold (``loyalty.release``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from hardware.cardreader import VendOutcome
from hardware.dispenser import DispenseOutcome, Dispenser, DispenseResult
from kiosk.purchase.dispensing import ask_board, item_from, journal_outcome, record_step
from kiosk.purchase.journal import Action, Mode, Step, fold, next_action
from kiosk.purchase.model import FlowConfig, Redemption
from kiosk.purchase.settlement import SettlementWorker
from kiosk.purchase.states import PurchaseMachine
from sync.engine import SyncEngine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecoveryReport:
    examined: int
    dispenses_resolved: int
    manual_review: int


class _RecoveryContext:
    """The Journaling surface of kiosk.purchase.dispensing, for one recovered transaction."""

    def __init__(
        self,
        engine: SyncEngine,
        dispenser: Dispenser,
        config: FlowConfig,
        settlement: SettlementWorker,
        currency: str | None,
        redemption: Redemption | None = None,
    ) -> None:
        self.engine = engine
        self.dispenser = dispenser
        self.config = config
        self.settlement = settlement
        self.machine = PurchaseMachine()  # not fired: there is no shopper any more
        self.points = 0
        self.redemption = redemption  # the points the recovered purchase spends, if any
        self._currency = currency or config.currency

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
        data = {**data, "recovered": True}
        return await record_step(
            self.engine,
            txn,
            step,
            data,
            closes=closes,
            amount=amount,
            currency=self._currency,
            stamp_seq=stamp_seq,
        )

    async def _report_vend(self, txn: str, outcome: VendOutcome) -> tuple[bool, bool | None]:
        return False, False  # after a restart the reader cannot be told any more


async def recover(
    *,
    engine: SyncEngine,
    dispenser: Dispenser,
    settlement: SettlementWorker,
    config: FlowConfig,
) -> RecoveryReport:
    ledger = engine.ledger
    entries = await engine.call_ledger(ledger.open_transactions)
    resolved = review = 0
    for entry in entries:
        view = fold(entry.txn_id, await engine.call_ledger(ledger.transaction_events, entry.txn_id))
        if next_action(view) is not Action.QUERY_DISPENSER or view.command_id is None:
            continue
        ctx = _RecoveryContext(
            engine, dispenser, config, settlement, view.currency, view.redemption
        )
        item = item_from(view.details)
        result = await ask_board(
            dispenser,
            view.command_id,
            config.dispense_query_attempts,
            config.dispense_query_interval_s,
        )
        if result is None:
            log.error(
                "dispense of %s (command %d) cannot be resolved: manual review",
                view.txn_id,
                view.command_id,
            )
            result = DispenseResult(view.command_id, DispenseOutcome.UNKNOWN, 0, "recovery")
            review += 1
        else:
            resolved += 1
        mode = view.mode or Mode.GATEWAY
        member, points = view.details.get("member_id"), int(view.details.get("points") or 0)
        await journal_outcome(
            ctx,
            view.txn_id,
            item,
            (view.amount_minor, ctx._currency),
            mode,
            result,
            live=False,
            loyalty=(str(member), points) if member and points else None,
            redemption=view.redemption,
        )
    settlement.kick()
    await settlement.run_once()
    return RecoveryReport(len(entries), resolved, review)
