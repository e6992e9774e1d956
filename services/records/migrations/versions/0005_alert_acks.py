"""Alert acknowledgements and expiries: what records keeps per alert id to count them once.

staffing.alerts.v1 publishes an alert again, same ``alert_id``, when a manager acknowledges it
(``acknowledged_at``) and once when it expires unacknowledged (``expired``). ``alert_states`` keeps when it was
acknowledged and whether its expiry was counted, so ``rollup_alert_day.acknowledged``, ``ack_s_sum`` and
``expired`` count each alert once, and an acknowledged alert never as expired. Existing rows: not acknowledged,
no expiry counted (nothing published those before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "alert_states",
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), comment="when acknowledged (its first version)"),
    )
    op.add_column(
        "alert_states",
        sa.Column(
            "expired",
            sa.Boolean,
            nullable=False,
            server_default=sa.false(),
            comment="its expiry is counted (never for an acknowledged alert)",
        ),
    )


def downgrade() -> None:
    op.drop_column("alert_states", "expired")
    op.drop_column("alert_states", "acknowledged_at")
