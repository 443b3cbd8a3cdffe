"""Initial middleware schema: streams, events, projection, conflicts, snapshots,
discrepancies and devices.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _counter(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger, nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table(
        "streams",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("high_water", sa.BigInteger, nullable=False, server_default="0"),
        _counter("events_stored"),
        _counter("duplicates_dropped"),
        _counter("conflicts"),
        _counter("gaps_requested"),
        _counter("malformed"),
        _counter("beyond_window"),
        _when("last_seen"),
        sa.Column("gap_from", sa.BigInteger),
        sa.Column("gap_to", sa.BigInteger),
        _when("last_gap_request_at"),
        sa.PrimaryKeyConstraint("device_id", "epoch", name="pk_streams"),
    )
    op.create_table(
        "events",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("ts", sa.Text, nullable=False),
        sa.Column("sku", sa.String(64)),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(8)),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text),
        sa.Column("txn_id", sa.Text),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _when("received_at", nullable=False),
        sa.PrimaryKeyConstraint("device_id", "epoch", "seq", name="pk_events"),
    )
    op.create_table(
        "projection",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "epoch", "sku", name="pk_projection"),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("stored_hash", sa.String(64), nullable=False),
        sa.Column("received_hash", sa.String(64), nullable=False),
        sa.Column("received_body", sa.Text, nullable=False),
        _when("detected_at", nullable=False),
        sa.UniqueConstraint("device_id", "epoch", "seq", "received_hash", name="uq_conflicts"),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("ts", sa.Text, nullable=False),
        sa.Column("on_hand", sa.Text, nullable=False),
        _when("received_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("checked_at"),
    )
    op.create_index("ix_snapshots_stream_status", "snapshots", ["device_id", "epoch", "status"])
    op.create_table(
        "discrepancies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("device_qty", sa.BigInteger, nullable=False),
        sa.Column("middleware_qty", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("snapshot_id", sa.Integer, nullable=False),
        _when("detected_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.UniqueConstraint("device_id", "epoch", "sku", "seq", name="uq_discrepancies"),
    )
    op.create_index(
        "ix_discrepancies_stream_status", "discrepancies", ["device_id", "epoch", "status"]
    )
    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16)),
        sa.Column("status_ts", sa.Text),
        _when("status_at"),
        sa.Column("telemetry", sa.Text),
        _when("telemetry_at"),
        sa.Column("queue_count", sa.BigInteger),
        _when("last_seen"),
        _counter("malformed"),
    )


def downgrade() -> None:
    for name in ("devices", "discrepancies", "snapshots", "conflicts", "projection"):
        op.drop_table(name)
    op.drop_table("events")
    op.drop_table("streams")
