"""Hypothesis stateful test: the real ledger and outbox, the real delivery rules and codec,
a lossy, duplicating, reordering link, device crashes (the ledger reopened from its file) and
a model of the middleware. Safety holds at every step; after the link heals, the model holds
every committed event exactly once and its projection equals the device's on-hand."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sync.delivery import DeliveryState
from sync.errors import InsufficientStockError
from sync.ledger import EventDraft, Ledger
from sync.protocol import EventType, Unit, encode_event_batch, parse_event_batch

DEVICE = "pk-h"
WINDOW = 8
REORDER_WINDOW = 12


class ModelMiddleware:
    """The middleware's contract, minimally: dedupe, hash check, bounded reorder, HWM."""

    def __init__(self) -> None:
        self.stored: dict[int, str] = {}
        self.hwm = 0
        self.conflicts = 0
        self.deliveries = 0
        self.on_hand: dict[str, int] = {}

    def ingest(self, payload: bytes) -> int:
        batch = parse_event_batch(payload, DEVICE)
        for event, claimed in batch.events:
            assert claimed == event.hash, "the device sent an event whose hash does not verify"
            self.deliveries += 1
            known = self.stored.get(event.seq)
            if known is not None:
                if known != claimed:
                    self.conflicts += 1
                continue
            if event.seq > self.hwm + REORDER_WINDOW:
                continue
            self.stored[event.seq] = claimed
            self._pending_events = getattr(self, "_pending_events", {})
            self._pending_events[event.seq] = event
        while self.hwm + 1 in self.stored:
            self.hwm += 1
            event = self._pending_events.pop(self.hwm)
            if event.sku is not None:
                delta = event.stock_delta()
                if delta or event.type is EventType.RESTOCK:
                    self.on_hand[event.sku] = self.on_hand.get(event.sku, 0) + delta
        return self.hwm

    def gap(self) -> tuple[int, int] | None:
        beyond = [s for s in self.stored if s > self.hwm]
        return (self.hwm + 1, min(beyond) - 1) if beyond else None


class DeliveryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="pk-stateful-"))
        self.ledger = Ledger.open(self.dir, DEVICE)
        self.delivery = DeliveryState(acked=0, last_seq=0, window=WINDOW)
        self.to_mw: list[bytes] = []
        self.to_device: list[int] = []
        self.mw = ModelMiddleware()
        self.crashes = 0

    # -- the device --------------------------------------------------------------------------
    @rule(kind=st.sampled_from(["restock", "sale", "audit"]), qty=st.integers(1, 3))
    def record(self, kind: str, qty: int) -> None:
        draft = {
            "restock": EventDraft(EventType.RESTOCK, sku="A", qty=qty, unit=Unit.UNIT),
            "sale": EventDraft(
                EventType.SALE,
                sku="A",
                qty=qty,
                unit=Unit.UNIT,
                amount_minor=100 * qty,
                currency="EUR",
            ),
            "audit": EventDraft(EventType.AUDIT, data={"q": qty}),
        }[kind]
        try:
            event = self.ledger.record(draft)
        except InsufficientStockError:
            return
        self.delivery.did_commit(event.seq)

    @rule(batch=st.integers(1, 4))
    def publish(self, batch: int) -> None:
        span = self.delivery.next_range(batch)
        if span is None:
            return
        rows = self.ledger.pending(span[0], span[1] - span[0] + 1)
        assert [s for s, _ in rows] == list(range(span[0], span[0] + len(rows)))
        if rows:
            self.to_mw.append(encode_event_batch(DEVICE, self.ledger.epoch, [w for _, w in rows]))
            self.delivery.did_publish(rows[-1][0])

    @rule()
    def rewind(self) -> None:  # reconnect, failure PUBACK or ack timeout
        self.delivery.rewind()

    @rule()
    def crash(self) -> None:  # kill -9: only what the ledger file holds survives
        self.ledger.close()
        self.ledger = Ledger.open(self.dir, DEVICE)
        self.delivery = DeliveryState(
            acked=self.ledger.acked_seq, last_seq=self.ledger.last_seq, window=WINDOW
        )
        self.crashes += 1

    # -- the link ------------------------------------------------------------------------------
    @precondition(lambda self: self.to_mw)
    @rule(data=st.data(), duplicate=st.booleans())
    def deliver_to_middleware(self, data: st.DataObject, duplicate: bool) -> None:
        i = data.draw(st.integers(0, len(self.to_mw) - 1))  # any order: reordering
        payload = self.to_mw[i] if duplicate else self.to_mw.pop(i)
        self.to_device.append(self.mw.ingest(payload))
        gap = self.mw.gap()
        if gap is not None and data.draw(st.booleans()):
            rows = self.ledger.events_between(*gap)
            if rows:
                self.to_mw.append(
                    encode_event_batch(DEVICE, self.ledger.epoch, [w for _, w in rows])
                )

    @precondition(lambda self: self.to_mw)
    @rule(data=st.data())
    def lose_message(self, data: st.DataObject) -> None:
        self.to_mw.pop(data.draw(st.integers(0, len(self.to_mw) - 1)))

    @precondition(lambda self: self.to_device)
    @rule(data=st.data(), duplicate=st.booleans(), lose=st.booleans())
    def deliver_ack(self, data: st.DataObject, duplicate: bool, lose: bool) -> None:
        i = data.draw(st.integers(0, len(self.to_device) - 1))
        ack = self.to_device[i] if duplicate else self.to_device.pop(i)
        if lose:
            return
        if self.delivery.accept_ack(ack):
            self.ledger.mark_acked(ack)
            self.delivery.did_ack(ack)

    # -- safety, at every step -------------------------------------------------------------------
    @invariant()
    def nothing_dropped_before_the_middleware_has_it(self) -> None:
        assert self.mw.conflicts == 0
        assert self.ledger.acked_seq <= self.mw.hwm
        assert self.mw.hwm <= self.ledger.last_seq
        assert self.ledger.pending_count == self.ledger.last_seq - self.ledger.acked_seq

    def teardown(self) -> None:
        try:
            self._heal_and_check()
        finally:
            self.ledger.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _heal_and_check(self) -> None:
        self.to_device.clear()
        self.delivery.rewind()
        for _ in range(10_000):
            if self.ledger.acked_seq == self.ledger.last_seq and not self.to_mw:
                break
            self.publish(4)
            while self.to_mw:
                self.to_device.append(self.mw.ingest(self.to_mw.pop(0)))
            while self.to_device:
                ack = self.to_device.pop(0)
                if self.delivery.accept_ack(ack):
                    self.ledger.mark_acked(ack)
                    self.delivery.did_ack(ack)
            if self.delivery.next_range(4) is None and self.delivery.outstanding:
                self.delivery.rewind()  # what the ack timer does
        last = self.ledger.last_seq
        assert self.ledger.acked_seq == last
        assert sorted(self.mw.stored) == list(range(1, last + 1))
        for seq, wire in self.ledger.events_between(1, last):
            assert f'"hash":"{self.mw.stored[seq]}"' in wire
        assert self.mw.on_hand == self.ledger.status().on_hand
        assert self.ledger.integrity_check() == "ok"


TestDelivery = DeliveryMachine.TestCase
TestDelivery.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
