"""The payment-gateway adapter interface the middleware programs against.

:class:`PaymentGateway` is an async ABC: authorize, capture, void, refund, reader_refund and
status (by idempotency key). Every mutating call carries an idempotency key: the same key with
the same parameters returns the stored result, with different parameters it raises
:class:`IdempotencyConflictError`. A decline is a :class:`GatewayResult` (status DECLINED),
not an error. Errors are typed:

- :class:`GatewayUnavailableError`: unreachable, or a 5xx (the outcome may be unknown);
- :class:`GatewayTimeoutError` (a kind of unavailable): sent, no answer in time: unknown;
- :class:`IdempotencyConflictError`: 409;
- :class:`GatewayRejectedError`: the gateway refused the request (``code``: ``bad_request``,
  ``card_number_refused``, ``not_captured``, ``refund_exceeds_captured``, ``invalid_state``);
- :class:`GatewayProtocolError`: an answer we cannot read.

After an unavailable/timeout error the caller resolves the outcome with :meth:`status` and the
same key, never by authorizing again. ``sync.middleware.payments.http_gateway.HttpGateway``
implements this against the sandbox's HTTP API (docs/payments.md).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.errors import SyncError
from sync.payments import PaymentStatus

MetadataValue = Any  # JSON values (strings, integers, booleans, null, lists, objects)


@dataclass(frozen=True)
class GatewayResult:
    """The gateway's answer to one operation."""

    status: PaymentStatus
    auth_id: str | None = None
    amount_minor: int | None = None
    reason: str | None = None
    reference: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "authId": self.auth_id,
            "amountMinor": self.amount_minor,
            "reason": self.reason,
            "reference": self.reference,
        }

    @classmethod
    def from_json(cls, obj: Any) -> GatewayResult:
        """Parse a result object; :class:`GatewayProtocolError` when it is not one."""
        if not isinstance(obj, dict):
            raise GatewayProtocolError("gateway result: expected a JSON object")
        try:
            status = PaymentStatus(obj.get("status"))
        except ValueError:
            raise GatewayProtocolError(
                f"gateway result: bad status {obj.get('status')!r}"
            ) from None
        amount = obj.get("amountMinor")
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
            raise GatewayProtocolError("gateway result: 'amountMinor' must be an integer")
        texts = {}
        for key in ("authId", "reason", "reference"):
            value = obj.get(key)
            if value is not None and not isinstance(value, str):
                raise GatewayProtocolError(f"gateway result: {key!r} must be a string")
            texts[key] = value
        return cls(status, texts["authId"], amount, texts["reason"], texts["reference"])


class GatewayError(SyncError):
    """Base of every gateway adapter error."""


class GatewayUnavailableError(GatewayError):
    """Unreachable, or a server error: resolve the outcome with ``status(key)``."""


class GatewayTimeoutError(GatewayUnavailableError):
    """The request was sent but no answer came in time: the outcome is unknown."""


class IdempotencyConflictError(GatewayError):
    """The key was used before with different parameters (HTTP 409)."""


class GatewayRejectedError(GatewayError):
    """The gateway refused the request; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class GatewayProtocolError(GatewayError):
    """The gateway answered something that is not a valid response."""


class PaymentGateway(abc.ABC):
    """A payment gateway as the middleware uses it (tokens only, never card numbers)."""

    @abc.abstractmethod
    async def authorize(
        self,
        token: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, MetadataValue],
    ) -> GatewayResult:
        """Hold ``amount_minor`` on the card behind ``token``: APPROVED or DECLINED."""

    @abc.abstractmethod
    async def capture(self, auth_id: str, amount_minor: int, key: str) -> GatewayResult:
        """Collect up to the authorized amount: CAPTURED, or FAILED (expired, voided, ...)."""

    @abc.abstractmethod
    async def void(self, auth_id: str, key: str) -> GatewayResult:
        """Release an uncaptured authorization: VOIDED, or FAILED when already captured."""

    @abc.abstractmethod
    async def refund(self, auth_id: str, amount_minor: int, key: str) -> GatewayResult:
        """Give back captured money; the refunds never total more than was captured."""

    @abc.abstractmethod
    async def reader_refund(
        self, reader_reference: str, amount_minor: int, key: str
    ) -> GatewayResult:
        """Refund a sale the MDB reader settled itself (a reset between VEND APPROVED and
        VEND SUCCESS counts as success, so money comes back this way when nothing was
        dispensed)."""

    @abc.abstractmethod
    async def status(self, key: str) -> GatewayResult:
        """The stored result of the operation made with ``key``, or NOT_FOUND."""

    async def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections and threads."""
