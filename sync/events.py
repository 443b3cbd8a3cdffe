"""Events the sync engine tells the application about (past tense, frozen payloads): sales
paused or resumed at the outbox cap, the high watermark crossed, the broker connection
changed. The kiosk shows "sales paused" and the service menu's sync status from these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SalesDidPause:
    pending_count: int


@dataclass(frozen=True)
class SalesDidResume:
    pending_count: int


@dataclass(frozen=True)
class HighWatermarkDidChange:
    active: bool
    pending_count: int


@dataclass(frozen=True)
class ConnectionDidChange:
    connected: bool
    reason: str


SyncEvent = SalesDidPause | SalesDidResume | HighWatermarkDidChange | ConnectionDidChange
SyncListener = Callable[[SyncEvent], None]
