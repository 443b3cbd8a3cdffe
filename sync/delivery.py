"""Delivery bookkeeping for the outbox: which sequence to publish next, and when to replay.

Pure and synchronous (no I/O, no clock), so the engine and the Hypothesis stateful test share
the exact rules: publish in order from ``acked + 1``; never more than ``window`` events beyond
the last ack; replay from ``acked + 1`` on rewind (reconnect, failure PUBACK, ack timeout);
accept only acks that move forward and stay within what the ledger holds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DeliveryState:
    acked: int
    last_seq: int
    window: int
    cursor: int = 0
    generation: int = 0  # bumped on every rewind, so readers can drop stale work

    def __post_init__(self) -> None:
        if self.cursor <= self.acked:
            self.cursor = self.acked + 1

    @property
    def outstanding(self) -> bool:
        """Published (or being published) events that are not acked yet."""
        return self.cursor - 1 > self.acked

    def did_commit(self, seq: int) -> None:
        self.last_seq = max(self.last_seq, seq)

    def next_range(self, batch_max: int) -> tuple[int, int] | None:
        """The next contiguous range to publish, or None (caught up or window full)."""
        if self.cursor > self.last_seq:
            return None
        room = self.acked + self.window - (self.cursor - 1)
        if room <= 0:
            return None
        last = min(self.last_seq, self.cursor + min(batch_max, room) - 1)
        return self.cursor, last

    def did_publish(self, last: int) -> None:
        self.cursor = max(self.cursor, last + 1)

    def accept_ack(self, ack_seq: int) -> bool:
        """True when ``ack_seq`` moves the ack forward (and is within the ledger)."""
        return self.acked < ack_seq <= self.last_seq

    def did_ack(self, ack_seq: int) -> None:
        self.acked = max(self.acked, ack_seq)
        self.cursor = max(self.cursor, self.acked + 1)

    def rewind(self) -> None:
        self.cursor = self.acked + 1
        self.generation += 1
