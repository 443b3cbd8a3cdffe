"""Discrepancies say what differs and how they were reviewed; reviews may correct the projection.

``discrepancies`` gains ``kind`` (quantity | unit | missing_on_device | missing_in_middleware;
rows recorded before this revision are ``quantity``: a SKU missing on one side was stored as 0
then), the units of both sides, and the review (``resolved_at``, ``resolved_by``,
``resolution``, ``resolution_note``); ``device_qty`` and ``middleware_qty`` become nullable
(NULL: the SKU is missing on that side). ``projection_adjustments`` records every correction of
the projection a review made (accept_device), one per discrepancy.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def _new_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("kind", sa.String(24), nullable=False, server_default="quantity"),
        sa.Column("device_unit", sa.String(8)),
        sa.Column("middleware_unit", sa.String(8)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("resolution", sa.String(24)),
        sa.Column("resolution_note", sa.Text),
    ]


def upgrade() -> None:
    # Batch mode: SQLite cannot drop NOT NULL in place (the table is copied; PostgreSQL alters).
    with op.batch_alter_table("discrepancies") as batch:
        batch.alter_column("device_qty", existing_type=sa.BigInteger, nullable=True)
        batch.alter_column("middleware_qty", existing_type=sa.BigInteger, nullable=True)
        for column in _new_columns():
            batch.add_column(column)
    op.create_table(
        "projection_adjustments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("delta", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(8)),
        sa.Column("discrepancy_id", sa.Integer, nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("discrepancy_id", name="uq_projection_adjustments_discrepancy"),
    )
    op.create_index(
        "ix_projection_adjustments_stream",
        "projection_adjustments",
        ["device_id", "epoch", "seq"],
    )


def downgrade() -> None:
    op.drop_table("projection_adjustments")
    # Missing sides go back to the 0 they were before this revision.
    op.execute("UPDATE discrepancies SET device_qty = 0 WHERE device_qty IS NULL")
    op.execute("UPDATE discrepancies SET middleware_qty = 0 WHERE middleware_qty IS NULL")
    with op.batch_alter_table("discrepancies") as batch:
        for column in _new_columns():
            batch.drop_column(column.name)
        batch.alter_column("device_qty", existing_type=sa.BigInteger, nullable=False)
        batch.alter_column("middleware_qty", existing_type=sa.BigInteger, nullable=False)
