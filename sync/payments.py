"""The device's payment client: authorize, capture, void and refund through the middleware.

Every call is an RPC (``sync.rpc``) to the middleware, which talks to the payment gateway and
keeps the canonical transaction record (docs/payments.md). Idempotency keys are derived from
the local transaction id, so a repeated call can never charge twice:

    {device_id}:{txn_id}:authorize      {device_id}:{txn_id}:capture
    {device_id}:{txn_id}:void           {device_id}:{txn_id}:refund:{refund_id}
    {device_id}:{txn_id}:reader_refund

A call whose answer is lost (:class:`~sync.rpc.RpcTimeoutError`) is resolved by asking for the
status of the *same key* (bounded attempts with backoff), never by sending the operation again.
When the outcome is still unknown, or the device is offline, :class:`PaymentsUnavailableError`
is raised: the purchase flow then queues durably or goes to manual review.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.errors import SyncError
from sync.rpc import RpcClient, RpcError, RpcTimeoutError, RpcUnavailableError

log = logging.getLogger(__name__)

TXN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
REFUND_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_KEY_CHARS = 255

# Error codes the middleware answers with (docs/protocol.md, "Payments").
RETRYABLE_CODES = frozenset({"pending", "gateway_unavailable"})


class PaymentStatus(enum.Enum):
    """The outcome of one gateway operation (identical strings on the wire)."""

    APPROVED = "APPROVED"  # authorization granted (funds held)
    DECLINED = "DECLINED"  # authorization refused: a result, not an error
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    REFUNDED = "REFUNDED"
    NOT_FOUND = "NOT_FOUND"  # no operation with that key / no such authorization
    FAILED = "FAILED"  # the gateway refused the operation (e.g. authorization expired)


class PaymentsError(SyncError):
    """Base of the payment client's errors."""


class PaymentsUnavailableError(PaymentsError):
    """Not connected, or the outcome is still unknown after the status attempts."""


