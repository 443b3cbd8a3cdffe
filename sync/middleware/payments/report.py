"""Payments in the middleware's status view: authorizations that must be settled soon.

Every authorization must be captured or voided within 24 h (docs/payments.md). :func:`read_
payments_status` lists those older than ``stale_after_h`` (default 20 h) and not settled
(``authorized``, or ``manual_review`` with nothing captured, e.g. an authorization whose outcome
is unknown: its age counts from the record's creation), plus counts per settlement state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, inspect, or_, select

from sync.middleware import schema as t
from sync.middleware.ingest import as_utc, utc_now

STALE_AFTER_H = 20.0


def read_payments_status(
    engine: Engine,
    device_id: str | None = None,
    *,
    stale_after_h: float = STALE_AFTER_H,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """``{"staleAuthorizations": [...], "settlement": {state: n}}``; None before revision 0002."""
    now = now or utc_now()
    x = t.transactions.c
    since = func.coalesce(x.authorized_at, x.created_at)  # unknown outcomes have no auth time
    with engine.connect() as conn:
        if not inspect(conn).has_table("transactions"):
            return None
        counts_q = select(x.settlement_status, func.count()).group_by(x.settlement_status)
        stale_q = (
            select(t.transactions)
            .where(
                since < now - timedelta(hours=stale_after_h),
                or_(
                    x.settlement_status == "authorized",
                    (x.settlement_status == "manual_review") & (x.captured_minor == 0),
                ),
            )
            .order_by(since)
        )
        if device_id is not None:
            counts_q = counts_q.where(x.device_id == device_id)
            stale_q = stale_q.where(x.device_id == device_id)
        counts = {str(s): int(n) for s, n in conn.execute(counts_q)}
        stale = [
            {
                "globalTxnId": row.global_txn_id,
                "deviceId": row.device_id,
                "posTxnId": row.pos_txn_id,
                "paymentAuthId": row.payment_auth_id,
                "amountMinor": int(row.amount_minor),
                "currency": row.currency,
                "settlementStatus": row.settlement_status,
                "authorizedAt": _iso(as_utc(row.authorized_at or row.created_at)),
                "ageHours": round(
                    (now - as_utc(row.authorized_at or row.created_at)).total_seconds() / 3600, 2
                ),
            }
            for row in conn.execute(stale_q)
        ]
    return {"staleAuthorizations": stale, "settlement": counts, "staleAfterHours": stale_after_h}


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
