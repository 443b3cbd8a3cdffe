"""Sync-engine telemetry: counters and latency percentiles, and their wire form.

:class:`LatencyWindow` keeps the last N samples for p50/p99; :class:`SyncMetrics` is the
engine's mutable tally (loop thread only); :meth:`SyncMetrics.report` freezes it together with
the ledger's queue figures into a :class:`TelemetryReport` for the telemetry topic, the
service menu and ``ledger status``.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sync.ledger_types import LedgerStatus
from sync.protocol import PROTOCOL_VERSION, canonical_json, utc_now_iso


class LatencyWindow:
    """The last ``size`` latency samples (milliseconds) with nearest-rank percentiles."""

    def __init__(self, size: int = 1000) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def add(self, ms: float) -> None:
        self._samples.append(ms)

    def percentile(self, p: float) -> float | None:
        if not self._samples:
            return None
        ordered = sorted(self._samples)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return round(ordered[rank], 3)

    def summary(self) -> dict[str, float | None]:
        return {"p50": self.percentile(50), "p99": self.percentile(99)}


@dataclass(frozen=True)
class TelemetryReport:
    queue_count: int
    queue_bytes: int
    oldest_age_s: float | None
    in_flight: int
    retransmits: int
    broker_ack_ms: dict[str, float | None]
    middleware_ack_ms: dict[str, float | None]
    gap_requests_served: int
    reconnects: int
    seconds_disconnected: float
    connected: bool
    sales_paused: bool
    high_watermark: bool
    last_seq: int
    acked_seq: int

    def to_json(self) -> dict[str, Any]:
        return {
            "v": PROTOCOL_VERSION,
            "ts": utc_now_iso(),
            "queue": {
                "count": self.queue_count,
                "bytes": self.queue_bytes,
                "oldestAgeS": None if self.oldest_age_s is None else round(self.oldest_age_s, 3),
            },
            "inFlight": self.in_flight,
            "retransmits": self.retransmits,
            "brokerAckMs": self.broker_ack_ms,
            "middlewareAckMs": self.middleware_ack_ms,
            "gapRequestsServed": self.gap_requests_served,
            "reconnects": self.reconnects,
            "secondsDisconnected": round(self.seconds_disconnected, 3),
            "connected": self.connected,
            "salesPaused": self.sales_paused,
            "highWatermark": self.high_watermark,
            "lastSeq": self.last_seq,
            "ackedSeq": self.acked_seq,
        }

    def encode(self) -> bytes:
        return canonical_json(self.to_json()).encode()


@dataclass
class SyncMetrics:
    retransmits: int = 0
    gap_requests_served: int = 0
    reconnects: int = 0
    connects: int = 0
    malformed: int = 0
    broker_ack: LatencyWindow = field(default_factory=LatencyWindow)
    middleware_ack: LatencyWindow = field(default_factory=LatencyWindow)
    _disconnected_since: float | None = field(default_factory=time.monotonic)
    _disconnected_total: float = 0.0

    def did_connect(self) -> None:
        self.connects += 1
        if self.connects > 1:
            self.reconnects += 1
        if self._disconnected_since is not None:
            self._disconnected_total += time.monotonic() - self._disconnected_since
            self._disconnected_since = None

    def did_disconnect(self) -> None:
        if self._disconnected_since is None:
            self._disconnected_since = time.monotonic()

    @property
    def is_connected(self) -> bool:
        return self._disconnected_since is None

    @property
    def seconds_disconnected(self) -> float:
        extra = 0.0
        if self._disconnected_since is not None:
            extra = time.monotonic() - self._disconnected_since
        return self._disconnected_total + extra

    def report(self, status: LedgerStatus, *, in_flight: int, connected: bool) -> TelemetryReport:
        """Freeze these counters with the ledger's queue figures into a report."""
        return TelemetryReport(
            queue_count=status.pending_count,
            queue_bytes=status.pending_bytes,
            oldest_age_s=status.oldest_pending_age_s,
            in_flight=in_flight,
            retransmits=self.retransmits,
            broker_ack_ms=self.broker_ack.summary(),
            middleware_ack_ms=self.middleware_ack.summary(),
            gap_requests_served=self.gap_requests_served,
            reconnects=self.reconnects,
            seconds_disconnected=self.seconds_disconnected,
            connected=connected,
            sales_paused=status.sales_paused,
            high_watermark=status.high_watermark,
            last_seq=status.last_seq,
            acked_seq=status.acked_seq,
        )
