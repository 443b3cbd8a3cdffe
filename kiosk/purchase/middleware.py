"""The purchase flow's view of the middleware's payment RPCs (sync.payments.PaymentsClient).

Turns gateway answers into the two facts the flow and the settlement worker act on —
*approved* (an authorization exists) and *settled* (the capture, void or refund asked for is
done) — and a refusal by the middleware (e.g. ``invalid_state``) into a non-settled answer
with its code as the reason, so it lands in manual review instead of being retried forever.
Unavailability (not connected, outcome unknown — a lost authorization request included) stays
an exception: the worker retries later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.purchase.settlement import Answer
from sync.payments import (
    GatewayAnswer,
    PaymentRefusedError,
    PaymentsClient,
    PaymentStatus,
    PaymentsUnavailableError,
    idempotency_key,
)


def _answer(raw: GatewayAnswer, done: PaymentStatus | None = None) -> Answer:
    return Answer(
        approved=raw.status is PaymentStatus.APPROVED,
        settled=done is not None and raw.status is done,
        auth_id=raw.auth_id,
        reason=raw.reason or raw.status.value.lower(),
    )


def _refused(exc: PaymentRefusedError) -> Answer:
    return Answer(reason=exc.code)


class MiddlewarePayments:
    """Implements kiosk.purchase.settlement.Payments over the device's PaymentsClient."""

    def __init__(self, client: PaymentsClient, device_id: str) -> None:
        self._client = client
        self._device_id = device_id

    async def authorize(
        self,
        *,
        txn_id: str,
        token: str,
        amount_minor: int,
        currency: str,
        metadata: Mapping[str, Any],
    ) -> Answer:
        try:
            raw = await self._client.authorize(
                txn_id=txn_id,
                token=token,
                amount_minor=amount_minor,
                currency=currency,
                metadata=metadata,
            )
        except PaymentRefusedError as exc:
            return _refused(exc)
        if raw.status is PaymentStatus.NOT_FOUND:
            # Only a lost request ends so (its status asked for until the middleware said twice
            # it had no such key): it may still arrive, so the outcome is unknown — not a
            # decline. The flow tells the shopper the payment service did not answer and the
            # settlement worker resolves it; an offline sale's forwarding is retried.
            raise PaymentsUnavailableError(f"authorization of {txn_id}: the request was lost")
        return _answer(raw)

    async def capture(self, *, txn_id: str, auth_id: str, amount_minor: int) -> Answer:
        try:
            raw = await self._client.capture(
                txn_id=txn_id, auth_id=auth_id, amount_minor=amount_minor
            )
        except PaymentRefusedError as exc:
            return _refused(exc)
        return _answer(raw, PaymentStatus.CAPTURED)

    async def void(self, *, txn_id: str, auth_id: str) -> Answer:
        try:
            raw = await self._client.void(txn_id=txn_id, auth_id=auth_id)
        except PaymentRefusedError as exc:
            return _refused(exc)
        return _answer(raw, PaymentStatus.VOIDED)

    async def refund(self, *, txn_id: str, refund_id: str, amount_minor: int) -> Answer:
        try:
            raw = await self._client.refund(
                txn_id=txn_id, refund_id=refund_id, amount_minor=amount_minor
            )
        except PaymentRefusedError as exc:
            return _refused(exc)
        return _answer(raw, PaymentStatus.REFUNDED)

    async def reader_refund(
        self, *, txn_id: str, reader_reference: str, amount_minor: int
    ) -> Answer:
        try:
            raw = await self._client.reader_refund(
                txn_id=txn_id, reader_reference=reader_reference, amount_minor=amount_minor
            )
        except PaymentRefusedError as exc:
            return _refused(exc)
        return _answer(raw, PaymentStatus.REFUNDED)

    async def authorization_status(self, *, txn_id: str) -> Answer:
        key = idempotency_key(self._device_id, txn_id, "authorize")
        try:
            # fenced: the settlement worker cancels the sale on NOT_FOUND, so a copy of the
            # request still on its way must never authorize afterwards
            return _answer(await self._client.status(key=key, fence=True))
        except PaymentRefusedError as exc:
            return _refused(exc)
