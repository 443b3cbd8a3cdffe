"""Transaction journal: the latest step of every local transaction, open or closed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "txn_journal",
        sa.Column("txn_id", sa.String(64), primary_key=True),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("updated_ts", sa.String(32), nullable=False),
    )
    op.create_index("ix_txn_journal_open", "txn_journal", ["open"])


def downgrade() -> None:
    op.drop_index("ix_txn_journal_open", "txn_journal")
    op.drop_table("txn_journal")
