"""The device ledger's value types: what the application asks it to record (EventDraft), the
outbox caps (OutboxLimits) and its state as ``ledger status`` prints it (LedgerStatus)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.protocol import EventType, Unit


@dataclass(frozen=True)
class EventDraft:
    """What the application asks the ledger to record; the ledger adds identity and hash."""

    type: EventType
    sku: str | None = None
    qty: int = 0
    unit: Unit | None = None
    amount_minor: int = 0
    currency: str | None = None
    txn_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    # Journal: with a txn_id, ``step`` becomes the transaction's latest step and ``closes``
    # marks it finished (see ``open_transactions``).
    step: str | None = None
    closes: bool = False
    # Write the event's own sequence number into data[stamp_seq] (e.g. a dispenser command id
    # that must be unique and known before the side effect).
    stamp_seq: str | None = None


@dataclass(frozen=True)
class OutboxLimits:
    """Caps on unacked events. At the cap sales pause; they resume below the watermark."""

    max_count: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    high_watermark: float = 0.8


@dataclass(frozen=True)
class LedgerStatus:
    device_id: str
    epoch: int
    last_seq: int
    acked_seq: int
    pending_count: int
    pending_bytes: int
    oldest_pending_age_s: float | None
    on_hand: Mapping[str, int]
    sales_paused: bool
    high_watermark: bool
    in_flight: int = 0  # open transactions in the journal
    manual_review: int = 0  # transactions closed for a technician to review

    def to_json(self) -> dict[str, Any]:
        return {
            "deviceId": self.device_id,
            "epoch": self.epoch,
            "lastSequence": self.last_seq,
            "ackedSequence": self.acked_seq,
            "pendingCount": self.pending_count,
            "pendingBytes": self.pending_bytes,
            "oldestPendingAgeS": self.oldest_pending_age_s,
            "onHand": dict(self.on_hand),
            "salesPaused": self.sales_paused,
            "highWatermark": self.high_watermark,
            "in_flight": self.in_flight,
            "manual_review": self.manual_review,
        }
