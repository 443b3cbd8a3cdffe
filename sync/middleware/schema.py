"""The middleware's tables as SQLAlchemy Core objects (the Alembic migrations create them).

One row per stream ``(device_id, epoch)`` holds the contiguous high-water mark and the
counters; ``events`` holds every event once; ``projection`` the on-hand per stream and SKU;
``conflicts``, ``snapshots`` and ``discrepancies`` keep what a human must look at (with
``projection_adjustments``, the corrections a review made); ``devices`` the latest status and
telemetry per device.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

DEVICE_ID = 64
SKU = 64


def _counter(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False, server_default="0")


streams = Table(
    "streams",
    metadata,
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("high_water", BigInteger, nullable=False, server_default="0"),
    _counter("events_stored"),
    _counter("duplicates_dropped"),
    _counter("conflicts"),
    _counter("gaps_requested"),
    _counter("malformed"),
    _counter("beyond_window"),
    Column("last_seen", DateTime(timezone=True)),
    Column("gap_from", BigInteger),  # the last gap request sent: H+1 ...
    Column("gap_to", BigInteger),
    Column("last_gap_request_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("device_id", "epoch", name="pk_streams"),
)

events = Table(
    "events",
    metadata,
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    Column("ts", Text, nullable=False),
    Column("sku", String(SKU)),
    Column("qty", BigInteger, nullable=False),
    Column("unit", String(8)),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text),
    Column("txn_id", Text),
    Column("data", Text, nullable=False),  # canonical JSON
    Column("hash", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("device_id", "epoch", "seq", name="pk_events"),
)

projection = Table(
    "projection",
    metadata,
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("sku", String(SKU), nullable=False),
    Column("qty", BigInteger, nullable=False),
    PrimaryKeyConstraint("device_id", "epoch", "sku", name="pk_projection"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("stored_hash", String(64), nullable=False),
    Column("received_hash", String(64), nullable=False),
    Column("received_body", Text, nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("device_id", "epoch", "seq", "received_hash", name="uq_conflicts"),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("ts", Text, nullable=False),
    Column("on_hand", Text, nullable=False),  # canonical JSON {sku: {"qty": n, "unit": u}}
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # pending | matched | mismatched
    Column("checked_at", DateTime(timezone=True)),
    Index("ix_snapshots_stream_status", "device_id", "epoch", "status"),
)

discrepancies = Table(
    "discrepancies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("sku", String(SKU), nullable=False),
    Column("device_qty", BigInteger),  # NULL: the SKU is missing on the device
    Column("middleware_qty", BigInteger),  # NULL: the middleware has no such SKU
    Column("seq", BigInteger, nullable=False),
    Column("snapshot_id", Integer, nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),  # open | resolved
    # revision 0005: what differs, and the review (sync.middleware.discrepancies)
    # quantity | unit | missing_on_device | missing_in_middleware
    Column("kind", String(24), nullable=False, server_default="quantity"),
    Column("device_unit", String(8)),
    Column("middleware_unit", String(8)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(64)),  # the operator
    Column("resolution", String(24)),  # accept_device | accept_middleware | dismiss
    Column("resolution_note", Text),
    UniqueConstraint("device_id", "epoch", "sku", "seq", name="uq_discrepancies"),
    Index("ix_discrepancies_stream_status", "device_id", "epoch", "status"),
)

# An operator's correction of the projection (revision 0005): a discrepancy resolved with
# accept_device moves the SKU's on-hand by ``delta`` from stream position ``seq`` on, so the
# projection is the fold of the events plus these rows.
projection_adjustments = Table(
    "projection_adjustments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("sku", String(SKU), nullable=False),
    Column("seq", BigInteger, nullable=False),  # applies to the on-hand after this event
    Column("delta", BigInteger, nullable=False),
    Column("unit", String(8)),
    Column("discrepancy_id", Integer, nullable=False),
    Column("operator", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("discrepancy_id", name="uq_projection_adjustments_discrepancy"),
    Index("ix_projection_adjustments_stream", "device_id", "epoch", "seq"),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(DEVICE_ID), primary_key=True),
    Column("state", String(16)),  # online | offline, from the retained status topic
    Column("status_ts", Text),
    Column("status_at", DateTime(timezone=True)),
    Column("telemetry", Text),  # the latest telemetry payload, canonical JSON
    Column("telemetry_at", DateTime(timezone=True)),
    Column("queue_count", BigInteger),
    Column("last_seen", DateTime(timezone=True)),
    _counter("malformed"),
)

# -- payments (revision 0002; docs/payments.md) ------------------------------------------------

KEY = 255  # idempotency keys: {deviceId}:{txnId}:{operation}[:{refundId}]
GLOBAL_TXN = 161  # {deviceId}:{txnId}

payment_requests = Table(
    "payment_requests",
    metadata,
    Column("idempotency_key", String(KEY), primary_key=True),
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("global_txn_id", String(GLOBAL_TXN), nullable=False),
    Column("method", String(32), nullable=False),
    Column("params_hash", String(64), nullable=False),
    Column("params", Text, nullable=False),  # canonical JSON, the token left out
    Column("amount_minor", BigInteger),
    Column("state", String(16), nullable=False),  # pending | done | fenced
    Column("owner", String(64), nullable=False),  # the middleware instance working on it
    Column("reply", Text),  # canonical JSON {"result": {...}} or {"error": {...}} once done
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    Index("ix_payment_requests_txn", "global_txn_id"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("global_txn_id", String(GLOBAL_TXN), primary_key=True),
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("txn_id", String(96), nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("pos_txn_id", String(96), nullable=False),
    Column("sku_id", String(SKU)),
    Column("unit_price_minor", BigInteger),
    Column("tax_minor", BigInteger),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3)),
    Column("payment_auth_id", String(128)),
    Column("reader_reference", String(255)),
    # authorized | captured | voided | refunded | partially_refunded | failed | manual_review
    Column("settlement_status", String(24), nullable=False),
    Column("captured_minor", BigInteger, nullable=False, server_default="0"),
    Column("refunded_minor", BigInteger, nullable=False, server_default="0"),
    Column("operator_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),  # the record's timestamp
    Column("authorized_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # revision 0003: gateway | reader (who authorized and settles the money); points: no money
    Column("payment_mode", String(16), nullable=False, server_default="gateway"),
    Column("dispense_status", String(16)),  # succeeded | failed, from the ledger (None: unknown)
    Column("dispensed_at", DateTime(timezone=True)),  # the SALE's device time
    Column("expired_at", DateTime(timezone=True)),  # the 24 h rule voided it (payments.expiry)
    UniqueConstraint("pos_txn_id", name="uq_transactions_pos_txn_id"),
    Index("ix_transactions_status_auth", "settlement_status", "authorized_at"),
)

transaction_history = Table(
    "transaction_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("global_txn_id", String(GLOBAL_TXN), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("source", String(64), nullable=False),  # rpc:payment.capture | ledger:<type>
    Column("details", Text, nullable=False),  # canonical JSON
    Index("ix_transaction_history_txn", "global_txn_id", "id"),
)

# What the ledger path knows of a device transaction before (or apart from) its record
# (revision 0003; sync.middleware.sales): the mode and sale facts of a reader or offline sale
# from its payment_started step, or the original sale of a refund transaction.
ledger_txns = Table(
    "ledger_txns",
    metadata,
    Column("global_txn_id", String(GLOBAL_TXN), primary_key=True),
    Column("mode", String(16), nullable=False),  # reader | offline | points | refund
    Column("record_txn_id", String(GLOBAL_TXN), nullable=False),  # the record it feeds
    Column("facts", Text, nullable=False),  # canonical JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
)

pos_sequences = Table(
    "pos_sequences",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("last_no", BigInteger, nullable=False),
)

# -- loyalty (revision 0004; docs/protocol.md "Loyalty") ----------------------------------------

MEMBER = 32

loyalty_accounts = Table(
    "loyalty_accounts",
    metadata,
    Column("member_id", String(MEMBER), primary_key=True),
    Column("balance", BigInteger, nullable=False, server_default="0"),  # earned - redeemed
    Column("held", BigInteger, nullable=False, server_default="0"),  # open holds
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

loyalty_holds = Table(
    "loyalty_holds",
    metadata,
    Column("hold_key", String(KEY), primary_key=True),  # {deviceId}:{txnId}:redeem
    Column("device_id", String(DEVICE_ID), nullable=False),
    Column("txn_id", String(96), nullable=False),
    Column("member_id", String(MEMBER), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),  # held | final | released | refused
    Column("params_hash", String(64)),  # of the redeem request; NULL for a release tombstone
    Column("reply", Text),  # the redeem answer, canonical JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_loyalty_holds_member_state", "member_id", "state"),
)

loyalty_entries = Table(
    "loyalty_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(MEMBER), nullable=False),
    Column("kind", String(16), nullable=False),  # accrual|redemption|reversal|restore|adjustment
    Column("points", BigInteger, nullable=False),  # signed change of the balance
    Column("device_id", String(DEVICE_ID)),
    Column("epoch", BigInteger),
    Column("seq", BigInteger),  # the ledger event it came from (NULL: an ops adjustment)
    Column("txn_id", String(96)),
    Column("details", Text, nullable=False),  # canonical JSON
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("device_id", "epoch", "seq", "kind", name="uq_loyalty_entries_event"),
    Index("ix_loyalty_entries_member", "member_id", "id"),
)
