"""The device ledger on real SQLite files: one transaction per event, gap-free sequences,
on-hand counters, the outbox and its caps, reopening and refusing other devices' data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.errors import ConfigError, InsufficientStockError, LedgerError, SalesPausedError
from sync.ledger import LEDGER_FILE, EventDraft, Ledger, OutboxLimits
from sync.protocol import EventType, Unit, event_hash, stock_delta


def restock(sku: str, qty: int) -> EventDraft:
    return EventDraft(EventType.RESTOCK, sku=sku, qty=qty, unit=Unit.UNIT)


def sale(sku: str, qty: int = 1, price: int = 4900) -> EventDraft:
    return EventDraft(
        EventType.SALE, sku=sku, qty=qty, unit=Unit.UNIT, amount_minor=price, currency="EUR"
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    led = Ledger.open(tmp_path / "data", "pk-1")
    yield led
    led.close()


def test_events_get_gap_free_sequences_and_verifiable_hashes(ledger: Ledger) -> None:
    events = [ledger.record(restock("A", 5)), ledger.record(sale("A")), ledger.record(sale("A"))]
    assert [e.seq for e in events] == [1, 2, 3]
    for seq, wire in ledger.events_between(1, 3):
        body = json.loads(wire)
        assert body["seq"] == seq
        assert body["hash"] == event_hash(body)
    assert ledger.status().on_hand == {"A": 3}


def test_refused_sale_changes_nothing_and_uses_no_sequence(ledger: Ledger) -> None:
    ledger.record(restock("A", 1))
    ledger.record(sale("A"))
    with pytest.raises(InsufficientStockError, match="on hand is 0"):
        ledger.record(sale("A"))
    with pytest.raises(InsufficientStockError):
        ledger.record(sale("NEVER-STOCKED"))
    with pytest.raises(InsufficientStockError):
        ledger.record(EventDraft(EventType.ADJUSTMENT, sku="A", qty=-1, unit=Unit.UNIT))
    assert ledger.record(restock("A", 2)).seq == 3
    assert ledger.status().on_hand == {"A": 2}
    assert ledger.pending_count == 3


def test_transaction_is_all_or_nothing(ledger: Ledger) -> None:
    ledger.record(restock("A", 1))
    with pytest.raises(InsufficientStockError):
        ledger.record_many([sale("A"), sale("A")])
    assert ledger.last_seq == 1
    assert ledger.status().on_hand == {"A": 1}
    assert [s for s, _ in ledger.pending(1, 10)] == [1]


def test_bad_drafts_are_refused_with_clear_errors(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="must not be negative"):
        ledger.record(EventDraft(EventType.SALE, sku="A", qty=-1))
    with pytest.raises(LedgerError, match="not JSON"):
        ledger.record(EventDraft(EventType.AUDIT, data={"x": object()}))
    with pytest.raises(Exception, match="bad SKU"):
        ledger.record(EventDraft(EventType.RESTOCK, sku="no spaces", qty=1))
    assert ledger.last_seq == 0


def test_ack_drops_covered_outbox_rows_only(ledger: Ledger) -> None:
    for _ in range(5):
        ledger.record(EventDraft(EventType.AUDIT, data={"k": "v"}))
    assert ledger.mark_acked(3) == 3
    assert [s for s, _ in ledger.pending(1, 10)] == [4, 5]
    assert ledger.mark_acked(2) == 0  # stale ack
    assert ledger.mark_acked(99) == 2  # clamped to the last sequence
    assert ledger.acked_seq == 5 and ledger.pending_count == 0 and ledger.pending_bytes == 0
    # the immutable log still serves gap requests
    assert [s for s, _ in ledger.events_between(2, 4)] == [2, 3, 4]


def test_state_survives_reopening(tmp_path: Path) -> None:
    led = Ledger.open(tmp_path, "pk-1")
    led.record(restock("A", 4))
    led.record(sale("A"))
    led.mark_acked(1)
    epoch = led.epoch
    led.close()
    again = Ledger.open(tmp_path, None)
    try:
        assert (again.device_id, again.epoch, again.last_seq, again.acked_seq) == (
            "pk-1",
            epoch,
            2,
            1,
        )
        assert again.pending_count == 1
        assert again.record(sale("A")).seq == 3
        assert again.integrity_check() == "ok"
    finally:
        again.close()


def test_sqlite_durability_settings(ledger: Ledger) -> None:
    con = sqlite3.connect(ledger.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()
    assert ledger._conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    ledger._conn.rollback()


def test_another_devices_data_dir_is_refused(tmp_path: Path) -> None:
    Ledger.open(tmp_path, "pk-1").close()
    with pytest.raises(ConfigError, match="holds the ledger of device 'pk-1'"):
        Ledger.open(tmp_path, "pk-2")
    with pytest.raises(ConfigError, match="there is no ledger"):
        Ledger.open(tmp_path / "empty", None)


def test_unwritable_data_dir_is_a_clear_error_even_for_root(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="not writable"):
        Ledger.open(blocker / "data", "pk-1")


def test_corrupt_ledger_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / LEDGER_FILE).write_bytes(b"this is not a database" * 100)
    with pytest.raises((LedgerError, ConfigError), match="database"):
        Ledger.open(tmp_path, "pk-1")


def test_outbox_watermark_pause_and_resume(tmp_path: Path) -> None:
    led = Ledger.open(tmp_path, "pk-1", OutboxLimits(max_count=10, high_watermark=0.8))
    try:
        led.record(restock("A", 100))
        for _ in range(6):
            led.record(sale("A"), new_sale=True)
        assert not led.high_watermark
        led.record(sale("A"), new_sale=True)  # 8 pending
        assert led.high_watermark and not led.sales_paused
        led.record(sale("A"), new_sale=True)
        led.record(sale("A"), new_sale=True)  # 10 pending: the cap
        assert led.sales_paused
        with pytest.raises(SalesPausedError):
            led.record(sale("A"), new_sale=True)
        # in-flight work and technicians still commit; nothing is dropped
        led.record(EventDraft(EventType.REFUND, txn_id="t", amount_minor=100, currency="EUR"))
        assert led.pending_count == 11
        led.mark_acked(3)  # 8 pending: still at the watermark, still paused (hysteresis)
        assert led.sales_paused
        led.mark_acked(4)  # 7 pending: below the watermark
        assert not led.sales_paused
        led.record(sale("A"), new_sale=True)
    finally:
        led.close()


def test_byte_cap_pauses_too(tmp_path: Path) -> None:
    led = Ledger.open(tmp_path, "pk-1", OutboxLimits(max_bytes=2000))
    try:
        while not led.sales_paused:
            led.record(EventDraft(EventType.AUDIT, data={"pad": "x" * 100}))
        assert led.pending_bytes >= 2000
    finally:
        led.close()


drafts = st.one_of(
    st.builds(restock, st.sampled_from(["A", "B"]), st.integers(0, 5)),
    st.builds(sale, st.sampled_from(["A", "B"]), st.integers(0, 3)),
    st.builds(
        lambda sku, q: EventDraft(EventType.ADJUSTMENT, sku=sku, qty=q, unit=Unit.UNIT),
        st.sampled_from(["A", "B"]),
        st.integers(-3, 3),
    ),
    st.just(EventDraft(EventType.REFUND, amount_minor=100, currency="EUR")),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(st.tuples(drafts, st.booleans()), max_size=25))
def test_on_hand_always_equals_the_fold_of_committed_events(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[EventDraft, bool]]
) -> None:
    led = Ledger.open(tmp_path_factory.mktemp("h"), "pk-1")
    try:
        model: dict[str, int] = {}
        for draft, ack in ops:
            delta = stock_delta(draft.type, draft.qty) if draft.sku else 0
            if draft.sku and model.get(draft.sku, 0) + delta < 0:
                with pytest.raises(InsufficientStockError):
                    led.record(draft)
            else:
                led.record(draft)
                if draft.sku and (delta or draft.type is EventType.RESTOCK):
                    model[draft.sku] = model.get(draft.sku, 0) + delta
            if ack:
                led.mark_acked(led.last_seq - 1)
        assert led.status().on_hand == model
        wires = led.events_between(1, led.last_seq)
        assert [s for s, _ in wires] == list(range(1, led.last_seq + 1))
        folded: dict[str, int] = {}
        for _seq, wire in wires:
            body = json.loads(wire)
            if body["sku"]:
                folded[body["sku"]] = folded.get(body["sku"], 0) + stock_delta(
                    EventType(body["type"]), body["qty"]
                )
        assert {k: v for k, v in folded.items() if k in model} == model
        pending = [s for s, _ in led.pending(1, 10_000)]
        assert pending == list(range(led.acked_seq + 1, led.last_seq + 1))
        assert led.pending_count == len(pending)
    finally:
        led.close()


def test_transaction_journal_tracks_the_latest_step(ledger: Ledger) -> None:
    ledger.record(EventDraft(EventType.PAYMENT, txn_id="t1", step="payment_started"))
    ledger.record(EventDraft(EventType.PAYMENT, txn_id="t2", step="payment_started"))
    cmd = ledger.record(
        EventDraft(EventType.DISPENSE, txn_id="t1", step="dispense_started", stamp_seq="command")
    )
    assert cmd.data["command"] == cmd.seq == 3
    assert cmd.data["step"] == "dispense_started"
    ledger.record(EventDraft(EventType.PAYMENT, txn_id="t2", step="cancelled", closes=True))
    (open_one,) = ledger.open_transactions()
    assert (open_one.txn_id, open_one.step, open_one.first_seq, open_one.last_seq) == (
        "t1",
        "dispense_started",
        1,
        3,
    )
    assert [e.seq for e in ledger.transaction_events("t1")] == [1, 3]
    assert ledger.journal_counts() == {"open": 1, "cancelled": 1}
    assert ledger.journal_entry("nope") is None
