"""Head-office reports over the network: the query's dates, the Totals of a branch, a day or the network from
the summed rollups, and the ranking of branches with the change against the period before.

Pure: the adapter (adapters/network_queries.py) sums the per-branch-day summary (``rollup_branch_day``,
migration 0004) into :data:`Sums` mappings keyed by :data:`SUM_NAMES` and :func:`wait_name` of each bucket.
The Totals shape is docs/records-reports-api.md's "Totals".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.records.domain import waits

MAX_NETWORK_DAYS = 366
DEFAULT_DAYS = 30

TICKET_SUMS = (
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

TOTALS_FIELDS = (
    "arrivals",
    "called",
    "served",
    "no_show",
    "abandoned",
    "cancelled",
    "transferred",
    "within_target_share",
    "wait_p50_min",
    "wait_p90_min",
    "handling_min_avg",
    "ratings",
    "rating_avg",
    "footfall_entered",
    "alerts_raised",
    "alerts_acknowledged",
    "alert_ack_s_avg",
    "alerts_expired",
    "voice_sessions",
    "voice_completed_without_staff",
    "voice_handed_off",
    "voice_containment",
    "kyc_decisions",
)
"""The Totals fields, in the contract's order; each may be a ranking's ``sort``."""
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


def _ratio(numerator: float, denominator: float, digits: int, scale: float = 1.0) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator / scale, digits)


def _one(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def histogram(sums: Sums) -> dict[int, int]:
    return {edge: int(sums.get(name, 0) or 0) for edge, name in zip(waits.EDGES_MIN, WAIT_NAMES, strict=True)}


def totals(sums: Sums) -> dict[str, Any]:
    """The Totals of summed counters: counts, then shares (0..1, 3 decimals) and averages (1 decimal), null
    without a denominator (the rating average 2 decimals, as the branch reports). ``within_target_share`` counts
    abandoned tickets as missed; ratings are the windows' (a rating pad sits at a window)."""

    def n(name: str) -> int:
        return int(sums.get(name, 0) or 0)

    def f(name: str) -> float:
        return float(sums.get(name, 0) or 0)

    buckets = histogram(sums)
    return {
        "arrivals": n("arrivals"),
        "called": n("called"),
        "served": n("served"),
        "no_show": n("no_show"),
        "abandoned": n("abandoned"),
        "cancelled": n("cancelled"),
        "transferred": n("transferred"),
        "within_target_share": _ratio(f("within_target"), f("waits") + f("abandoned"), 3),
        "wait_p50_min": _one(waits.percentile(buckets, 50)),
        "wait_p90_min": _one(waits.percentile(buckets, 90)),
        "handling_min_avg": _ratio(f("handling_s_sum"), f("handled"), 1, 60.0),
        "ratings": n("ratings"),
        "rating_avg": _ratio(f("rating_sum"), f("ratings"), 2),
        "footfall_entered": n("footfall_entered"),
        "alerts_raised": n("alerts_raised"),
        "alerts_acknowledged": n("alerts_acknowledged"),
        "alert_ack_s_avg": _ratio(f("alert_ack_s_sum"), f("alerts_acknowledged"), 1),
        "alerts_expired": n("alerts_expired"),
        "voice_sessions": n("voice_sessions"),
        "voice_completed_without_staff": n("voice_completed_without_staff"),
        "voice_handed_off": n("voice_handed_off"),
        "voice_containment": _ratio(f("voice_completed_without_staff"), f("voice_sessions"), 3),
        "kyc_decisions": n("kyc_decisions"),
    }


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
