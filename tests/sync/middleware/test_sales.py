"""The canonical record fed by the devices' journals (sync.middleware.sales), at ingest, on
SQLite and PostgreSQL: reader sales, their failures and refunds, sales paid entirely with
loyalty points, duplicated and reordered delivery, and the precedence of the payment RPC path
over gateway payments."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select, text

from sync.middleware import schema as t
from sync.middleware.db import MIGRATIONS, migrate, open_database
from sync.middleware.ingest import Ingestor
from sync.middleware.messages import Inbound
from sync.middleware.payments.records import PaymentRecords, Reply
from sync.middleware.payments.requests import PaymentOp
from sync.payments import idempotency_key
from sync.protocol import Event, EventType, Unit
from tests.sync.middleware.support import inbound

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
SKU = "NOIR-SPRAY"
QUOTE = {  # the shape kiosk.pricing.Quote.to_json() has
    "currency": "EUR",
    "lines": [{"sku": SKU, "unitPriceMinor": 1500, "discounts": []}],
    "totals": {"taxMinor": 250, "totalMinor": 1500},
}


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Journal:
    """A device's ledger: the events kiosk.purchase journals, with the same shapes."""

    device: str = "pk-0001"
    events: list[Event] = field(default_factory=list)

    def add(
        self,
        kind: EventType,
        txn: str | None,
        data: dict[str, Any] | None = None,
        *,
        step: str | None = None,
        sku: str | None = None,
        qty: int = 0,
        amount: int = 0,
    ) -> Event:
        seq = len(self.events) + 1
        ts = (T0 + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        body = dict(data or {})
        if step is not None:
            body["step"] = step
        event = Event(
            device_id=self.device,
            epoch=1,
            seq=seq,
            type=kind,
            ts=ts,
            sku=sku,
            qty=qty,
            unit=Unit.MICROLITRE if sku else None,
            amount_minor=amount,
            currency="EUR" if amount else None,
            txn_id=txn,
            data=body,
        )
        self.events.append(event)
        return event

    def step(self, txn: str, step: str, **data: Any) -> Event:
        kind = EventType.DISPENSE if step.startswith("dispense") else EventType.PAYMENT
        return self.add(kind, txn, data, step=step)

    def started(self, txn: str, mode: str, amount: int = 1500) -> None:
        self.step(
            txn, "payment_started", mode=mode, amount_minor=amount, currency="EUR", sku=SKU,
            kind="spray", target=0, doses=3, stock_qty=300, unit="ul", quote=QUOTE,
        )  # fmt: skip

    def sold(self, txn: str, amount: int = 1500) -> Event:
        self.step(txn, "dispense_started", target=0, doses=3, dispense_seq=len(self.events) + 1)
        self.step(txn, "dispense_succeeded", doses_done=3)
        return self.add(EventType.SALE, txn, {"kind": "spray"}, sku=SKU, qty=300, amount=amount)

    def reader_sale(self, txn: str, reference: str | None = "nayax-7781") -> None:
        self.started(txn, "reader")
        self.step(txn, "authorized", approved_minor=1500, reader_reference=reference)
        self.sold(txn)
        self.step(txn, "captured", by="reader", acknowledged=True)

    def refund(self, original: str, n: int, amount: int, *, done: bool = True) -> str:
        txn = f"{original}.r{n}"
        self.step(
            txn, "refund_requested", original_txn=original, refund_minor=amount,
            operator_id="tech-1", reason="leak", original_mode="reader",
        )  # fmt: skip
        data = {"original_txn": original, "operator_id": "tech-1"}
        self.add(EventType.REFUND, txn, data, sku=SKU, amount=amount)
        if done:
            self.step(txn, "refunded")
        return txn


POINTS_QUOTE = {  # a 15.00 spray paid with 1,500 points of 1 cent: nothing left, no tax
    "currency": "EUR",
    "lines": [{"sku": SKU, "unitPriceMinor": 1500, "discounts": [
        {"promotionId": "loyalty-redemption", "label": "Loyalty points", "amountMinor": 1500}]}],
    "totals": {"taxMinor": 0, "totalMinor": 0},
    "redemption": {"points": 1500, "amountMinor": 1500, "pointValueMinor": 1},
}  # fmt: skip


def points_only(j: Journal, txn: str, first: str = "redeeming", *, sold: bool = True) -> None:
    """What kiosk.purchase journals for a purchase the member's points pay in full (mode
    ``points``): no ``payment_started``, no card; captured by the points after the SALE."""
    j.step(
        txn, first, mode="points", amount_minor=0, currency="EUR", sku=SKU, kind="spray",
        target=0, doses=3, stock_qty=300, unit="ul", quote=POINTS_QUOTE, member_id="m-42",
        points=0, redeem_points=1500, redemption="online" if first == "redeeming" else "offline",
    )  # fmt: skip
    if first == "redeeming":
        j.step(txn, "redeemed", held=1500, available=200)
    if sold:
        j.sold(txn, amount=0)
        j.step(txn, "captured", by="points")
    else:
        j.step(txn, "dispense_started", dispense_seq=len(j.events) + 1)
        j.step(txn, "dispense_failed", outcome="JAM", doses_done=0, detail="jam")
        j.step(txn, "cancelled", reason="nothing_dispensed")
        j.step(txn, "release_requested")
        j.step(txn, "points_released", points=1500)


def ingest_all(engine: Engine, events: list[Event], clock: Clock | None = None) -> Ingestor:
    ing = Ingestor(engine, clock=clock or Clock())
    ing.ingest([inbound(*events)])
    return ing


def record(engine: Engine, txn: str, device: str = "pk-0001") -> Any:
    with engine.connect() as conn:
        c = t.transactions.c
        return conn.execute(
            select(t.transactions).where(c.global_txn_id == f"{device}:{txn}")
        ).one_or_none()


def history(engine: Engine, txn: str, device: str = "pk-0001") -> list[tuple[Any, ...]]:
    h = t.transaction_history.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(h.from_status, h.to_status, h.source, h.details)
            .where(h.global_txn_id == f"{device}:{txn}")
            .order_by(h.id)
        ).all()
    return [(r.from_status, r.to_status, r.source, json.loads(r.details)) for r in rows]


