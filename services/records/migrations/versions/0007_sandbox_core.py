"""The sandbox core (docs/core-banking.md): a clearly labelled sandbox ledger for the digital employee's
self-service, in tables of its own (``sandbox_core_*``), apart from the branch's records.

Customers, accounts (balance in integer minor units, kept equal to the sum of the account's legs), postings
and their legs (double entry: a deferred constraint trigger refuses a posting whose legs do not add up to zero
at commit), idempotency keys with the stored response, and the audit log (masked). The bounds of an account
(a deposit never below zero, a card within its limit) are CHECK constraints as well as the code's rules.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

BALANCED = """
CREATE FUNCTION sandbox_core_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE total bigint; legs integer;
BEGIN
  SELECT coalesce(sum(amount_minor), 0), count(*) INTO total, legs
    FROM sandbox_core_legs WHERE posting_id = NEW.posting_id;
  IF total <> 0 OR legs < 2 THEN
    RAISE EXCEPTION 'sandbox core posting % is not balanced (sum %, % legs)', NEW.posting_id, total, legs
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "sandbox_core_customers",
        sa.Column("customer_id", sa.Text, primary_key=True, comment="a sandbox customer id (never an ID number)"),
        sa.Column("branch_id", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("id_number_masked", sa.Text, nullable=False, comment="as the KYC service masks it"),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        comment="SANDBOX core: demo customers",
    )
    op.create_index("sandbox_core_customers_by_branch", "sandbox_core_customers", ["branch_id"])
    op.create_table(
        "sandbox_core_accounts",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("customer_id", sa.Text, sa.ForeignKey("sandbox_core_customers.customer_id"), nullable=True),
        sa.Column("number", sa.Text, nullable=False, unique=True, comment="shown masked only"),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("balance_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("credit_limit_minor", sa.BigInteger, nullable=False, server_default="0"),
        sa.CheckConstraint(
            "kind IN ('debit_card', 'savings', 'credit_card', 'loan', 'utility_biller', 'internal')",
            name="sandbox_core_accounts_kind",
        ),
        sa.CheckConstraint(
            "kind NOT IN ('debit_card', 'savings') OR balance_minor >= 0", name="sandbox_core_deposit_not_below_zero"
        ),
        sa.CheckConstraint(
            "kind <> 'credit_card' OR (balance_minor BETWEEN -credit_limit_minor AND 0)",
            name="sandbox_core_card_within_limit",
        ),
        sa.CheckConstraint("credit_limit_minor >= 0", name="sandbox_core_limit_not_negative"),
        comment="SANDBOX core: accounts; balance = sum of the account's legs, in minor units",
    )
    op.create_index("sandbox_core_accounts_by_customer", "sandbox_core_accounts", ["customer_id"])
    op.create_table(
        "sandbox_core_postings",
        sa.Column("posting_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("branch_id", sa.Text),
        sa.Column("customer_id", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("reference", sa.Text, comment="a utility bill's reference"),
        sa.Column(
            "reverses",
            sa.BigInteger,
            sa.ForeignKey("sandbox_core_postings.posting_id"),
            unique=True,
            comment="the posting this one compensates (unique: a posting is reversed once)",
        ),
        sa.Column("idempotency_key", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("local_day", sa.Date, nullable=False, comment="the branch's day (limits, same-day reversal)"),
        sa.CheckConstraint("amount_minor > 0", name="sandbox_core_amount_positive"),
        comment="SANDBOX core: postings (each a balanced set of legs)",
    )
    op.create_index(
        "sandbox_core_postings_by_customer_day", "sandbox_core_postings", ["customer_id", "local_day", "currency"]
    )
    op.create_table(
        "sandbox_core_legs",
        sa.Column("posting_id", sa.BigInteger, sa.ForeignKey("sandbox_core_postings.posting_id"), primary_key=True),
        sa.Column("leg_no", sa.SmallInteger, primary_key=True),
        sa.Column("account_id", sa.Text, sa.ForeignKey("sandbox_core_accounts.account_id"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.CheckConstraint("amount_minor <> 0", name="sandbox_core_leg_not_zero"),
        comment="SANDBOX core: legs; positive adds to the account's balance",
    )
    op.create_index("sandbox_core_legs_by_account", "sandbox_core_legs", ["account_id", "posting_id"])
    op.execute(BALANCED)
    op.execute(
        "CREATE CONSTRAINT TRIGGER sandbox_core_postings_balanced AFTER INSERT ON sandbox_core_postings"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sandbox_core_balanced()"
    )
    op.create_table(
        "sandbox_core_idempotency",
        sa.Column("scope", sa.Text, primary_key=True, comment="the branch"),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status", sa.SmallInteger),
        sa.Column("response", JSONB),
        sa.Column("posting_id", sa.BigInteger, sa.ForeignKey("sandbox_core_postings.posting_id")),
        sa.Column("created_at", TS, nullable=False),
        comment="SANDBOX core: idempotency keys and the response each request got",
    )
    op.create_table(
        "sandbox_core_audit",
        sa.Column("audit_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("branch_id", sa.Text),
        sa.Column("subject", sa.Text, nullable=False, comment="the credential's subject"),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False, comment="posted, replayed or refused"),
        sa.Column("reason", sa.Text),
        sa.Column("customer_id", sa.Text),
        sa.Column("posting_id", sa.BigInteger),
        sa.Column("idempotency_key", sa.Text),
        sa.Column("detail", JSONB, nullable=False, comment="masked: account numbers as 6222****1234"),
        comment="SANDBOX core: every movement asked for, posted or refused (who, what, when; masked)",
    )
    op.create_index("sandbox_core_audit_by_branch", "sandbox_core_audit", ["branch_id", "at"])


def downgrade() -> None:
    op.drop_table("sandbox_core_audit")
    op.drop_table("sandbox_core_idempotency")
    op.execute("DROP TRIGGER sandbox_core_postings_balanced ON sandbox_core_postings")
    op.execute("DROP FUNCTION sandbox_core_balanced()")
    op.drop_table("sandbox_core_legs")
    op.drop_table("sandbox_core_postings")
    op.drop_table("sandbox_core_accounts")
    op.drop_table("sandbox_core_customers")
