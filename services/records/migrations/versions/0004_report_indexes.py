"""Head-office reports: one summary row per branch and local day, kept by PostgreSQL from the rollups; indexes
for one branch's day and period reports.

``rollup_branch_day`` holds, per branch and local day, the sums of every rollup counter a report's totals need
(tickets and their waits, the wait buckets as one column per bucket ``wait_m<lower edge>``, ratings per window,
footfall, alerts, KYC decisions, voice sessions). A ranking of 200 branches over 90 days then reads 18,000 rows,
not the 3 million 15-minute rows (and the wait buckets) it is computed from. ``rollup_service_day`` holds the
tickets' and waits' columns per branch, local day and service: one branch's period report (days, services) can
read 5 rows a day instead of about 450 (measured: bench/records_queries.py).

Both are maintained by statement-level triggers on the rollup tables (transition tables: one set-based upsert per
statement, whatever the number of rows): an insert adds the new rows, an update adds new minus old (so a
counter that moves from one day to another moves with it), in the transaction that folded the events. Ingest
code is unchanged and the summaries cannot disagree with the rollups. Wait buckets carry no day: theirs is read
from the cohort's ``rollup_service_interval`` row (written before the buckets in the same transaction).

Retention: the retention job deletes rollup rows older than their tables' retention (oldest first); a delete
from ``rollup_service_interval`` takes with it the summary rows of those branches up to the latest day deleted
that has no ``rollup_service_interval`` row left. Deletes from the other rollups are not subtracted: the summary
keeps ``rollup_service_interval``'s retention. A wait bucket counts on its cohort's day as it was when the bucket
was written: a change of a branch's time zone that moves an interval to another local day (rare) moves its
tickets' counters, not the waits counted before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SUMMARY = "rollup_branch_day"
WAIT_EDGES_MIN = (*range(0, 30), *range(30, 60, 5), 60, 75, 90, 105, 120, 150, 180, 240)
"""The wait buckets of domain/waits.py as they were at this revision (a migration does not follow later code)."""

TICKET_COUNTERS = (
    "arrivals",
    "called",
    "served",
    "no_show",
    "abandoned",
    "cancelled",
    "transferred",
    "waits",
    "wait_s_sum",
    "within_target",
    "handled",
    "handling_s_sum",
)
FLOATS = {"wait_s_sum", "handling_s_sum", "alert_ack_s_sum"}

SOURCES: dict[str, dict[str, str]] = {
    "rollup_service_interval": {name: name for name in TICKET_COUNTERS},
    "rollup_wait_buckets": {
        f"wait_m{edge}": f"CASE WHEN r.bucket = {edge} THEN r.tickets ELSE 0 END" for edge in WAIT_EDGES_MIN
    },
    "rollup_window_day": {"ratings": "ratings", "rating_sum": "rating_sum"},
    "rollup_footfall_interval": {"footfall_entered": "entered", "footfall_exited": "exited"},
    "rollup_alert_day": {
        "alerts_raised": "raised",
        "alerts_escalated": "escalated",
        "alerts_acknowledged": "acknowledged",
        "alert_ack_s_sum": "ack_s_sum",
        "alerts_expired": "expired",
    },
    "rollup_kyc_day": {"kyc_decisions": "decisions"},
    "rollup_voice_day": {
        "voice_sessions": "sessions",
        "voice_turns": "turns",
        "voice_completed_without_staff": "completed_without_staff",
        "voice_handed_off": "handed_off",
    },
}
"""Source rollup table -> {summary column: expression over a source row ``r``}."""


def summary_columns() -> list[str]:
    return [column for mapping in SOURCES.values() for column in mapping]


SERVICE_SUMMARY = "rollup_service_day"
SERVICE_SOURCES = ("rollup_service_interval", "rollup_wait_buckets")
"""``rollup_service_day`` keeps the same tickets' and waits' columns per branch, local day and service."""
SUMMARIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    SUMMARY: (("branch_id", "day"), tuple(SOURCES)),
    SERVICE_SUMMARY: (("branch_id", "day", "service"), SERVICE_SOURCES),
}
"""Summary table -> (its key, the rollups it sums)."""
TRIGGERS = "report_summaries"


def _day_of(source: str, rows: str) -> str:
    """FROM clause giving ``r`` (a transition table's row) and ``day`` for a source table."""
    if source == "rollup_wait_buckets":
        return (
            f"{rows} r JOIN rollup_service_interval s ON s.branch_id = r.branch_id AND s.service = r.service"
            " AND s.interval_start = r.interval_start"
        )
    return f"{rows} r"


def _key(summary: str, source: str) -> list[str]:
    day = "s.day" if source == "rollup_wait_buckets" else "r.day"
    return ["r.branch_id", f"{day} AS day", *(["r.service"] if summary == SERVICE_SUMMARY else [])]


def _expression(expr: str) -> str:
    return expr if expr.startswith("CASE") else f"r.{expr}"


def add_sql(summary: str, source: str, parts: list[tuple[str, int]]) -> str:
    """INSERT ... SELECT the sums of ``parts`` (transition table, sign) of ``source`` into ``summary``."""
    keys = SUMMARIES[summary][0]
    mapping = SOURCES[source]
    columns = list(mapping)
    selects = [
        f"SELECT {', '.join(_key(summary, source))}, "
        + ", ".join(f"{'-' if sign < 0 else ''}({_expression(mapping[c])}) AS {c}" for c in columns)
        + f" FROM {_day_of(source, rows)}"
        for rows, sign in parts
    ]
    key = ", ".join(keys)
    return (
        f"INSERT INTO {summary} AS d ({key}, {', '.join(columns)}) "
        f"SELECT {key}, {', '.join(f'sum({c})' for c in columns)} FROM ({' UNION ALL '.join(selects)}) x "
        f"GROUP BY {key} ORDER BY {key} "
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(f'{c} = d.{c} + EXCLUDED.{c}' for c in columns)}"
    )


