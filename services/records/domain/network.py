"""Head-office reports over the network: the query's dates, the Totals of a branch, a day or the network from
the summed rollups, and the ranking of branches with the change against the period before.

Pure: the adapter (adapters/network_queries.py) sums the per-branch-day summary (``rollup_branch_day``,
migration 0004) into :data:`Sums` mappings keyed by :data:`SUM_NAMES` and :func:`wait_name` of each bucket.
The Totals shape is docs/records-reports-api.md's "Totals".
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.records.domain import waits
from services.records.domain.report import TOTALS_FIELDS, AlertCounts, Figures, TicketCounts, VoiceCounts
from services.records.domain.report import totals as _figures_totals
from services.records.domain.rollups import TICKET_SUMS, VOICE_SUMS

MAX_NETWORK_DAYS = 366
DEFAULT_DAYS = 30

OTHER_SUMS = (
    "ratings",
    "rating_sum",
    "footfall_entered",
    "footfall_exited",
    "alerts_raised",
    "alerts_escalated",
    "alerts_acknowledged",
    "alert_ack_s_sum",
    "alerts_expired",
    "kyc_decisions",
    "voice_sessions",
    "voice_turns",
    "voice_completed_without_staff",
    "voice_handed_off",
)


def wait_name(edge: int) -> str:
    """The sum of the waits in the bucket whose lower edge is ``edge`` minutes."""
    return f"wait_m{edge}"


WAIT_NAMES = tuple(wait_name(edge) for edge in waits.EDGES_MIN)
SUM_NAMES: tuple[str, ...] = (*TICKET_SUMS, *OTHER_SUMS, *WAIT_NAMES)
"""Every counter summed per branch and day (the columns of ``rollup_branch_day`` but its keys)."""

Sums = Mapping[str, float]

ROW_FIELDS = ("branch_id", "name", "rank", *TOTALS_FIELDS, "previous_within_target_share", "change_points")
"""A ranking row's fields, in order (the CSV's header)."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadReportQuery(ValueError):
    """A report query refused: ``status`` 400 (bad_date, bad_range, bad_sort) or 422 (range_too_long)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class DateRange:
    """Inclusive local dates."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        """The range of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return DateRange(end - dt.timedelta(days=self.days - 1), end)

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]


def parse_date(text: str, name: str) -> dt.date:
    if not _DATE.match(text):
        raise BadReportQuery(400, "bad_date", f"{name}={text!r} is not a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadReportQuery(400, "bad_date", f"{name}={text!r} is not a date YYYY-MM-DD") from None


def date_range(
    start: str | None,
    end: str | None,
    today: dt.date,
    *,
    max_days: int = MAX_NETWORK_DAYS,
    default_days: int = DEFAULT_DAYS,
) -> DateRange:
    """``from``/``to`` of a query: ``to`` defaults to ``today``, ``from`` to ``default_days`` days up to ``to``."""
    last = parse_date(end, "to") if end else today
    first = parse_date(start, "from") if start else last - dt.timedelta(days=default_days - 1)
    if first > last:
        raise BadReportQuery(400, "bad_range", f"from {first} is after to {last}")
    span = DateRange(first, last)
    if span.days > max_days:
        raise BadReportQuery(422, "range_too_long", f"{span.days} days asked for, at most {max_days}")
    return span


def sort_field(text: str | None) -> str:
    if text is None:
        return "within_target_share"
    if text not in TOTALS_FIELDS:
        raise BadReportQuery(400, "bad_sort", f"sort={text!r}: one of {', '.join(TOTALS_FIELDS)}")
    return text


def add(many: Iterable[Sums]) -> dict[str, float]:
    """The sums of several (branches of a day, days of a branch, ...)."""
    out = dict.fromkeys(SUM_NAMES, 0.0)
    for sums in many:
        for name in SUM_NAMES:
            out[name] += sums.get(name, 0) or 0
    return out


def histogram(sums: Sums) -> dict[int, int]:
    return {edge: int(sums.get(name, 0) or 0) for edge, name in zip(waits.EDGES_MIN, WAIT_NAMES, strict=True)}


def figures(sums: Sums) -> Figures:
    """The report's :class:`Figures` of summed counters (counts as whole numbers)."""

    def n(name: str) -> int:
        return int(sums.get(name, 0) or 0)

    def f(name: str) -> float:
        return float(sums.get(name, 0) or 0)

    return Figures(
        tickets=TicketCounts(
            **{name: n(name) for name in TICKET_SUMS if not name.endswith("_s_sum")},
            wait_s_sum=f("wait_s_sum"),
            handling_s_sum=f("handling_s_sum"),
        ),
        histogram=Counter(histogram(sums)),
        ratings=n("ratings"),
        rating_sum=n("rating_sum"),
        footfall_entered=n("footfall_entered"),
        alerts=AlertCounts(
            raised=n("alerts_raised"),
            escalated=n("alerts_escalated"),
            acknowledged=n("alerts_acknowledged"),
            ack_s_sum=f("alert_ack_s_sum"),
            expired=n("alerts_expired"),
        ),
        voice=VoiceCounts(**{name: n(f"voice_{name}") for name in VOICE_SUMS}),
        kyc=n("kyc_decisions"),
    )


def totals(sums: Sums) -> dict[str, Any]:
    """The Totals of summed counters, as a branch's report computes them (domain/report.py :func:`totals`)."""
    return _figures_totals(figures(sums))


def change_points(current: float | None, previous: float | None) -> float | None:
    """The difference of two shares in percentage points (1 decimal); null when either is null."""
    if current is None or previous is None:
        return None
    return round((current - previous) * 100, 1)


def _share(sums: Sums | None) -> float | None:
    if sums is None:
        return None
    share: float | None = totals(sums)["within_target_share"]
    return share


def ranking(
    current: Mapping[str, Sums],
    previous: Mapping[str, Sums],
    names: Mapping[str, str | None],
    *,
    sort: str = "within_target_share",
    descending: bool = True,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Every branch of ``current``, ``previous`` or ``names`` with its Totals over the range, ranked by ``sort``
    (nulls last whatever the order; ties by branch id), with its share within target of the range before and
    the change in points. ``limit`` keeps the first rows."""
    branches = sorted({*current, *previous, *names})
    rows = []
    for branch in branches:
        mine = totals(current.get(branch, {}))
        before = _share(previous.get(branch, {}))
        rows.append(
            {
                "branch_id": branch,
                "name": names.get(branch),
                "rank": 0,
                **mine,
                "previous_within_target_share": before,
                "change_points": change_points(mine["within_target_share"], before),
            }
        )
    known = [r for r in rows if r[sort] is not None]
    unknown = [r for r in rows if r[sort] is None]
    known.sort(key=lambda r: r["branch_id"])
    known.sort(key=lambda r: r[sort], reverse=descending)  # stable: ties stay by branch id
    ordered = known + unknown
    for position, row in enumerate(ordered, start=1):
        row["rank"] = position
    return ordered if limit is None else ordered[:limit]


def day_series(span: DateRange, by_day: Mapping[dt.date, Sums]) -> list[dict[str, Any]]:
    """One entry per date of ``span`` (zeros included): ``{"date", ...Totals}``."""
    return [{"date": day.isoformat(), **totals(by_day.get(day, {}))} for day in span.dates()]


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value != int(value) else f"{value:.1f}"
    return str(value)


def csv_lines(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The header and one line per ranking row (null as an empty cell)."""
    return [list(ROW_FIELDS), *([csv_cell(row.get(name)) for name in ROW_FIELDS] for row in rows)]
