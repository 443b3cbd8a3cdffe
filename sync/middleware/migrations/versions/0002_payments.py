"""Payments: idempotent payment requests, the canonical transaction record, its state history
and per-store POS transaction numbers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "payment_requests",
        sa.Column("idempotency_key", sa.String(255), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("global_txn_id", sa.String(161), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("amount_minor", sa.BigInteger),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("reply", sa.Text),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        _when("completed_at"),
    )
    op.create_index("ix_payment_requests_txn", "payment_requests", ["global_txn_id"])
    op.create_table(
        "transactions",
        sa.Column("global_txn_id", sa.String(161), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("txn_id", sa.String(96), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("pos_txn_id", sa.String(96), nullable=False),
        sa.Column("sku_id", sa.String(64)),
        sa.Column("unit_price_minor", sa.BigInteger),
        sa.Column("tax_minor", sa.BigInteger),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("payment_auth_id", sa.String(128)),
        sa.Column("reader_reference", sa.String(255)),
        sa.Column("settlement_status", sa.String(24), nullable=False),
        sa.Column("captured_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("refunded_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("operator_id", sa.String(64)),
        _when("created_at", nullable=False),
        _when("authorized_at"),
        _when("updated_at", nullable=False),
        sa.UniqueConstraint("pos_txn_id", name="uq_transactions_pos_txn_id"),
    )
    op.create_index(
        "ix_transactions_status_auth", "transactions", ["settlement_status", "authorized_at"]
    )
    op.create_table(
        "transaction_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("global_txn_id", sa.String(161), nullable=False),
        _when("at", nullable=False),
        sa.Column("from_status", sa.String(24)),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("ix_transaction_history_txn", "transaction_history", ["global_txn_id", "id"])
    op.create_table(
        "pos_sequences",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("last_no", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for name in ("pos_sequences", "transaction_history", "transactions", "payment_requests"):
        op.drop_table(name)
