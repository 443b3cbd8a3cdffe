"""The sync engine's settings (:class:`sync.engine.SyncEngine`): its broker, topics, batch and
window sizes, the ack timeout that triggers a replay, the snapshot and telemetry intervals, and
how far below the screen's thread its own threads run."""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.mqtt import BrokerConfig
from sync.protocol import Topics


@dataclass(frozen=True)
class EngineConfig:
    broker: BrokerConfig
    topics: Topics = field(default_factory=Topics)
    batch_max_events: int = 100
    window_events: int = 2000
    ack_timeout_s: float = 15.0
    snapshot_interval_s: float = 24 * 3600.0
    telemetry_interval_s: float = 60.0
    tick_s: float = 0.5
    # The ledger and MQTT threads run this many nice steps below the thread that starts the
    # engine (the kiosk's screen thread), so the screen wins a contended CPU (sync.priority).
    background_nice: int = 5
