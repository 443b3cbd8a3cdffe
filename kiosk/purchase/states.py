"""The purchase state machine: enum states, one transition table, no I/O, no Qt.

    BROWSING → SELECTED → QUOTED → AUTHORIZING → DISPENSING → COMPLETED
                  ↑ cancel/timeout at every step before DISPENSING → CANCELLED
    AUTHORIZING --declined--> QUOTED (the shopper may retry)
    DISPENSING --failed--> FAILED_VOIDED        DISPENSING --unknown--> MANUAL_REVIEW

Screens render these states; they never decide them. :class:`PurchaseMachine` refuses any
trigger the table does not allow (a double tap on "pay" cannot start a second payment).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class PurchaseState(enum.Enum):
    BROWSING = "browsing"
    SELECTED = "selected"
    QUOTED = "quoted"
    AUTHORIZING = "authorizing"
    DISPENSING = "dispensing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED_VOIDED = "failed_voided"
    MANUAL_REVIEW = "manual_review"


END_STATES = frozenset(
    {
        PurchaseState.COMPLETED,
        PurchaseState.CANCELLED,
        PurchaseState.FAILED_VOIDED,
        PurchaseState.MANUAL_REVIEW,
    }
)
# Money or product may be moving: the idle timer must never interrupt these.
BUSY_STATES = frozenset({PurchaseState.AUTHORIZING, PurchaseState.DISPENSING})


class Trigger(enum.Enum):
    SELECT = "select"
    QUOTE = "quote"
    PAY = "pay"
    AUTHORIZED = "authorized"
    DECLINED = "declined"
    CANCEL = "cancel"
    TIMEOUT = "timeout"
    DISPENSED = "dispensed"
    DISPENSE_FAILED = "dispense_failed"
    DISPENSE_UNKNOWN = "dispense_unknown"
    RESET = "reset"


S, T = PurchaseState, Trigger
TRANSITIONS: dict[tuple[PurchaseState, Trigger], PurchaseState] = {
    (S.BROWSING, T.SELECT): S.SELECTED,
    (S.SELECTED, T.SELECT): S.SELECTED,
    (S.SELECTED, T.QUOTE): S.QUOTED,
    (S.SELECTED, T.CANCEL): S.CANCELLED,
    (S.SELECTED, T.TIMEOUT): S.CANCELLED,
    (S.QUOTED, T.QUOTE): S.QUOTED,  # a loyalty scan re-prices
    (S.QUOTED, T.SELECT): S.SELECTED,
    (S.QUOTED, T.PAY): S.AUTHORIZING,
    (S.QUOTED, T.CANCEL): S.CANCELLED,
    (S.QUOTED, T.TIMEOUT): S.CANCELLED,
    (S.AUTHORIZING, T.AUTHORIZED): S.DISPENSING,
    (S.AUTHORIZING, T.DECLINED): S.QUOTED,
    (S.AUTHORIZING, T.CANCEL): S.CANCELLED,
    (S.AUTHORIZING, T.TIMEOUT): S.CANCELLED,
    (S.DISPENSING, T.DISPENSED): S.COMPLETED,
    (S.DISPENSING, T.DISPENSE_FAILED): S.FAILED_VOIDED,
    (S.DISPENSING, T.DISPENSE_UNKNOWN): S.MANUAL_REVIEW,
}
for _end in END_STATES:
    TRANSITIONS[(_end, T.RESET)] = S.BROWSING
TRANSITIONS[(S.BROWSING, T.RESET)] = S.BROWSING


class InvalidTransitionError(Exception):
    """The trigger is not allowed in the current state (e.g. a second tap on pay)."""


@dataclass(frozen=True)
class PurchaseStateDidChange:
    old: PurchaseState
    new: PurchaseState
    trigger: Trigger
    reason: str  # a message key for the screen (e.g. "declined", "dispense_jam"), or ""


class PurchaseMachine:
    """Holds the state; :meth:`fire` is the only way to change it, and it notifies."""

    def __init__(self) -> None:
        self._state = PurchaseState.BROWSING
        self._listeners: list[Callable[[PurchaseStateDidChange], None]] = []

    @property
    def state(self) -> PurchaseState:
        return self._state

    def add_listener(self, listener: Callable[[PurchaseStateDidChange], None]) -> None:
        self._listeners.append(listener)

    def can(self, trigger: Trigger) -> bool:
        return (self._state, trigger) in TRANSITIONS

    def fire(self, trigger: Trigger, reason: str = "") -> PurchaseState:
        new = TRANSITIONS.get((self._state, trigger))
        if new is None:
            raise InvalidTransitionError(f"{trigger.value} is not allowed in {self._state.value}")
        old, self._state = self._state, new
        change = PurchaseStateDidChange(old, new, trigger, reason)
        for listener in list(self._listeners):
            listener(change)
        return new
