"""The crash-safe dispense journal: the steps of a purchase, as ledger events, and what to do
next for a transaction found open after a crash.

Every step is committed to the ledger (``EventDraft`` with ``txn_id`` and ``step``) *before*
its side effect, so after a kill at any instant the ledger says how far a transaction got.
:func:`fold` turns a transaction's events into a :class:`TxnView`; :func:`next_action` is the
single rule both start-up recovery and the settlement worker follow:

* authorized or offline-accepted, nothing dispensed → give the money back (void / reader
  refund), never dispense later;
* dispense started, no outcome → ask the dispenser what happened to the command id
  (never send it again);
* dispensed → capture (gateway) or nothing more (the MDB reader settles itself);
* dispense failed → void (gateway) or reader refund (MDB after a reset) — never capture;
* loyalty points held for a transaction that ends without a SALE → release them: the step
  that ends such a transaction is committed together with ``release_requested``, which
  reopens it until the middleware confirms (``points_released``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.purchase.model import Redemption, RedemptionRoute
from sync.protocol import Event


class Step(enum.Enum):
    REDEEMING = "redeeming"  # loyalty points: asking the middleware to hold them (online)
    REDEEMED = "redeemed"  # the middleware holds the points for this transaction
    REDEEMED_OFFLINE = "redeemed_offline"  # offline, within the kiosk's daily cap (no hold)
    REDEEM_REFUSED = "redeem_refused"  # e.g. insufficient points: nothing held
    RELEASE_REQUESTED = "release_requested"  # no sale: the points hold must be released
    POINTS_RELEASED = "points_released"
    PAYMENT_STARTED = "payment_started"
    AUTHORIZING = "authorizing"  # gateway: token in hand, authorization being asked for
    AUTHORIZED = "authorized"
    OFFLINE_ACCEPTED = "offline_accepted"  # gateway token kept to authorize when back online
    DECLINED = "declined"
    CANCELLED = "cancelled"
    DISPENSE_STARTED = "dispense_started"
    DISPENSE_SUCCEEDED = "dispense_succeeded"
    DISPENSE_FAILED = "dispense_failed"
    CAPTURE_REQUESTED = "capture_requested"
    CAPTURED = "captured"
    VOID_REQUESTED = "void_requested"
    VOIDED = "voided"
    READER_REFUND_REQUESTED = "reader_refund_requested"
    READER_REFUNDED = "reader_refunded"
    MANUAL_REVIEW = "manual_review"
    REFUND_REQUESTED = "refund_requested"  # a refund of a captured sale (money, or points)
    REFUNDED = "refunded"


CLOSING_STEPS = frozenset(
    {
        Step.DECLINED,
        Step.CANCELLED,
        Step.CAPTURED,
        Step.VOIDED,
        Step.READER_REFUNDED,
        Step.MANUAL_REVIEW,
        Step.REFUNDED,
        Step.REDEEM_REFUSED,
        Step.POINTS_RELEASED,
    }
)
REDEMPTION_STEPS = frozenset({Step.REDEEMING, Step.REDEEMED, Step.REDEEMED_OFFLINE})


class Mode(enum.Enum):
    READER = "reader"  # MDB: the reader approved and settles the vend itself
    GATEWAY = "gateway"  # tokenizing terminal: the middleware authorizes the token
    OFFLINE = "offline"  # gateway token accepted offline under the capped policy
    POINTS = "points"  # loyalty points pay the whole price: no card at all


class Action(enum.Enum):
    NONE = "none"
    CLOSE_CANCELLED = "close_cancelled"
    RESOLVE_AUTHORIZATION = "resolve_authorization"  # status(key): did the gateway approve?
    QUERY_DISPENSER = "query_dispenser"
    CAPTURE = "capture"
    AUTHORIZE_AND_CAPTURE = "authorize_and_capture"  # offline sale, now online
    VOID = "void"
    READER_REFUND = "reader_refund"
    CLOSE_CAPTURED = "close_captured"  # MDB: the reader settled the sale itself
    REFUND = "refund"  # a refund transaction waiting for the middleware
    RELEASE_POINTS = "release_points"  # a points hold of a transaction that sold nothing
    MANUAL_REVIEW = "manual_review"


@dataclass(frozen=True)
class TxnView:
    """What the ledger says about one transaction."""

    txn_id: str
    steps: tuple[Step, ...]
    mode: Mode | None
    amount_minor: int
    currency: str | None
    token: str | None
    auth_id: str | None
    reader_reference: str | None
    command_id: int | None
    dispense_ok: bool | None  # None: no outcome recorded
    reader_reset: bool  # the MDB reader reset after approving: it counts the vend as sold
    details: Mapping[str, Any]  # the merged data of every step (quote, target, ...)
    redemption: Redemption | None = None  # loyalty points the purchase pays with

    @property
    def last(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def has(self, step: Step) -> bool:
        return step in self.steps

    @property
    def hold_outstanding(self) -> bool:
        """The middleware may hold points for this transaction and no SALE made them final."""
        return (
            self.has(Step.REDEEMING)
            and not self.has(Step.REDEEM_REFUSED)
            and not self.has(Step.POINTS_RELEASED)
            and self.dispense_ok is not True
        )

    @property
    def needs_release(self) -> bool:
        """Closing now must also request the release of the hold (once per transaction)."""
        return self.hold_outstanding and not self.has(Step.RELEASE_REQUESTED)


def command_id_for(epoch: int, seq: int) -> int:
    """The dispenser command id of the DISPENSE_STARTED event with sequence ``seq``: unique
    within a ledger, different across ledgers (epoch bits), and fixed before the side effect."""
    return ((epoch & 0xFF) << 24) | (seq & 0xFFFFFF)


def fold(txn_id: str, events: Iterable[Event]) -> TxnView:
    steps: list[Step] = []
    merged: dict[str, Any] = {}
    epoch = 0
    for event in events:
        epoch = event.epoch
        raw = event.data.get("step")
        if raw is None:
            continue
        try:
            steps.append(Step(raw))
        except ValueError:
            continue
        merged.update({k: v for k, v in event.data.items() if k != "step"})
    mode_raw = merged.get("mode")
    outcome: bool | None = None
    if Step.DISPENSE_SUCCEEDED in steps:
        outcome = True
    elif Step.DISPENSE_FAILED in steps:
        outcome = False
    return TxnView(
        txn_id=txn_id,
        steps=tuple(steps),
        mode=Mode(mode_raw) if mode_raw in {m.value for m in Mode} else None,
        amount_minor=int(merged.get("amount_minor", 0)),
        currency=merged.get("currency"),
        token=merged.get("token"),
        auth_id=merged.get("auth_id"),
        reader_reference=merged.get("reader_reference"),
        command_id=command_id_for(epoch, merged["dispense_seq"])
        if "dispense_seq" in merged
        else None,
        dispense_ok=outcome,
        reader_reset=bool(merged.get("reader_reset", False)),
        details=merged,
        redemption=_redemption(merged),
    )


def _redemption(merged: Mapping[str, Any]) -> Redemption | None:
    points, member = merged.get("redeem_points"), merged.get("member_id")
    route = merged.get("redemption")
    if not points or not member or route not in {r.value for r in RedemptionRoute}:
        return None
    return Redemption(str(member), int(points), RedemptionRoute(route))


def next_action(view: TxnView) -> Action:
    """What must happen next to bring this transaction to a closed, correct state."""
    last = view.last
    if last is Step.RELEASE_REQUESTED:
        return Action.RELEASE_POINTS
    if last is None or last in CLOSING_STEPS:
        return Action.NONE
    if view.has(Step.REFUND_REQUESTED):
        return Action.REFUND
    if view.has(Step.DISPENSE_STARTED) and view.dispense_ok is None:
        return Action.QUERY_DISPENSER
    if last in REDEMPTION_STEPS and not view.has(Step.DISPENSE_STARTED):
        # points asked for or held, no card asked yet, nothing dispensed: nothing can be
        # charged; closing requests the release of any hold
        return Action.CLOSE_CANCELLED
    dispensed = view.dispense_ok is True
    if view.mode is Mode.POINTS:
        return Action.CLOSE_CAPTURED if dispensed else Action.CLOSE_CANCELLED
    if view.mode is Mode.READER:
        if not view.has(Step.AUTHORIZED):
            return Action.MANUAL_REVIEW  # the reader may have approved just before a crash
        if dispensed:
            return Action.CLOSE_CAPTURED
        return Action.READER_REFUND
    if view.mode is Mode.OFFLINE:
        return Action.AUTHORIZE_AND_CAPTURE if dispensed else Action.CLOSE_CANCELLED
    if view.mode is Mode.GATEWAY:
        if view.has(Step.AUTHORIZED):
            return Action.CAPTURE if dispensed else Action.VOID
        if view.has(Step.AUTHORIZING):
            return Action.RESOLVE_AUTHORIZATION
        return Action.CLOSE_CANCELLED  # no token was ever sent: nothing can be charged
    return Action.CLOSE_CANCELLED
