"""The device's loyalty client: a member's balance, and holds on points for a redemption.

Every call is an RPC (``sync.rpc``) to the middleware, which keeps each member's points
account (docs/protocol.md, "Loyalty"). A redemption is a *hold* keyed by the local
transaction id, ``{device_id}:{txn_id}:redeem``: the middleware makes it final when the
transaction's SALE event (which carries the redeemed points) arrives, and drops it on
:meth:`LoyaltyClient.release`. Both calls are idempotent by that key, so repeating one (after a
crash or a lost answer) never takes points twice:

- a lost *redeem* answer is never resolved by redeeming again: the caller releases the hold
  (a release that arrives first leaves a tombstone, so a late redeem is refused);
- a lost *release* answer is resolved by releasing again.

:class:`LoyaltyUnavailableError` means not connected or no answer (outcome unknown);
:class:`LoyaltyRefusedError` carries the middleware's error code (``insufficient_points``,
``invalid_state``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.errors import SyncError
from sync.payments import TXN_ID_RE
from sync.rpc import RpcClient, RpcError, RpcTimeoutError, RpcUnavailableError

MEMBER_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
MAX_POINTS = 10**9
HELD, RELEASED = "HELD", "RELEASED"


class LoyaltyError(SyncError):
    """Base of the loyalty client's errors."""


class LoyaltyUnavailableError(LoyaltyError):
    """Not connected, or no answer in time: the outcome is unknown."""


class LoyaltyRefusedError(LoyaltyError):
    """The middleware refused the request; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class InsufficientPointsError(LoyaltyRefusedError):
    """The member's available points (balance − holds) do not cover the redemption."""


def hold_key(device_id: str, txn_id: str) -> str:
    """The idempotency key of a transaction's points hold (the same on both ends)."""
    if not TXN_ID_RE.fullmatch(txn_id):
        raise ValueError(f"bad transaction id {txn_id!r}: 1-96 of letters, digits, '_', '.', '-'")
    return f"{device_id}:{txn_id}:redeem"


@dataclass(frozen=True)
class LoyaltyBalance:
    member_id: str
    balance: int  # points earned minus points redeemed (final); may be < 0 after offline use
    held: int  # points on hold for redemptions in progress
    available: int  # balance − held: what a new redemption may spend


@dataclass(frozen=True)
class LoyaltyAnswer:
    status: str  # HELD | RELEASED
    member_id: str
    points: int  # held, or released (0 when nothing was held)
    available: int


def _int(body: Mapping[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise LoyaltyError(f"loyalty answer: {key!r} must be an integer")
    return value


def _str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise LoyaltyError(f"loyalty answer: {key!r} must be a string")
    return value


class LoyaltyClient:
    """Loyalty calls for one device, over the engine's RPC connection."""

    def __init__(self, rpc: RpcClient, *, device_id: str, call_timeout: float = 10.0) -> None:
        self._rpc = rpc
        self.device_id = device_id
        self.call_timeout = call_timeout

    @property
    def available(self) -> bool:
        return self._rpc.available

    async def balance(self, member_id: str) -> LoyaltyBalance:
        body = await self._call("loyalty.balance", {"memberId": _member(member_id)})
        return LoyaltyBalance(
            _str(body, "memberId"),
            _int(body, "balance"),
            _int(body, "held"),
            _int(body, "available"),
        )

    async def redeem(self, *, txn_id: str, member_id: str, points: int) -> LoyaltyAnswer:
        """Hold ``points`` of the member's points for transaction ``txn_id``."""
        hold_key(self.device_id, txn_id)
        if type(points) is not int or not 0 < points <= MAX_POINTS:
            raise ValueError(f"points must be an integer in 1..{MAX_POINTS}")
        params = {"txnId": txn_id, "memberId": _member(member_id), "points": points}
        return self._answer(await self._call("loyalty.redeem", params))

    async def release(self, *, txn_id: str, member_id: str) -> LoyaltyAnswer:
        """Drop the hold of ``txn_id`` (none held: a tombstone refuses a late redeem)."""
        hold_key(self.device_id, txn_id)
        params = {"txnId": txn_id, "memberId": _member(member_id)}
        return self._answer(await self._call("loyalty.release", params))

    @staticmethod
    def _answer(body: Mapping[str, Any]) -> LoyaltyAnswer:
        status = _str(body, "status")
        if status not in (HELD, RELEASED):
            raise LoyaltyError(f"unknown loyalty status {status!r}")
        return LoyaltyAnswer(
            status, _str(body, "memberId"), _int(body, "points"), _int(body, "available")
        )

    async def _call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if not self._rpc.available:
            raise LoyaltyUnavailableError(f"{method}: not connected to the middleware")
        try:
            return await self._rpc.call(method, params, timeout=self.call_timeout)
        except (RpcUnavailableError, RpcTimeoutError) as exc:
            raise LoyaltyUnavailableError(str(exc)) from None
        except RpcError as exc:
            message = str(exc).split(": ", 1)[-1]
            if exc.code == "insufficient_points":
                raise InsufficientPointsError(exc.code, message) from None
            if exc.code in ("pending", "internal"):
                raise LoyaltyUnavailableError(str(exc)) from None
            raise LoyaltyRefusedError(exc.code, message) from None


def _member(member_id: str) -> str:
    if not isinstance(member_id, str) or not MEMBER_ID_RE.fullmatch(member_id):
        raise ValueError("member id: 1-32 of letters, digits, '_', '-'")
    return member_id