def moves(engine: Engine, txn: str) -> list[tuple[str | None, str, str]]:
    return [(a, b, s) for a, b, s, _ in history(engine, txn)]


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def test_reader_sale_becomes_a_record_with_its_fields_and_history(engine: Engine) -> None:
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    j.reader_sale("t-1")
    ingest_all(engine, j.events)
    row = record(engine, "t-1")
    assert row is not None
    assert (row.device_id, row.txn_id, row.store_id) == ("pk-0001", "t-1", "pk-0001")
    assert row.pos_txn_id == "pk-0001-00000001"
    assert (row.sku_id, row.unit_price_minor, row.tax_minor) == (SKU, 1500, 250)
    assert (row.amount_minor, row.currency, row.captured_minor) == (1500, "EUR", 1500)
    assert (row.payment_auth_id, row.reader_reference) == ("nayax-7781", "nayax-7781")
    assert (row.payment_mode, row.settlement_status) == ("reader", "captured")
    assert row.dispense_status == "succeeded"
    assert as_utc(row.dispensed_at) == T0 + timedelta(seconds=5)  # dispense_succeeded: seq 5
    assert as_utc(row.created_at) == as_utc(row.authorized_at) == T0 + timedelta(seconds=3)
    assert moves(engine, "t-1") == [
        (None, "authorized", "ledger:PAYMENT:authorized"),
        ("authorized", "captured", "ledger:DISPENSE:dispense_succeeded"),
    ]
    details = {"epoch": 1, "seq": 5, "ts": j.events[4].ts, "doses_done": 3}
    assert history(engine, "t-1")[1][3] == details


def test_reader_failures_declines_and_reviews(engine: Engine) -> None:
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    j.started("t-dec", "reader")
    j.step("t-dec", "declined", reason="insufficient_funds")
    j.started("t-jam", "reader")
    j.step("t-jam", "authorized", approved_minor=1500, reader_reference="ref-2")
    j.step("t-jam", "dispense_started", dispense_seq=9)
    j.step("t-jam", "dispense_failed", outcome="JAM", doses_done=0, detail="jam")
    j.step("t-jam", "voided", by="reader", voided=True)
    j.started("t-cxl", "reader")
    j.step("t-cxl", "cancelled", reason="cancelled")
    j.started("t-unk", "reader")
    j.step("t-unk", "manual_review", reason="reader_outcome_unknown")
    ingest_all(engine, j.events)
    assert record(engine, "t-cxl") is None  # nothing was charged: no sale to record
    assert moves(engine, "t-dec") == [(None, "failed", "ledger:PAYMENT:declined")]
    assert history(engine, "t-dec")[0][3]["reason"] == "insufficient_funds"
    assert moves(engine, "t-jam") == [
        (None, "authorized", "ledger:PAYMENT:authorized"),
        ("authorized", "authorized", "ledger:DISPENSE:dispense_failed"),
        ("authorized", "voided", "ledger:PAYMENT:voided"),
    ]
    jam = record(engine, "t-jam")
    assert (jam.dispense_status, jam.captured_minor, jam.dispensed_at) == ("failed", 0, None)
    assert moves(engine, "t-unk") == [(None, "manual_review", "ledger:PAYMENT:manual_review")]
    numbers = [record(engine, txn).pos_txn_id for txn in ("t-dec", "t-jam", "t-unk")]
    assert numbers == ["pk-0001-00000001", "pk-0001-00000002", "pk-0001-00000003"]


