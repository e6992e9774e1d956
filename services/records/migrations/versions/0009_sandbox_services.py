"""The sandbox core's self-services (docs/core-banking.md): enrolments and states per customer, service and
subject (mobile banking, SMS alerts per account, the digital RMB wallet, a credit card's activation) with a
masked detail; PINs as salted scrypt hashes only; the customers' registered phone, masked; a new account kind,
the digital RMB wallet (CNY, never below zero).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
KINDS_BEFORE = "kind IN ('debit_card', 'savings', 'credit_card', 'loan', 'utility_biller', 'internal')"
KINDS = "kind IN ('debit_card', 'savings', 'credit_card', 'loan', 'utility_biller', 'internal', 'digital_wallet')"


def upgrade() -> None:
    op.add_column(
        "sandbox_core_customers",
        sa.Column("phone_masked", sa.Text, nullable=False, server_default="", comment="masked only: 138****1234"),
    )
    op.drop_constraint("sandbox_core_accounts_kind", "sandbox_core_accounts", type_="check")
    op.create_check_constraint("sandbox_core_accounts_kind", "sandbox_core_accounts", KINDS)
    op.create_check_constraint(
        "sandbox_core_wallet_within_cap",
        "sandbox_core_accounts",
        "kind <> 'digital_wallet' OR balance_minor BETWEEN 0 AND 1000000",
    )
    op.create_table(
        "sandbox_core_services",
        sa.Column("customer_id", sa.Text, sa.ForeignKey("sandbox_core_customers.customer_id"), primary_key=True),
        sa.Column("service", sa.Text, primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True, server_default="", comment="the account it is about, or ''"),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("detail", JSONB, nullable=False, server_default="{}", comment="masked: phone 138****1234, accounts"),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "service IN ('mobile_banking', 'sms_alerts', 'digital_wallet', 'card_activation')",
            name="sandbox_core_services_service",
        ),
        sa.CheckConstraint("state IN ('inactive', 'active')", name="sandbox_core_services_state"),
        comment="SANDBOX core: self-service enrolments and states (masked detail)",
    )
    op.create_table(
        "sandbox_core_pins",
        sa.Column("account_id", sa.Text, sa.ForeignKey("sandbox_core_accounts.account_id"), primary_key=True),
        sa.Column("salt", sa.LargeBinary, nullable=False),
        sa.Column("pin_hash", sa.LargeBinary, nullable=False, comment="hashlib.scrypt of the PIN; never the PIN"),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.CheckConstraint("octet_length(salt) >= 16", name="sandbox_core_pins_salt"),
        comment="SANDBOX core: PINs as salted scrypt hashes only",
    )


def downgrade() -> None:
    wallets = op.get_bind().execute(sa.text("SELECT count(*) FROM sandbox_core_accounts WHERE kind = 'digital_wallet'"))
    if wallets.scalar():
        raise RuntimeError("sandbox digital RMB wallets exist: 0009 cannot be undone without losing their postings")
    op.drop_table("sandbox_core_pins")
    op.drop_table("sandbox_core_services")
    op.drop_constraint("sandbox_core_wallet_within_cap", "sandbox_core_accounts", type_="check")
    op.drop_constraint("sandbox_core_accounts_kind", "sandbox_core_accounts", type_="check")
    op.create_check_constraint("sandbox_core_accounts_kind", "sandbox_core_accounts", KINDS_BEFORE)
    op.drop_column("sandbox_core_customers", "phone_masked")
