"""Event history: one raw table per topic, partitioned by day; rollups maintained on ingest; their state.

Raw tables (``events_*``) are range-partitioned on the event time ``at`` (``data.at``), one partition per
UTC day, made by the service ahead of time and on ingest (none here). Their key is (event_id, at): a unique
index of a partitioned table must hold the partition key, and a redelivered event carries the same id and
time, so ``INSERT ... ON CONFLICT DO NOTHING`` on it drops duplicates inside the partition they belong to.

State tables (``ticket_journeys``, ``window_staff``, ``voice_sessions``, ``alert_states``) keep what the rollups
are computed from; rollup tables (``rollup_*``) only ever add to their counters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def raw_tables() -> dict[str, tuple[str, list[sa.Column]]]:
    """Fresh columns per call: a Column belongs to one Table (upgrade may run again in one process)."""
    return {
        "events_tickets": (
            "branchops.tickets.v1",
            [
                sa.Column("ticket_id", sa.Text, nullable=False),
                sa.Column("service", sa.Text, nullable=False),
                sa.Column("status", sa.Text, nullable=False),
                sa.Column("window_id", sa.Text),
                sa.Column("channel", sa.Text, nullable=False),
                sa.Column("priority", sa.Text, nullable=False),
            ],
        ),
        "events_windows": (
            "branchops.windows.v1",
            [
                sa.Column("window_id", sa.Text, nullable=False),
                sa.Column("state", sa.Text, nullable=False),
                sa.Column("staff_id", sa.Text),
            ],
        ),
        "events_footfall": (
            "branchops.footfall.v1",
            [
                sa.Column("camera_id", sa.Text, nullable=False),
                sa.Column("window_start", TS, nullable=False),
                sa.Column("window_end", TS, nullable=False),
                sa.Column("entered", sa.Integer, nullable=False),
                sa.Column("exited", sa.Integer, nullable=False),
            ],
        ),
        "events_camera_status": (
            "branchops.camera.status.v1",
            [sa.Column("camera_id", sa.Text, nullable=False), sa.Column("state", sa.Text, nullable=False)],
        ),
        "events_queue_forecast": ("branchops.queue.forecast.v1", []),
        "events_staffing_plan": (
            "branchops.staffing.plan.v1",
            [sa.Column("plan_date", sa.Date, nullable=False), sa.Column("version", sa.Integer, nullable=False)],
        ),
        "events_staffing_alerts": (
            "branchops.staffing.alerts.v1",
            [
                sa.Column("alert_id", sa.Text, nullable=False),
                sa.Column("kind", sa.Text, nullable=False),
                sa.Column("severity", sa.Text, nullable=False),
            ],
        ),
        "events_kyc_results": (
            "branchops.kyc.results.v1",
            [
                sa.Column("session_id", sa.Text, nullable=False),
                sa.Column("kiosk_id", sa.Text, nullable=False),
                sa.Column("doc_type", sa.Text, nullable=False),
                sa.Column("decision", sa.Text, nullable=False),
            ],
        ),
        "events_feedback": (
            "branchops.feedback.v1",
            [
                sa.Column("ticket_id", sa.Text, nullable=False),
                sa.Column("window_id", sa.Text),
                sa.Column("staff_id", sa.Text),
                sa.Column("service", sa.Text, nullable=False),
                sa.Column("rating", sa.SmallInteger, nullable=False),
            ],
        ),
        "events_voice_interactions": (
            "branchops.voice.interactions.v1",
            [
                sa.Column("session_id", sa.Text, nullable=False),
                sa.Column("kiosk_id", sa.Text, nullable=False),
                sa.Column("turn", sa.Integer, nullable=False),
                sa.Column("intent", sa.Text, nullable=False),
                sa.Column("outcome", sa.Text, nullable=False),
            ],
        ),
        "events_branch_config": ("branchops.branch-config.v1", [sa.Column("version", sa.Integer, nullable=False)]),
    }


def _counter(name: str, kind: type[sa.types.TypeEngine] | sa.types.TypeEngine = sa.Integer) -> sa.Column:
    return sa.Column(name, kind, nullable=False, server_default="0")


WORK = ["served", "no_show", "handled"]


def rollup_tables() -> dict[str, tuple[str, list[sa.Column]]]:
    return {
        "rollup_service_interval": (
            "Tickets per branch, service and local 15-minute interval of issue",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("service", sa.Text, primary_key=True),
                sa.Column("interval_start", TS, primary_key=True),
                sa.Column("day", sa.Date, nullable=False),
                sa.Column("target_wait_min", sa.Integer, nullable=False),
                *(
                    _counter(c)
                    for c in (
                        "arrivals",
                        "called",
                        "served",
                        "no_show",
                        "abandoned",
                        "cancelled",
                        "transferred",
                        "waits",
                    )
                ),
                _counter("wait_s_sum", sa.Float),
                _counter("within_target"),
                _counter("handled"),
                _counter("handling_s_sum", sa.Float),
            ],
        ),
        "rollup_wait_buckets": (
            "Waits of each cohort in fixed minute buckets (lower edge, minutes)",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("service", sa.Text, primary_key=True),
                sa.Column("interval_start", TS, primary_key=True),
                sa.Column("bucket", sa.SmallInteger, primary_key=True),
                _counter("tickets"),
            ],
        ),
        "rollup_window_day": (
            "Work per window and local day",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("day", sa.Date, primary_key=True),
                sa.Column("window_id", sa.Text, primary_key=True),
                *(_counter(c) for c in WORK),
                _counter("handling_s_sum", sa.Float),
                _counter("ratings"),
                _counter("rating_sum"),
            ],
        ),
        "rollup_staff_day": (
            "Work per staff member and local day",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("day", sa.Date, primary_key=True),
                sa.Column("staff_id", sa.Text, primary_key=True),
                *(_counter(c) for c in WORK),
                _counter("handling_s_sum", sa.Float),
                _counter("ratings"),
                _counter("rating_sum"),
            ],
        ),
        "rollup_alert_day": (
            "Alerts per kind and local day of raising",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("day", sa.Date, primary_key=True),
                sa.Column("kind", sa.Text, primary_key=True),
                _counter("raised"),
                _counter("escalated"),
                _counter("acknowledged"),
                _counter("ack_s_sum", sa.Float),
                _counter("expired"),
            ],
        ),
        "rollup_footfall_interval": (
            "People in and out per camera and local 15-minute interval",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("camera_id", sa.Text, primary_key=True),
                sa.Column("interval_start", TS, primary_key=True),
                sa.Column("day", sa.Date, nullable=False),
                _counter("entered"),
                _counter("exited"),
            ],
        ),
        "rollup_kyc_day": (
            "KYC decisions per local day (counts only)",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("day", sa.Date, primary_key=True),
                sa.Column("decision", sa.Text, primary_key=True),
                _counter("decisions"),
            ],
        ),
        "rollup_voice_day": (
            "Digital-employee sessions per local day of their first turn",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("day", sa.Date, primary_key=True),
                _counter("sessions"),
                _counter("turns"),
                _counter("completed_without_staff"),
                _counter("handed_off"),
            ],
        ),
    }


def state_tables() -> dict[str, tuple[str, list[sa.Column]]]:
    return {
        "ticket_journeys": (
            "Each recent ticket as far as records knows it (to compute waits and handling times)",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("ticket_id", sa.Text, primary_key=True),
                sa.Column("service", sa.Text, nullable=False),
                sa.Column("channel", sa.Text, nullable=False),
                sa.Column("status", sa.Text, nullable=False),
                sa.Column("last_at", TS, nullable=False),
                sa.Column("issued_at", TS),
                sa.Column("first_called_at", TS),
                sa.Column("called_at", TS),
                sa.Column("started_at", TS),
                sa.Column("window_id", sa.Text),
                sa.Column("staff_id", sa.Text),
                sa.Column("wait_counted", sa.Boolean, nullable=False),
                sa.Column("ended", sa.Boolean, nullable=False),
            ],
        ),
        "window_staff": (
            "The newest state of each window: who staffs it",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("window_id", sa.Text, primary_key=True),
                sa.Column("staff_id", sa.Text),
                sa.Column("state", sa.Text, nullable=False),
                sa.Column("at", TS, nullable=False),
            ],
        ),
        "voice_sessions": (
            "Each recent digital-employee session and how it went",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("session_id", sa.Text, primary_key=True),
                sa.Column("day", sa.Date, nullable=False),
                sa.Column("handed_off", sa.Boolean, nullable=False),
                sa.Column("completed", sa.Boolean, nullable=False),
                sa.Column("last_at", TS, nullable=False),
            ],
        ),
        "alert_states": (
            "Each recent alert: raised once, escalated or not",
            [
                sa.Column("branch_id", sa.Text, primary_key=True),
                sa.Column("alert_id", sa.Text, primary_key=True),
                sa.Column("kind", sa.Text, nullable=False),
                sa.Column("day", sa.Date, nullable=False),
                sa.Column("raised_at", TS, nullable=False),
                sa.Column("escalated", sa.Boolean, nullable=False),
                sa.Column("last_at", TS, nullable=False),
            ],
        ),
    }


def upgrade() -> None:
    for table, (topic, columns) in raw_tables().items():
        op.create_table(
            table,
            sa.Column("event_id", sa.Text, nullable=False),
            sa.Column("at", TS, nullable=False, comment="the event time (data.at): the partition key"),
            sa.Column("branch_id", sa.Text, nullable=False),
            sa.Column("envelope", JSONB, nullable=False, comment="the CloudEvent as received (masked if needed)"),
            *columns,
            sa.PrimaryKeyConstraint("event_id", "at", name=f"{table}_pkey"),
            comment=f"Every {topic} event, one partition per UTC day ({table}_pYYYYMMDD)",
            postgresql_partition_by="RANGE (at)",
        )
        op.create_index(f"{table}_by_branch", table, ["branch_id", "at"])
    for table, (comment, columns) in rollup_tables().items():
        op.create_table(table, *columns, comment=comment)
    for name in ("rollup_window_day", "rollup_staff_day", "rollup_alert_day", "rollup_kyc_day", "rollup_voice_day"):
        op.create_index(f"{name}_by_day", name, ["day"])
    for name in ("rollup_service_interval", "rollup_wait_buckets", "rollup_footfall_interval"):
        op.create_index(f"{name}_by_time", name, ["interval_start"])
    for table, (comment, columns) in state_tables().items():
        op.create_table(table, *columns, comment=comment)
    # state and counters are updated in place all day: room on each page for the new versions, and no index on
    # a column that changes (the retention job's daily delete scans these small tables instead), so updates
    # stay heap-only (HOT)
    for table in (*state_tables(), *rollup_tables()):
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 80)")


def downgrade() -> None:
    for table in (*state_tables(), *rollup_tables(), *raw_tables()):
        op.drop_table(table)  # a partitioned table goes with its partitions