def test_refund_events_update_the_record(engine: Engine) -> None:
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    j.reader_sale("t-1")
    first = j.refund("t-1", 1, 500)
    ingest_all(engine, j.events)
    row = record(engine, "t-1")
    assert (row.settlement_status, row.refunded_minor) == ("partially_refunded", 500)
    assert row.operator_id == "tech-1"
    assert moves(engine, "t-1")[2:] == [
        ("captured", "captured", "ledger:REFUND"),
        ("captured", "partially_refunded", "ledger:PAYMENT:refunded"),
    ]
    note = history(engine, "t-1")[2][3]
    assert (note["refundTxnId"], note["amountMinor"], note["operator"]) == (first, 500, "tech-1")
    second = Journal(events=list(j.events))
    second.refund("t-1", 2, 1000, done=False)  # asked for, not done yet
    ingest_all(engine, second.events[len(j.events) :])
    assert record(engine, "t-1").refunded_minor == 500
    second.step("t-1.r2", "refunded")
    ingest_all(engine, second.events[-1:])
    row = record(engine, "t-1")
    assert (row.settlement_status, row.refunded_minor, row.captured_minor) == (
        "refunded",
        1500,
        1500,
    )
    assert [m[1] for m in moves(engine, "t-1")] == [
        "authorized", "captured", "captured", "partially_refunded", "partially_refunded",
        "refunded",
    ]  # fmt: skip


def _journey() -> list[Event]:
    """Several transactions interleaved the way a busy machine journals them."""
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    j.started("t-a", "reader")
    j.step("t-a", "authorized", approved_minor=1500, reader_reference="ref-a")
    j.started("t-b", "reader")  # a second screen of the same machine, say
    j.sold("t-a")
    j.step("t-b", "declined", reason="do_not_honor")
    j.step("t-a", "captured", by="reader")
    j.reader_sale("t-c", reference=None)  # an MDB reader gives no reference
    j.started("t-d", "reader")
    j.step("t-d", "authorized", approved_minor=1500, reader_reference="ref-d")
    j.step("t-d", "dispense_started", dispense_seq=99)
    j.step("t-d", "manual_review", reason="dispense_unknown", voided=False)
    j.refund("t-a", 1, 700)
    j.refund("t-c", 1, 1500, done=False)
    j.step("t-c.r1", "manual_review", reason="refund_invalid_state")
    j.add(EventType.SALE, "sim-1", sku=SKU, qty=210, amount=1250)  # a sale with no payment
    points_only(j, "t-p")  # paid with points: no payment_started
    return j.events


def _normalised(engine: Engine, device: str) -> tuple[list[Any], list[Any]]:
    x, h = t.transactions.c, t.transaction_history.c
    with engine.connect() as conn:
        recs = conn.execute(
            select(t.transactions).where(x.device_id == device).order_by(x.txn_id)
        ).all()
        hist = conn.execute(
            select(h.global_txn_id, h.from_status, h.to_status, h.source, h.details, h.at)
            .where(h.global_txn_id.like(f"{device}:%"))
            .order_by(h.global_txn_id, h.id)
        ).all()

    def strip(value: Any) -> Any:
        return value.replace(f"{device}", "DEV") if isinstance(value, str) else value

    return (
        [tuple(strip(v) for v in row) for row in recs],
        [tuple(strip(v) for v in row) for row in hist],
    )


