"""Branch reports from the rollups (docs/records-reports-api.md): the Totals of a day or a period, the day's
intervals, and the sections per service, window, staff member, alert kind, KYC decision and voice.

Pure: the adapter reads rollup rows (:class:`ReportData`), this module adds them up and shapes the JSON.

- Durations are minutes with 1 decimal (``_s``: seconds), shares 0..1 with 3 decimals; a ratio or an average
  without a denominator is ``None`` (never 0 for "unknown").
- ``within_target_share`` counts abandoned tickets as missed: within target / (waits counted + abandoned).
- Percentiles come from the summed minute buckets (domain/waits.py), never a median of medians.
- ``ratings`` and ``rating_avg`` of the totals are the windows' (a rating pad sits at a window).
- Voice containment: sessions completed without staff / sessions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Self

from services.records.domain import occupancy, waits
from services.records.domain.intervals import INTERVAL_MIN
from services.records.domain.rollups import ALERT_SUMS, TICKET_OUTCOMES, TICKET_SUMS, VOICE_SUMS, WORK_SUMS

BRANCH_MAX_DAYS = 92
"""The longest span a branch's period report covers (inclusive days)."""

Json = dict[str, Any]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ------------------------------------------------------------------------------------------------ query errors
class ReportQueryError(ValueError):
    """A report's query is refused; ``reason`` is the problem's machine-readable reason."""

    status = 400
    reason = "bad_query"
    title = "Bad query"


class BadDate(ReportQueryError):
    reason = "bad_date"
    title = "Bad date"


class BadRange(ReportQueryError):
    reason = "bad_range"
    title = "Bad range"


class RangeTooLong(ReportQueryError):
    status = 422
    reason = "range_too_long"
    title = "Range too long"

    def __init__(self, days: int, limit: int) -> None:
        super().__init__(f"the range covers {days} days; at most {limit}")
        self.days = days
        self.limit = limit


