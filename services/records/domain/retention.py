"""How long each table keeps its rows, and the day partitions of the raw tables.

Raw tables drop whole day partitions older than their retention; rollup and state tables delete rows whose
day (or time) is older. ``RECORDS_RETENTION_DAYS`` (JSON, table -> days) overrides the defaults below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from services.records.domain.history import RAW_TABLE_NAMES
from services.records.domain.rollups import ROLLUPS

RAW_DEFAULT_DAYS = 90
ROLLUP_DEFAULT_DAYS = 800  # two years and a bit: this month against the same month last year
STATE_DEFAULT_DAYS = 7  # tickets, voice sessions and alerts in progress; a day is plenty, a week is kind

STATE_TABLES: dict[str, str] = {
    "ticket_journeys": "last_at",
    "window_staff": "at",
    "voice_sessions": "last_at",
    "alert_states": "last_at",
    "window_staffing": "until",  # an interval that ended (the one in force has none)
    "staff_credits": "at",
}
"""State kept to compute the rollups (table -> its time column)."""
ROLLUP_TIME_COLUMNS: dict[str, str] = {
    **{spec.table: ("interval_start" if "interval_start" in spec.keys else "day") for spec in ROLLUPS},
    "rollup_occupancy_hour": "day",  # the hourly occupancy grids (domain/occupancy.py, migration 0008)
}

DEFAULT_RETENTION_DAYS: dict[str, int] = {
    **dict.fromkeys(RAW_TABLE_NAMES, RAW_DEFAULT_DAYS),
    "events_queue_forecast": 14,  # a forecast every few seconds per branch: large, and stale within the day
    "events_camera_status": 30,
    **dict.fromkeys(ROLLUP_TIME_COLUMNS, ROLLUP_DEFAULT_DAYS),
    **dict.fromkeys(STATE_TABLES, STATE_DEFAULT_DAYS),
}
MAX_DAYS = 3660

_PARTITION = re.compile(r"^(?P<table>[a-z_]+)_p(?P<day>\d{8})$")


def retention_days(overrides: Mapping[str, int]) -> dict[str, int]:
    """The defaults with ``overrides`` applied; ValueError names an unknown table or a bad number of days."""
    unknown = sorted(set(overrides) - set(DEFAULT_RETENTION_DAYS))
    if unknown:
        raise ValueError(f"no table {', '.join(unknown)} (tables: {', '.join(sorted(DEFAULT_RETENTION_DAYS))})")
    for table, days in overrides.items():
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"{table}: keep rows 1 to {MAX_DAYS} days, not {days}")
    return {**DEFAULT_RETENTION_DAYS, **overrides}


def partition_name(table: str, day: dt.date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def partition_day(table: str, name: str) -> dt.date | None:
    """The day of a partition called ``name`` of ``table``; None for any other name."""
    match = _PARTITION.match(name)
    if match is None or match["table"] != table:
        return None
    try:
        return dt.datetime.strptime(match["day"], "%Y%m%d").date()
    except ValueError:
        return None


def first_kept_day(today: dt.date, days: int) -> dt.date:
    """Rows of this day and later are kept: today and the ``days`` full days before it."""
    return today - dt.timedelta(days=days)


def expired_partitions(table: str, names: Iterable[str], today: dt.date, days: int) -> list[str]:
    keep_from = first_kept_day(today, days)
    return sorted(n for n in names if (day := partition_day(table, n)) is not None and day < keep_from)


def days_ahead(today: dt.date, ahead: int) -> list[dt.date]:
    """Yesterday (late events) to ``ahead`` days from today: the partitions made at start and every run."""
    return [today + dt.timedelta(days=d) for d in range(-1, ahead + 1)]
