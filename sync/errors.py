"""The sync layer's exception tree."""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error raised by the sync layer."""


class ConfigError(SyncError):
    """A URL, path or setting is unusable (one clear line for the operator)."""


class LedgerError(SyncError):
    """The ledger refused an event or cannot be used."""


class InsufficientStockError(LedgerError):
    """A sale would take a SKU's on-hand below zero."""


class SalesPausedError(LedgerError):
    """The outbox is at its cap: no new sale may be recorded until it drains."""


class ProtocolError(SyncError):
    """A message on the wire is malformed or violates the protocol."""