def parse_date(text: str, name: str = "date") -> dt.date:
    """A ``YYYY-MM-DD`` date (BadDate otherwise)."""
    if not _DATE.match(text):
        raise BadDate(f"{name} {text!r} is not a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadDate(f"{name} {text!r} is not a date YYYY-MM-DD") from None


def date_range(first: str, last: str, max_days: int = BRANCH_MAX_DAYS) -> tuple[dt.date, dt.date]:
    """The inclusive range ``first``..``last``: BadDate, BadRange (first after last), RangeTooLong."""
    start, end = parse_date(first, "from"), parse_date(last, "to")
    if start > end:
        raise BadRange(f"from {start} is after to {end}")
    days = (end - start).days + 1
    if days > max_days:
        raise RangeTooLong(days, max_days)
    return start, end


def dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the local ``day`` (23 or 25 hours on a daylight-saving change)."""
    start = dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    return start, end


def day_intervals(day: dt.date, tz: dt.tzinfo) -> list[dt.datetime]:
    """Every local quarter hour of ``day`` as the UTC instant it starts at."""
    start, end = day_bounds(day, tz)
    step = dt.timedelta(minutes=INTERVAL_MIN)
    out = []
    at = start
    while at < end:
        out.append(at)
        at += step
    return out


def instant(at: dt.datetime) -> str:
    """An ISO-8601 UTC instant, ``Z``, whole seconds."""
    return at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------------------------------------ counters
@dataclass
class _Counts:
    """Counters that add up field by field (a subclass declares one field per counter of its rollup)."""

    def add(self, other: Self) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class TicketCounts(_Counts):
    """The counters of rollup_service_interval (any span: they add up)."""

    arrivals: int = 0
    called: int = 0
    served: int = 0
    no_show: int = 0
    abandoned: int = 0
    cancelled: int = 0
    transferred: int = 0
    waits: int = 0
    wait_s_sum: float = 0.0
    within_target: int = 0
    handled: int = 0
    handling_s_sum: float = 0.0


@dataclass
class WorkCounts(_Counts):
    """The counters of rollup_window_day and rollup_staff_day."""

    served: int = 0
    no_show: int = 0
    handled: int = 0
    handling_s_sum: float = 0.0
    ratings: int = 0
    rating_sum: int = 0


@dataclass
class AlertCounts(_Counts):
    raised: int = 0
    escalated: int = 0
    acknowledged: int = 0
    ack_s_sum: float = 0.0
    expired: int = 0


@dataclass
class VoiceCounts(_Counts):
    sessions: int = 0
    turns: int = 0
    completed_without_staff: int = 0
    handed_off: int = 0


for _kind, _sums in (
    (TicketCounts, TICKET_SUMS),
    (WorkCounts, WORK_SUMS),
    (AlertCounts, ALERT_SUMS),
    (VoiceCounts, VOICE_SUMS),
):
    assert tuple(f.name for f in fields(_kind)) == _sums, f"{_kind.__name__} is not the rollup's counters"


# ------------------------------------------------------------------------------------------------ rows read
@dataclass(frozen=True)
class TicketRow:
    """Tickets of one service on one day, per interval (``interval_start``) or for the whole day (None)."""

    day: dt.date
    service: str
    target_wait_min: int
    counts: TicketCounts
    interval_start: dt.datetime | None = None


@dataclass(frozen=True)
class BucketRow:
    day: dt.date
    service: str
    bucket: int
    tickets: int
    interval_start: dt.datetime | None = None


@dataclass(frozen=True)
class FootfallRow:
    day: dt.date
    entered: int
    interval_start: dt.datetime | None = None


@dataclass(frozen=True)
class WorkRow:
    day: dt.date
    id: str
    counts: WorkCounts


@dataclass(frozen=True)
class AlertRow:
    day: dt.date
    kind: str
    counts: AlertCounts


@dataclass(frozen=True)
class KycRow:
    day: dt.date
    decision: str
    count: int


@dataclass(frozen=True)
class VoiceRow:
    day: dt.date
    counts: VoiceCounts


@dataclass
class ReportData:
    """Rollup rows of one branch over a span of days.

    ``per_service`` None: ``tickets`` and ``buckets`` are rows per day and service (or interval), summed both
    ways. Else a period read from the day summaries: ``tickets`` and ``buckets`` hold each day's sums over the
    services (``service`` unused) and ``per_service`` each service's sums over the days (its ``day`` and target:
    those of its newest interval)."""

    tickets: list[TicketRow] = field(default_factory=list)
    buckets: list[BucketRow] = field(default_factory=list)
    per_service: tuple[list[TicketRow], list[BucketRow]] | None = None
    footfall: list[FootfallRow] = field(default_factory=list)
    windows: list[WorkRow] = field(default_factory=list)
    staff: list[WorkRow] = field(default_factory=list)
    alerts: list[AlertRow] = field(default_factory=list)
    kyc: list[KycRow] = field(default_factory=list)
    voice: list[VoiceRow] = field(default_factory=list)
    occupancy: list[occupancy.OccupancyHour] = field(default_factory=list)
    """The day's hourly occupancy grids (a day report only)."""


@dataclass(frozen=True)
class WindowEvent:
    at: dt.datetime
    window_id: str
    state: str


@dataclass(frozen=True)
class PlanInterval:
    """One interval of a staffing plan: its local start ``HH:MM`` and the windows planned open (all services)."""

    start: str
    windows: int


@dataclass(frozen=True)
class DayExtras:
    """What a day's report reads besides the rollups (raw rows of the day; None: no such event that day)."""

    forecast: Mapping[dt.datetime, float] = field(default_factory=dict)
    window_events: Sequence[WindowEvent] | None = None
    plan: Sequence[PlanInterval] | None = None


