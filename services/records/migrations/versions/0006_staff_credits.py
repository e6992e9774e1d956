"""Staff credited by time: window staffing intervals and the work credited by them (domain/credits.py).

``window_staffing`` keeps every ``windows.v1`` event as an interval of its window (staff, from ``since`` until
``until``, the next event's time; NULL: still so). ``staff_credits`` keeps each piece of work done at a window
(a ticket served or not shown, at its call; a rating without a staff member, at its time) and whom it is
credited to in ``rollup_staff_day``, so a window event folded late moves the work it covers once.

The current state of each window (``window_staff``) seeds the intervals: work folded after the upgrade is
credited to whoever staffs the window now until a newer event says otherwise. Work folded before is not moved.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _counter(name: str, kind: type[sa.types.TypeEngine] | sa.types.TypeEngine = sa.Integer) -> sa.Column:
    return sa.Column(name, kind, nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table(
        "window_staffing",
        sa.Column("branch_id", sa.Text, primary_key=True),
        sa.Column("window_id", sa.Text, primary_key=True),
        sa.Column("since", TS, primary_key=True),
        sa.Column("until", TS, comment="the next event's time (NULL: still so)"),
        sa.Column("staff_id", sa.Text),
        sa.Column("state", sa.Text, nullable=False),
        comment="Each window's staffing over time: one interval per windows.v1 event",
    )
    op.create_table(
        "staff_credits",
        sa.Column("branch_id", sa.Text, primary_key=True),
        sa.Column("window_id", sa.Text, primary_key=True),
        sa.Column("at", TS, primary_key=True, comment="when the work was done there (a ticket's call)"),
        sa.Column("ref", sa.Text, primary_key=True, comment="ticket:<id> or rating:<ticket id>"),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("staff_id", sa.Text, comment="credited to (NULL: nobody staffed the window then, as known)"),
        _counter("served"),
        _counter("no_show"),
        _counter("handled"),
        _counter("handling_s_sum", sa.Float),
        _counter("ratings"),
        _counter("rating_sum"),
        comment="Work done at a window and whom rollup_staff_day credits it to (moved by late window events)",
    )
    for table in ("window_staffing", "staff_credits"):
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 80)")
    op.execute(
        "INSERT INTO window_staffing (branch_id, window_id, since, until, staff_id, state)"
        " SELECT branch_id, window_id, at, NULL, staff_id, state FROM window_staff"
    )


def downgrade() -> None:
    op.drop_table("staff_credits")
    op.drop_table("window_staffing")
