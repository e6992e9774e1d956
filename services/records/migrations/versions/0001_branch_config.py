"""Branch configuration (system of record) and its audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "branch_config",
        sa.Column("branch_id", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, sa.CheckConstraint("version >= 1", name="version_positive"), nullable=False),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_subject", sa.Text, nullable=False),
        sa.Column("updated_by_role", sa.Text, nullable=False),
        comment="The current configuration of each branch (records is its system of record)",
    )
    op.create_table(
        "branch_config_audit",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("branch_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.Text, nullable=False, comment="the credential's subject (an API key's digest)"),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("diff", JSONB, nullable=False, comment="what changed: ids and field names, no values"),
        sa.Column("document", JSONB, nullable=False, comment="the whole document of this version"),
        sa.UniqueConstraint("branch_id", "version", name="branch_config_audit_version"),
        comment="Every accepted configuration change: who, when, what",
    )
    op.create_index("branch_config_audit_by_time", "branch_config_audit", ["branch_id", "changed_at"])


def downgrade() -> None:
    op.drop_index("branch_config_audit_by_time", table_name="branch_config_audit")
    op.drop_table("branch_config_audit")
    op.drop_table("branch_config")
