"""A points refund of a sale paid only with points, in the canonical record
(sync.middleware.sales), on SQLite and PostgreSQL: the sale's record goes
``partially_refunded`` and then ``refunded`` by the points the device says are left to give
back, money staying 0; each REFUND note carries its points; a refund asked for but not done
moves nothing; delivering it all again changes nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from sync.protocol import EventType
from tests.sync.middleware.test_sales import (
    SKU,
    Journal,
    history,
    ingest_all,
    moves,
    points_only,
    record,
)


def points_refund(j: Journal, original: str, n: int, points: int, left: int) -> str:
    """What kiosk.purchase.points_refunds records, in one batch: the request, the REFUND of 0
    with the points, the LOYALTY restore and the closing ``refunded``."""
    txn = f"{original}.r{n}"
    j.step(
        txn, "refund_requested", original_txn=original, refund_minor=0, points=points,
        points_left=left, operator_id="tech-1", reason="leak", original_mode="points",
    )  # fmt: skip
    data = {"original_txn": original, "operator_id": "tech-1", "points": points}
    j.add(EventType.REFUND, txn, data, sku=SKU)
    loyalty = {"kind": "restore", "member_id": "m-42", "points": points, "original_txn": original}
    j.add(EventType.LOYALTY, txn, loyalty)
    j.step(txn, "refunded", by="points")
    return txn


def test_points_refunds_move_a_points_sale_to_refunded(engine: Engine) -> None:
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    points_only(j, "t-p")  # 1,500 points spent
    first = points_refund(j, "t-p", 1, 600, 900)
    ingest_all(engine, j.events)
    row = record(engine, "t-p")
    assert (row.payment_mode, row.settlement_status) == ("points", "partially_refunded")
    assert (row.amount_minor, row.captured_minor, row.refunded_minor) == (0, 0, 0)
    assert row.operator_id == "tech-1"
    assert moves(engine, "t-p")[1:] == [
        ("captured", "captured", "ledger:REFUND"),
        ("captured", "partially_refunded", "ledger:PAYMENT:refunded"),
    ]
    note = history(engine, "t-p")[1][3]
    assert (note["refundTxnId"], note["amountMinor"], note["points"]) == (first, 0, 600)

    more = Journal(events=list(j.events))
    second = points_refund(more, "t-p", 2, 900, 0)
    asked = more.events[len(j.events)]  # the request alone: nothing done yet
    ingest_all(engine, [asked])
    assert record(engine, "t-p").settlement_status == "partially_refunded"
    ingest_all(engine, more.events[len(j.events) + 1 :])
    assert record(engine, "t-p").settlement_status == "refunded"
    assert [h[3].get("points") for h in history(engine, "t-p")[1:]] == [600, None, 900, None]
    assert history(engine, "t-p")[3][3]["refundTxnId"] == second

    before = history(engine, "t-p")
    ingest_all(engine, more.events)  # everything again: applied once
    assert history(engine, "t-p") == before
    assert record(engine, "t-p").settlement_status == "refunded"