# ------------------------------------------------------------------------------------------------ figures
def share(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(part / whole, 3)


def minutes(seconds: float, count: int) -> float | None:
    return None if count <= 0 else round(seconds / count / 60, 1)


def mean(total: float, count: int, digits: int) -> float | None:
    return None if count <= 0 else round(total / count, digits)


def percentile_min(histogram: Mapping[int, int], q: float) -> float | None:
    found = waits.percentile(histogram, q)
    return None if found is None else round(found, 1)


def within_target_share(tickets: TicketCounts) -> float | None:
    """Abandoned tickets count as missed."""
    return share(tickets.within_target, tickets.waits + tickets.abandoned)


@dataclass
class Figures:
    """Everything additive a Totals object is computed from."""

    tickets: TicketCounts = field(default_factory=TicketCounts)
    histogram: Counter[int] = field(default_factory=Counter)
    ratings: int = 0
    rating_sum: int = 0
    footfall_entered: int = 0
    alerts: AlertCounts = field(default_factory=AlertCounts)
    voice: VoiceCounts = field(default_factory=VoiceCounts)
    kyc: int = 0

    def add(self, other: Figures) -> None:
        self.tickets.add(other.tickets)
        self.histogram.update(other.histogram)
        self.ratings += other.ratings
        self.rating_sum += other.rating_sum
        self.footfall_entered += other.footfall_entered
        self.alerts.add(other.alerts)
        self.voice.add(other.voice)
        self.kyc += other.kyc


TOTALS_FIELDS: tuple[str, ...] = (
    *TICKET_OUTCOMES,
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
"""The fields of a Totals object, in the contract's order (a sort key of the head-office ranking, CSV columns)."""


def totals(f: Figures) -> Json:
    """The Totals of a branch's day or period and of the head office's branches, days and network: counts, then
    shares (0..1, 3 decimals) and averages (1 decimal; the rating's 2), null without a denominator."""
    t, a, v = f.tickets, f.alerts, f.voice
    out: Json = {
        **{name: getattr(t, name) for name in TICKET_OUTCOMES},
        "within_target_share": within_target_share(t),
        "wait_p50_min": percentile_min(f.histogram, 50),
        "wait_p90_min": percentile_min(f.histogram, 90),
        "handling_min_avg": minutes(t.handling_s_sum, t.handled),
        "ratings": f.ratings,
        "rating_avg": mean(f.rating_sum, f.ratings, 2),
        "footfall_entered": f.footfall_entered,
        "alerts_raised": a.raised,
        "alerts_acknowledged": a.acknowledged,
        "alert_ack_s_avg": mean(a.ack_s_sum, a.acknowledged, 1),
        "alerts_expired": a.expired,
        "voice_sessions": v.sessions,
        "voice_completed_without_staff": v.completed_without_staff,
        "voice_handed_off": v.handed_off,
        "voice_containment": share(v.completed_without_staff, v.sessions),
        "kyc_decisions": f.kyc,
    }
    assert tuple(out) == TOTALS_FIELDS
    return out


def figures_by_day(data: ReportData) -> dict[dt.date, Figures]:
    by_day: dict[dt.date, Figures] = {}

    def of(day: dt.date) -> Figures:
        found = by_day.get(day)
        if found is None:
            found = by_day[day] = Figures()
        return found

    for ticket in data.tickets:
        of(ticket.day).tickets.add(ticket.counts)
    for b in data.buckets:
        of(b.day).histogram[b.bucket] += b.tickets
    for window in data.windows:
        f = of(window.day)
        f.ratings += window.counts.ratings
        f.rating_sum += window.counts.rating_sum
    for footfall in data.footfall:
        of(footfall.day).footfall_entered += footfall.entered
    for alert in data.alerts:
        of(alert.day).alerts.add(alert.counts)
    for voice in data.voice:
        of(voice.day).voice.add(voice.counts)
    for kyc in data.kyc:
        of(kyc.day).kyc += kyc.count
    return by_day


def sum_figures(parts: Iterable[Figures]) -> Figures:
    out = Figures()
    for part in parts:
        out.add(part)
    return out


# ------------------------------------------------------------------------------------------------ sections
def services(data: ReportData) -> list[Json]:
    counts: dict[str, TicketCounts] = {}
    targets: dict[str, tuple[dt.date, dt.datetime | None, int]] = {}
    histograms: dict[str, Counter[int]] = {}
    tickets, buckets = data.per_service or (data.tickets, data.buckets)
    for row in tickets:
        counts.setdefault(row.service, TicketCounts()).add(row.counts)
        seen = targets.get(row.service)
        when = (row.day, row.interval_start)
        if seen is None or _later(when, seen[:2]):
            targets[row.service] = (row.day, row.interval_start, row.target_wait_min)  # the newest target
    for b in buckets:
        histograms.setdefault(b.service, Counter())[b.bucket] += b.tickets
    out = []
    for service in sorted(counts):
        t, h = counts[service], histograms.get(service, Counter())
        out.append(
            {
                "service": service,
                "target_wait_min": targets[service][2],
                "arrivals": t.arrivals,
                "served": t.served,
                "abandoned": t.abandoned,
                "within_target_share": within_target_share(t),
                "wait_p50_min": percentile_min(h, 50),
                "wait_p90_min": percentile_min(h, 90),
                "handling_min_avg": minutes(t.handling_s_sum, t.handled),
                "called": t.called,
                "no_show": t.no_show,
            }
        )
    return out


def _later(a: tuple[dt.date, dt.datetime | None], b: tuple[dt.date, dt.datetime | None]) -> bool:
    if a[0] != b[0]:
        return a[0] > b[0]
    return a[1] is not None and (b[1] is None or a[1] > b[1])


def workers(rows: Iterable[WorkRow], key: str) -> list[Json]:
    """Per window (``key`` window_id) or staff member (staff_id): served, handling time, ratings."""
    summed: dict[str, WorkCounts] = {}
    for row in rows:
        summed.setdefault(row.id, WorkCounts()).add(row.counts)
    return [
        {
            key: ident,
            "served": w.served,
            "handling_min_avg": minutes(w.handling_s_sum, w.handled),
            "ratings": w.ratings,
            "rating_avg": mean(w.rating_sum, w.ratings, 2),
            "no_show": w.no_show,
        }
        for ident, w in sorted(summed.items())
    ]


def alerts(rows: Iterable[AlertRow]) -> list[Json]:
    summed: dict[str, AlertCounts] = {}
    for row in rows:
        summed.setdefault(row.kind, AlertCounts()).add(row.counts)
    return [
        {
            "kind": kind,
            "raised": a.raised,
            "escalated": a.escalated,
            "acknowledged": a.acknowledged,
            "ack_s_avg": mean(a.ack_s_sum, a.acknowledged, 1),
            "expired": a.expired,
        }
        for kind, a in sorted(summed.items())
    ]


def kyc(rows: Iterable[KycRow]) -> list[Json]:
    summed: Counter[str] = Counter()
    for row in rows:
        summed[row.decision] += row.count
    return [{"decision": decision, "count": count} for decision, count in sorted(summed.items())]


def voice(rows: Iterable[VoiceRow]) -> Json:
    v = VoiceCounts()
    for row in rows:
        v.add(row.counts)
    return {
        "sessions": v.sessions,
        "turns": v.turns,
        "completed_without_staff": v.completed_without_staff,
        "handed_off": v.handed_off,
        "containment": share(v.completed_without_staff, v.sessions),
    }


# ------------------------------------------------------------------------------------------------ intervals
def windows_open(events: Sequence[WindowEvent], starts: Sequence[dt.datetime]) -> dict[dt.datetime, int]:
    """Windows open at each start: each window's newest state at or before it (the events replayed in time
    order; those before the day carry their state into it)."""
    ordered = sorted(events, key=lambda e: e.at)
    state: dict[str, str] = {}
    out: dict[dt.datetime, int] = {}
    i = 0
    for start in sorted(starts):
        while i < len(ordered) and ordered[i].at <= start:
            state[ordered[i].window_id] = ordered[i].state
            i += 1
        out[start] = sum(1 for s in state.values() if s == "open")
    return out


def _clock_minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def windows_planned(plan: Sequence[PlanInterval], local_times: Sequence[str]) -> dict[str, int]:
    """The windows the plan opens at each local ``HH:MM``: its interval that covers that time (an interval
    lasts until the next one starts; the last as long as the one before it); 0 outside the plan's hours."""
    ordered = sorted(plan, key=lambda p: _clock_minutes(p.start))
    starts = [_clock_minutes(p.start) for p in ordered]
    gaps = [b - a for a, b in itertools.pairwise(starts) if b > a]
    step = min(gaps) if gaps else INTERVAL_MIN
    out: dict[str, int] = {}
    for hhmm in local_times:
        minute = _clock_minutes(hhmm)
        covering = 0
        for n, begin in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else begin + step
            if begin <= minute < end:
                covering = ordered[n].windows
                break
        out[hhmm] = covering
    return out


def intervals(data: ReportData, extras: DayExtras, tz: dt.tzinfo) -> list[Json]:
    """The day's intervals with any data (tickets, footfall or a forecast), in time order."""
    counts: dict[dt.datetime, TicketCounts] = {}
    histograms: dict[dt.datetime, Counter[int]] = {}
    entered: Counter[dt.datetime] = Counter()
    for row in data.tickets:
        if row.interval_start is not None:
            counts.setdefault(row.interval_start, TicketCounts()).add(row.counts)
    for b in data.buckets:
        if b.interval_start is not None:
            histograms.setdefault(b.interval_start, Counter())[b.bucket] += b.tickets
    for f in data.footfall:
        if f.interval_start is not None:
            entered[f.interval_start] += f.entered
    starts = sorted({*counts, *entered, *extras.forecast})
    local = {s: s.astimezone(tz).strftime("%H:%M") for s in starts}
    opened = windows_open(extras.window_events, starts) if extras.window_events is not None else None
    planned = windows_planned(extras.plan, list(local.values())) if extras.plan is not None else None
    out = []
    for s in starts:
        t, h = counts.get(s, TicketCounts()), histograms.get(s, Counter())
        forecast = extras.forecast.get(s)
        out.append(
            {
                "start": instant(s),
                "local": local[s],
                "arrivals": t.arrivals,
                "forecast": None if forecast is None else round(forecast, 2),
                "served": t.served,
                "abandoned": t.abandoned,
                "within_target_share": within_target_share(t),
                "wait_p50_min": percentile_min(h, 50),
                "wait_p90_min": percentile_min(h, 90),
                "footfall_entered": entered.get(s, 0),
                "windows_open": None if opened is None else opened[s],
                "windows_planned": None if planned is None else planned[local[s]],
            }
        )
    return out


# ------------------------------------------------------------------------------------------------ reports
def daily_report(
    branch_id: str,
    day: dt.date,
    timezone: str,
    tz: dt.tzinfo,
    generated_at: dt.datetime,
    data: ReportData,
    extras: DayExtras,
) -> Json:
    figures = figures_by_day(data).get(day, Figures())
    return {
        "branch_id": branch_id,
        "date": day.isoformat(),
        "timezone": timezone,
        "generated_at": instant(generated_at),
        "totals": totals(figures),
        "intervals": intervals(data, extras, tz),
        "services": services(data),
        "windows": workers(data.windows, "window_id"),
        "staff": workers(data.staff, "staff_id"),
        "alerts": alerts(data.alerts),
        "kyc": kyc(data.kyc),
        "voice": voice(data.voice),
        "occupancy": occupancy.section(data.occupancy),
    }


def period_report(branch_id: str, first: dt.date, last: dt.date, timezone: str, data: ReportData) -> Json:
    by_day = figures_by_day(data)
    span = dates(first, last)
    return {
        "branch_id": branch_id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": timezone,
        "totals": totals(sum_figures(by_day[d] for d in span if d in by_day)),
        "days": [{"date": d.isoformat(), **totals(by_day.get(d, Figures()))} for d in span],
        "services": services(data),
        "windows": workers(data.windows, "window_id"),
        "staff": workers(data.staff, "staff_id"),
        "alerts": alerts(data.alerts),
        "kyc": kyc(data.kyc),
        "voice": voice(data.voice),
    }


# ------------------------------------------------------------------------------------------------ audit
@dataclass(frozen=True)
class AuditEntry:
    version: int
    changed_at: dt.datetime
    subject: str
    role: str
    diff: Any


AUDIT_MAX_LIMIT = 200


def audit_page(branch_id: str, rows: Sequence[AuditEntry], limit: int) -> Json:
    """``rows``: up to ``limit + 1`` entries newest first; one more than ``limit`` means another page."""
    page = list(rows[:limit])
    more = len(rows) > limit
    return {
        "branch_id": branch_id,
        "entries": [
            {
                "version": e.version,
                "changed_at": instant(e.changed_at),
                "subject": e.subject,
                "role": e.role,
                "diff": e.diff,
            }
            for e in page
        ],
        "next_before_version": page[-1].version if more and page else None,
    }
