"""Interval arithmetic in a branch's time zone: 15-minute intervals and local days.

An interval starts at a local wall-clock quarter hour (09:00, 09:15, ...) of the branch's zone and is kept as
the UTC instant it starts at; its day is the local date. Zones whose offset is not a whole quarter hour
still get local quarter hours.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

INTERVAL_MIN = 15
DEFAULT_TIME_ZONE = "Asia/Shanghai"
_INTERVAL_S = INTERVAL_MIN * 60


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The IANA zone ``name``; the default zone (Asia/Shanghai) when it is empty or unknown."""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


def interval_start(at: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The start (UTC) of the local 15-minute interval ``at`` falls in. ``at`` must be aware."""
    local = at.astimezone(tz)
    floored = local.replace(minute=local.minute - local.minute % INTERVAL_MIN, second=0, microsecond=0)
    return floored.astimezone(dt.UTC)


def local_day(at: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return at.astimezone(tz).date()


def utc_day(at: dt.datetime) -> dt.date:
    """The UTC date of ``at``: the day partition its raw event goes to."""
    return at.astimezone(dt.UTC).date()


class Calendar:
    """:func:`interval_start` and :func:`local_day` of one zone, remembered per UTC quarter hour (a batch's
    events cluster in time, and a zone's offset changes on quarter hours), so most calls are a dict lookup."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self._intervals: dict[int, tuple[dt.datetime, dt.date]] = {}
        self._days: dict[int, dt.date] = {}

    def interval(self, at: dt.datetime) -> tuple[dt.datetime, dt.date]:
        """(interval start in UTC, its local day)."""
        quarter = int(at.timestamp() // _INTERVAL_S)
        found = self._intervals.get(quarter)
        if found is None:
            start = interval_start(at, self.tz)
            found = self._intervals[quarter] = (start, local_day(start, self.tz))
        return found

    def day(self, at: dt.datetime) -> dt.date:
        quarter = int(at.timestamp() // _INTERVAL_S)
        found = self._days.get(quarter)
        if found is None:
            found = self._days[quarter] = local_day(at, self.tz)
        return found