def test_duplicated_and_reordered_delivery_gives_the_same_records(engine: Engine) -> None:
    s_col = list(t.transactions.c.keys()).index("settlement_status")
    events = _journey()
    clock = Clock()
    reference = Ingestor(engine, clock=clock)
    reference.ingest([inbound(*events)])
    expected = _normalised(engine, "pk-0001")
    final = {row[2]: row[s_col] for row in expected[0]}
    assert final == {
        "t-a": "partially_refunded", "t-b": "failed", "t-c": "captured", "t-d": "manual_review",
        "t-p": "captured",
    }  # fmt: skip
    assert len(expected[1]) == 12  # 4 + 1 + 4 + 2 + 1 history rows
    for trial in range(4):
        device = f"pk-shuffled-{trial}"
        mine = [replace(e, device_id=device) for e in events]
        rng = random.Random(trial)
        messages: list[Inbound] = []
        i = 0
        while i < len(mine):  # contiguous messages of 1-4 events, like a device batches
            n = rng.randint(1, 4)
            messages.append(inbound(*mine[i : i + n]))
            i += n
        deliveries = messages + rng.sample(messages, k=len(messages) // 2)  # duplicates
        rng.shuffle(deliveries)
        ing = Ingestor(engine, clock=clock)
        while deliveries:  # batches of 1-3 messages, in the shuffled order
            k = rng.randint(1, 3)
            ing.ingest(deliveries[:k])
            deliveries = deliveries[k:]
        ing.ingest(messages[:1])  # and the first one again, after everything
        assert _normalised(engine, device) == expected, f"trial {trial}"


def _authorized_by_rpc(engine: Engine, txn: str, clock: Clock) -> PaymentRecords:
    records = PaymentRecords(engine, "mw-test", clock=clock)
    op = PaymentOp(
        "authorize",
        "pk-0001",
        txn,
        idempotency_key("pk-0001", txn, "authorize"),
        amount_minor=1500,
        token="tok_visa",
        currency="EUR",
        metadata={"sku": SKU, "quote": QUOTE},
    )
    assert records.begin(op).kind == "new"
    approved = {"status": "APPROVED", "authId": "auth_1", "amountMinor": 1500}
    records.complete(op, Reply(result={**approved, "reason": None, "reference": "auth_1"}))
    return records


def test_gateway_sale_keeps_the_rpc_settlement_and_gains_the_dispense_facts(
    engine: Engine,
) -> None:
    clock = Clock()
    records = _authorized_by_rpc(engine, "t-gw", clock)
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    j.started("t-gw", "gateway")
    j.step("t-gw", "authorizing", card_brand="VISA", last4="4242", token="tok_visa")
    j.step("t-gw", "authorized", auth_id="auth_1")
    j.sold("t-gw")
    j.step("t-gw", "capture_requested")
    # steps that would move a reader sale must not move a gateway payment
    j.step("t-gw", "voided", voided=True)
    j.step("t-gw", "manual_review", reason="capture_timeout")
    ingest_all(engine, j.events, clock)
    row = record(engine, "t-gw")
    assert (row.settlement_status, row.payment_auth_id, row.payment_mode) == (
        "authorized",
        "auth_1",
        "gateway",
    )
    assert (row.dispense_status, row.pos_txn_id) == ("succeeded", "pk-0001-00000001")
    assert moves(engine, "t-gw") == [
        (None, "authorized", "rpc:payment.authorize"),
        ("authorized", "authorized", "ledger:DISPENSE:dispense_succeeded"),
        ("authorized", "authorized", "ledger:PAYMENT:manual_review"),
    ]
    capture = PaymentOp(
        "capture", "pk-0001", "t-gw", idempotency_key("pk-0001", "t-gw", "capture"),
        amount_minor=1500, auth_id="auth_1",
    )  # fmt: skip
    assert records.begin(capture).kind == "new"  # the ledger never blocks the RPC path
    done = {"status": "CAPTURED", "authId": "auth_1", "amountMinor": 1500}
    records.complete(capture, Reply(result={**done, "reason": None, "reference": "c1"}))
    assert record(engine, "t-gw").settlement_status == "captured"


def test_offline_sale_waits_for_its_authorization(engine: Engine) -> None:
    clock = Clock()
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    j.started("t-off", "offline", amount=900)
    j.step("t-off", "offline_accepted", token="tok_visa", card_brand="VISA", last4="4242")
    j.sold("t-off", amount=900)
    ingest_all(engine, j.events, clock)
    row = record(engine, "t-off")
    assert (row.settlement_status, row.payment_mode, row.amount_minor) == (
        "offline_pending",
        "gateway",
        900,
    )
    assert (row.payment_auth_id, row.dispense_status, row.sku_id) == (None, "succeeded", SKU)
    records = PaymentRecords(engine, "mw-test", clock=clock)
    op = PaymentOp(
        "authorize", "pk-0001", "t-off", idempotency_key("pk-0001", "t-off", "authorize"),
        amount_minor=900, token="tok_visa", currency="EUR", metadata={"offline": True},
    )  # fmt: skip
    assert records.begin(op).kind == "new"
    approved = {"status": "APPROVED", "authId": "auth_9", "amountMinor": 900}
    records.complete(op, Reply(result={**approved, "reason": None, "reference": "auth_9"}))
    row = record(engine, "t-off")
    assert (row.settlement_status, row.payment_auth_id, row.sku_id) == ("authorized", "auth_9", SKU)
    assert moves(engine, "t-off") == [
        (None, "offline_pending", "ledger:DISPENSE:dispense_succeeded"),
        ("offline_pending", "authorized", "rpc:payment.authorize"),
    ]


def test_revision_0003_marks_existing_reader_refund_records(db_url: str) -> None:
    engine = open_database(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0002")
            for txn, auth, ref in (("t-gw", "auth_1", None), ("t-mdb", None, "nayax-42")):
                conn.execute(
                    text(
                        "INSERT INTO transactions (global_txn_id, device_id, txn_id, store_id,"
                        " pos_txn_id, amount_minor, payment_auth_id, reader_reference,"
                        " settlement_status, created_at, updated_at) VALUES (:g, 'pk-0001', :t,"
                        " 'pk-0001', :g, 100, :a, :r, 'refunded', :now, :now)"
                    ),
                    {"g": f"pk-0001:{txn}", "t": txn, "a": auth, "r": ref, "now": T0},
                )
        migrate(engine)  # 0003 and what follows
        assert (record(engine, "t-gw").payment_mode, record(engine, "t-mdb").payment_mode) == (
            "gateway",
            "reader",
        )
    finally:
        engine.dispose()


def test_a_sale_paid_entirely_with_points_is_recorded_captured(engine: Engine) -> None:
    """A points-only purchase journals ``redeeming`` (online) or ``redeemed_offline`` first,
    never ``payment_started``: its dispense makes a ``captured`` record, payment mode
    ``points``, nothing captured in money; one that dispensed nothing makes none; points and a
    card stay the card's record."""
    j = Journal()
    j.add(EventType.RESTOCK, None, sku=SKU, qty=50_000)
    points_only(j, "t-pts")
    points_only(j, "t-off", "redeemed_offline")
    points_only(j, "t-jam", sold=False)
    j.step("t-mix", "redeeming", mode="reader", amount_minor=700, currency="EUR", sku=SKU,
           quote=QUOTE, member_id="m-42", redeem_points=800, redemption="online")  # fmt: skip
    j.step("t-mix", "redeemed", held=800, available=0)
    j.started("t-mix", "reader", amount=700)
    j.step("t-mix", "authorized", approved_minor=700, reader_reference="ref-mix")
    j.sold("t-mix", amount=700)
    j.step("t-mix", "captured", by="reader", acknowledged=True)
    first = next(i for i, e in enumerate(j.events) if e.data.get("step") == "redeemed")
    ingest_all(engine, j.events[:first])  # the redemption step in an advance of its own
    assert record(engine, "t-pts") is None  # not sold yet
    ingest_all(engine, j.events[first:])
    for txn in ("t-pts", "t-off"):
        row = record(engine, txn)
        assert row is not None, txn
        assert (row.payment_mode, row.settlement_status) == ("points", "captured")
        assert (row.amount_minor, row.captured_minor, row.refunded_minor) == (0, 0, 0)
        assert (row.sku_id, row.unit_price_minor, row.tax_minor) == (SKU, 1500, 0)
        assert (row.currency, row.dispense_status) == ("EUR", "succeeded")
        assert row.payment_auth_id is None and row.reader_reference is None
        assert moves(engine, txn) == [(None, "captured", "ledger:DISPENSE:dispense_succeeded")]
        assert history(engine, txn)[0][3]["points"] == 1500
    assert record(engine, "t-jam") is None  # nothing sold: the points went back, no record
    mix = record(engine, "t-mix")
    assert (mix.payment_mode, mix.settlement_status, mix.amount_minor) == (
        "reader",
        "captured",
        700,
    )
    numbers = [record(engine, txn).pos_txn_id for txn in ("t-pts", "t-off", "t-mix")]
    assert numbers == ["pk-0001-00000001", "pk-0001-00000002", "pk-0001-00000003"]
    # a reader refund of a points sale is refused: no money to give back
    records = PaymentRecords(engine, "mw-test", clock=Clock())
    refund = PaymentOp(
        "reader_refund", "pk-0001", "t-pts", idempotency_key("pk-0001", "t-pts", "reader_refund"),
        amount_minor=0, currency="EUR", reader_reference="ref-x",
    )  # fmt: skip
    begun = records.begin(refund)
    assert begun.kind == "refused" and begun.reply is not None and begun.reply.error is not None
    assert begun.reply.error[0] == "invalid_state"
    assert record(engine, "t-pts").settlement_status == "captured"
