"""The device ledger: meta, immutable events, on-hand counters, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_meta",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("acked_seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64)),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(8)),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("txn_id", sa.String(64)),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("wire", sa.Text, nullable=False),
    )
    op.create_index("ix_events_txn_id", "events", ["txn_id"])
    op.create_index("ix_events_type", "events", ["type"])
    op.create_table(
        "on_hand",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("qty", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(8)),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.CheckConstraint("qty >= 0", name="on_hand_not_negative"),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("enqueued_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("on_hand")
    op.drop_index("ix_events_type", "events")
    op.drop_index("ix_events_txn_id", "events")
    op.drop_table("events")
    op.drop_table("ledger_meta")
