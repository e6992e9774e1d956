"""Transactional outbox: events written in the same transaction as the change, relayed to Kafka after it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False, comment="the encoded CloudEvent, as sent"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        comment="Events not yet acknowledged by the broker, oldest first (the backlog to alert on)",
    )


def downgrade() -> None:
    op.drop_table("outbox")
