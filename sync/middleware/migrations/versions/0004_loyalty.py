"""Loyalty: member points accounts projected from the devices' LOYALTY and SALE events,
redemption holds keyed by the local transaction, and every change of a balance.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "loyalty_accounts",
        sa.Column("member_id", sa.String(32), primary_key=True),
        sa.Column("balance", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("held", sa.BigInteger, nullable=False, server_default="0"),
        _when("updated_at"),
    )
    op.create_table(
        "loyalty_holds",
        sa.Column("hold_key", sa.String(255), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("txn_id", sa.String(96), nullable=False),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("params_hash", sa.String(64)),
        sa.Column("reply", sa.Text),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_index("ix_loyalty_holds_member_state", "loyalty_holds", ["member_id", "state"])
    op.create_table(
        "loyalty_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("device_id", sa.String(64)),
        sa.Column("epoch", sa.BigInteger),
        sa.Column("seq", sa.BigInteger),
        sa.Column("txn_id", sa.String(96)),
        sa.Column("details", sa.Text, nullable=False),
        _when("at"),
        sa.UniqueConstraint("device_id", "epoch", "seq", "kind", name="uq_loyalty_entries_event"),
    )
    op.create_index("ix_loyalty_entries_member", "loyalty_entries", ["member_id", "id"])


def downgrade() -> None:
    for name in ("loyalty_entries", "loyalty_holds", "loyalty_accounts"):
        op.drop_table(name)
