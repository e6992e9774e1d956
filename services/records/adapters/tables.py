"""The tables the records service reads and writes (SQLAlchemy Core). Created by the migrations, not from here.

Layout, so that the later parts of the branch's memory fit beside it: configuration (``branch_config``,
its audit log with every version's document), the transactional ``outbox``; the event history will get
its own tables partitioned by day, rollups and reports read those.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, LargeBinary, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

branch_config = Table(
    "branch_config",
    metadata,
    Column("branch_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("document", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by_subject", Text, nullable=False),
    Column("updated_by_role", Text, nullable=False),
)

branch_config_audit = Table(
    "branch_config_audit",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("branch_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("subject", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("diff", JSONB, nullable=False),
    Column("document", JSONB, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("topic", Text, nullable=False),
    Column("key", LargeBinary, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
)
