"""The hall's occupancy per camera and hour (``branchops.occupancy.v1``): raw events and an hourly rollup.

``events_occupancy`` keeps every occupancy event like the other raw tables (partitioned by the UTC day of its
time, key (event_id, at) so a redelivery is dropped). ``rollup_occupancy_hour`` holds, per branch, camera and
hour, the grid over the camera's frame (``cols`` x ``rows`` cells, row-major from the top left): the
person-seconds spent in each cell (foot points of confirmed tracks), the seconds the grid covered and the
most people seen at once. A camera worker that stopped mid-hour sends that hour in two events: the grids add
up cell by cell, the seconds add, the peak is the larger one. Counts only: no image, no box, no track.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
RAW = "events_occupancy"
ROLLUP = "rollup_occupancy_hour"


def upgrade() -> None:
    op.create_table(
        RAW,
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False, comment="the event time (data.at): the partition key"),
        sa.Column("branch_id", sa.Text, nullable=False),
        sa.Column("envelope", JSONB, nullable=False, comment="the CloudEvent as received (counts only)"),
        sa.Column("camera_id", sa.Text, nullable=False),
        sa.Column("hour_start", TS, nullable=False),
        sa.Column("hour_end", TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", "at", name=f"{RAW}_pkey"),
        comment=f"Every branchops.occupancy.v1 event, one partition per UTC day ({RAW}_pYYYYMMDD)",
        postgresql_partition_by="RANGE (at)",
    )
    op.create_index(f"{RAW}_by_branch", RAW, ["branch_id", "at"])
    op.create_table(
        ROLLUP,
        sa.Column("branch_id", sa.Text, primary_key=True),
        sa.Column("camera_id", sa.Text, primary_key=True),
        sa.Column("hour_start", TS, primary_key=True, comment="the start of the hour (UTC instant)"),
        sa.Column("day", sa.Date, nullable=False, comment="the branch's local day of hour_start"),
        sa.Column("hour", sa.SmallInteger, nullable=False, comment="the branch's local hour of hour_start (0-23)"),
        sa.Column("cols", sa.SmallInteger, nullable=False),
        sa.Column("rows", sa.SmallInteger, nullable=False),
        sa.Column(
            "person_s",
            ARRAY(DOUBLE_PRECISION),
            nullable=False,
            comment="person-seconds per cell, row-major from the top left (cols x rows values)",
        ),
        sa.Column("seconds", sa.Float, nullable=False, server_default="0", comment="seconds the grid covered"),
        sa.Column("peak", sa.Integer, nullable=False, server_default="0", comment="most people seen at once"),
        sa.CheckConstraint("cardinality(person_s) = cols * rows", name=f"{ROLLUP}_grid_fits"),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name=f"{ROLLUP}_hour"),
        comment="Occupancy grid of each camera's view per branch, camera and hour (counts only)",
    )
    op.create_index(f"{ROLLUP}_by_day", ROLLUP, ["branch_id", "day"])
    op.execute(f"ALTER TABLE {ROLLUP} SET (fillfactor = 80)")


def downgrade() -> None:
    op.drop_table(ROLLUP)
    op.drop_table(RAW)  # a partitioned table goes with its partitions
