"""The canonical record fed by the ledger too, and the 24-hour rule enforced.

``transactions`` gains ``payment_mode`` (gateway | reader; existing reader-refund records are
marked ``reader``), the ledger's dispense facts (``dispense_status``, ``dispensed_at``) and
``expired_at`` (set when the expiry sweeper voids an authorization). ``ledger_txns`` keeps what
the ledger path must remember of a transaction before its record exists.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None

_NEW_COLUMNS = ("payment_mode", "dispense_status", "dispensed_at", "expired_at")


def upgrade() -> None:
    op.add_column(
        "transactions",
        sa.Column("payment_mode", sa.String(16), nullable=False, server_default="gateway"),
    )
    op.add_column("transactions", sa.Column("dispense_status", sa.String(16)))
    op.add_column("transactions", sa.Column("dispensed_at", sa.DateTime(timezone=True)))
    op.add_column("transactions", sa.Column("expired_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE transactions SET payment_mode = 'reader'"
        " WHERE payment_auth_id IS NULL AND reader_reference IS NOT NULL"
    )
    op.create_table(
        "ledger_txns",
        sa.Column("global_txn_id", sa.String(161), primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("record_txn_id", sa.String(161), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_txns")
    with op.batch_alter_table("transactions") as batch:
        for name in _NEW_COLUMNS:
            batch.drop_column(name)