def _function(name: str, statements: list[str]) -> str:
    body = "".join(f"{statement};\n" for statement in statements)
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n{body}RETURN NULL;\nEND\n$fn$"


def _column(name: str) -> sa.Column:
    return sa.Column(name, sa.Float if name in FLOATS else sa.Integer, nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table(
        SUMMARY,
        sa.Column("branch_id", sa.Text, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        *(_column(c) for c in summary_columns()),
        comment="Sums of the rollups per branch and local day (head-office reports), kept by triggers on them",
    )
    op.create_index(f"{SUMMARY}_by_day", SUMMARY, ["day"])
    op.create_table(
        SERVICE_SUMMARY,
        sa.Column("branch_id", sa.Text, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("service", sa.Text, primary_key=True),
        *(_column(c) for source in SERVICE_SOURCES for c in SOURCES[source]),
        comment="Tickets and waits per branch, local day and service (period reports), kept by triggers",
    )
    for table in SUMMARIES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 80)")  # counters updated in place (HOT)
    # one branch's day or period report reads its own rows only (the keys start with the service or camera)
    op.create_index("rollup_service_interval_by_branch_day", "rollup_service_interval", ["branch_id", "day"])
    op.create_index("rollup_wait_buckets_by_branch_time", "rollup_wait_buckets", ["branch_id", "interval_start"])
    op.create_index("rollup_footfall_interval_by_branch_day", "rollup_footfall_interval", ["branch_id", "day"])
    for source in SOURCES:
        summaries = [summary for summary, (_, sources) in SUMMARIES.items() if source in sources]
        # the rows already there, before the triggers count the next ones (one transaction: nothing in between)
        for summary in summaries:
            op.execute(add_sql(summary, source, [(source, 1)]))
        short = source.removeprefix("rollup_")
        inserted = [add_sql(summary, source, [("new_rows", 1)]) for summary in summaries]
        updated = [add_sql(summary, source, [("new_rows", 1), ("old_rows", -1)]) for summary in summaries]
        op.execute(_function(f"{TRIGGERS}_on_{short}_insert", inserted))
        op.execute(_function(f"{TRIGGERS}_on_{short}_update", updated))
        op.execute(
            f"CREATE TRIGGER {TRIGGERS}_insert AFTER INSERT ON {source} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGERS}_on_{short}_insert()"
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGERS}_update AFTER UPDATE ON {source} REFERENCING OLD TABLE AS old_rows "
            f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGERS}_on_{short}_update()"
        )
    op.execute(
        _function(
            f"{TRIGGERS}_on_service_interval_delete",
            [
                f"DELETE FROM {summary} d USING (SELECT branch_id, max(day) AS last FROM old_rows GROUP BY branch_id)"
                " o WHERE d.branch_id = o.branch_id AND d.day <= o.last AND NOT EXISTS "
                "(SELECT 1 FROM rollup_service_interval s WHERE s.branch_id = d.branch_id AND s.day = d.day)"
                for summary in SUMMARIES
            ],
        )
    )
    op.execute(
        f"CREATE TRIGGER {TRIGGERS}_delete AFTER DELETE ON rollup_service_interval REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGERS}_on_service_interval_delete()"
    )


def downgrade() -> None:
    op.execute(f"DROP TRIGGER {TRIGGERS}_delete ON rollup_service_interval")
    op.execute(f"DROP FUNCTION {TRIGGERS}_on_service_interval_delete()")
    for source in SOURCES:
        short = source.removeprefix("rollup_")
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER {TRIGGERS}_{event} ON {source}")
            op.execute(f"DROP FUNCTION {TRIGGERS}_on_{short}_{event}()")
    op.drop_index("rollup_footfall_interval_by_branch_day", "rollup_footfall_interval")
    op.drop_index("rollup_wait_buckets_by_branch_time", "rollup_wait_buckets")
    op.drop_index("rollup_service_interval_by_branch_day", "rollup_service_interval")
    op.drop_table(SERVICE_SUMMARY)
    op.drop_table(SUMMARY)