class PaymentRefusedError(PaymentsError):
    """The middleware refused the request; ``code`` says why (never retried with the key)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class IdempotencyConflictError(PaymentRefusedError):
    """The key was used before with different parameters."""


class NotCapturedError(PaymentRefusedError):
    """A refund of a payment that was never captured: void it instead."""


class RefundExceedsCapturedError(PaymentRefusedError):
    """The refunds would total more than was captured."""


class InvalidStateError(PaymentRefusedError):
    """The payment is in a state that does not allow this operation."""


_REFUSALS: dict[str, type[PaymentRefusedError]] = {
    "idempotency_conflict": IdempotencyConflictError,
    "not_captured": NotCapturedError,
    "refund_exceeds_captured": RefundExceedsCapturedError,
    "invalid_state": InvalidStateError,
}


@dataclass(frozen=True)
class GatewayAnswer:
    """What the gateway said about one operation."""

    status: PaymentStatus
    auth_id: str | None = None
    amount_minor: int | None = None
    reason: str | None = None
    reference: str | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> GatewayAnswer:
        try:
            status = PaymentStatus(obj.get("status"))
        except ValueError:
            raise PaymentsError(f"unknown payment status {obj.get('status')!r}") from None
        amount = obj.get("amountMinor")
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
            raise PaymentsError("payment answer: 'amountMinor' must be an integer")
        return cls(
            status=status,
            auth_id=_opt_str(obj, "authId"),
            amount_minor=amount,
            reason=_opt_str(obj, "reason"),
            reference=_opt_str(obj, "reference"),
        )


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise PaymentsError(f"payment answer: {key!r} must be a string")
    return value


def idempotency_key(
    device_id: str, txn_id: str, operation: str, refund_id: str | None = None
) -> str:
    """The key of one operation of one local transaction (the same on device and middleware)."""
    if not TXN_ID_RE.fullmatch(txn_id):
        raise ValueError(f"bad transaction id {txn_id!r}: 1-96 of letters, digits, '_', '.', '-'")
    if operation == "refund":
        if refund_id is None or not REFUND_ID_RE.fullmatch(refund_id):
            raise ValueError(f"bad refund id {refund_id!r}: 1-64 of letters, digits, '_.-'")
        return f"{device_id}:{txn_id}:refund:{refund_id}"
    return f"{device_id}:{txn_id}:{operation}"


class PaymentsClient:
    """Payment operations for one device, over the engine's RPC connection."""

    def __init__(
        self,
        rpc: RpcClient,
        *,
        device_id: str,
        call_timeout: float = 10.0,
        status_attempts: int = 5,
        backoff_s: float = 0.5,
        backoff_max_s: float = 5.0,
    ) -> None:
        self._rpc = rpc
        self.device_id = device_id
        self.call_timeout = call_timeout
        self.status_attempts = max(1, status_attempts)
        self._backoff = (backoff_s, backoff_max_s)

    async def authorize(
        self,
        *,
        txn_id: str,
        token: str,
        amount_minor: int,
        currency: str,
        metadata: Mapping[str, Any] | None = None,
    ) -> GatewayAnswer:
        """Hold ``amount_minor``; DECLINED is an answer, not an error."""
        params = {
            "txnId": txn_id,
            "token": token,
            "amountMinor": amount_minor,
            "currency": currency,
            "metadata": dict(metadata or {}),
        }
        return await self._operate("authorize", txn_id, params)

    async def capture(self, *, txn_id: str, auth_id: str, amount_minor: int) -> GatewayAnswer:
        params = {"txnId": txn_id, "authId": auth_id, "amountMinor": amount_minor}
        return await self._operate("capture", txn_id, params)

    async def void(self, *, txn_id: str, auth_id: str) -> GatewayAnswer:
        """Release an uncaptured authorization (nothing was dispensed)."""
        return await self._operate("void", txn_id, {"txnId": txn_id, "authId": auth_id})

    async def refund(self, *, txn_id: str, refund_id: str, amount_minor: int) -> GatewayAnswer:
        """Give back captured money; refunds of one sale never total more than was captured."""
        params = {"txnId": txn_id, "refundId": refund_id, "amountMinor": amount_minor}
        return await self._operate("refund", txn_id, params, refund_id)

    async def reader_refund(
        self, *, txn_id: str, reader_reference: str, amount_minor: int
    ) -> GatewayAnswer:
        """Refund a sale the MDB reader settled itself (reset after VEND APPROVED, no product)."""
        params = {"txnId": txn_id, "readerReference": reader_reference, "amountMinor": amount_minor}
        return await self._operate("reader_refund", txn_id, params)

    async def status(self, *, key: str, fence: bool = False) -> GatewayAnswer:
        """The stored answer of the operation with idempotency key ``key`` (or NOT_FOUND).

        ``fence`` (authorize keys only): the device gives the authorization up if it was
        never received — the middleware then refuses a copy still on its way, so NOT_FOUND
        is final and no hold can appear on the shopper's card afterwards."""
        return await self._resolve(key, lost_operation=False, fence=fence)

    # -- internals -----------------------------------------------------------------------------
    async def _operate(
        self, operation: str, txn_id: str, params: dict[str, Any], refund_id: str | None = None
    ) -> GatewayAnswer:
        key = idempotency_key(self.device_id, txn_id, operation, refund_id)
        method = f"payment.{operation}"
        if not self._rpc.available:
            raise PaymentsUnavailableError(f"{method}: not connected to the middleware")
        try:
            body = await self._rpc.call(method, params, timeout=self.call_timeout)
        except RpcUnavailableError as exc:
            raise PaymentsUnavailableError(str(exc)) from None
        except RpcTimeoutError:
            log.warning("%s %s: answer lost, asking for its status", method, key)
            return await self._resolve(key, lost_operation=True)
        except RpcError as exc:
            raise _refusal(exc) from None
        return GatewayAnswer.from_json(body)

    async def _resolve(
        self, key: str, *, lost_operation: bool, fence: bool = False
    ) -> GatewayAnswer:
        """Ask for the status of ``key`` until it is known, at most ``status_attempts`` times.

        After a lost operation a NOT_FOUND is only believed when seen twice (the request may
        still be on its way); a plain status query returns the first definite answer."""
        delay, delay_max = self._backoff
        not_found_needed = min(2, self.status_attempts) if lost_operation else 1
        not_found_seen = 0
        last = "no answer"
        for attempt in range(1, self.status_attempts + 1):
            if attempt > 1:
                await asyncio.sleep(delay)
                delay = min(delay * 2, delay_max)
            try:
                params: dict[str, Any] = {"key": key, "fence": True} if fence else {"key": key}
                body = await self._rpc.call("payment.status", params, timeout=self.call_timeout)
            except (RpcTimeoutError, RpcUnavailableError) as exc:
                last = str(exc)
                continue
            except RpcError as exc:
                if exc.code in RETRYABLE_CODES:
                    last = str(exc)
                    continue
                raise _refusal(exc) from None
            answer = GatewayAnswer.from_json(body)
            if answer.status is PaymentStatus.NOT_FOUND:
                not_found_seen += 1
                if not_found_seen < not_found_needed:
                    last = "not found yet"
                    continue
            return answer
        raise PaymentsUnavailableError(
            f"outcome of {key} unknown after {self.status_attempts} status attempts ({last})"
        )


def _refusal(exc: RpcError) -> PaymentsError:
    if exc.code in RETRYABLE_CODES:
        return PaymentsUnavailableError(str(exc))
    message = str(exc).split(": ", 1)[-1]
    return _REFUSALS.get(exc.code, PaymentRefusedError)(exc.code, message)
