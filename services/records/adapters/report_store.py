"""Reads for the branch reports: rollup rows of a branch over a span of local days, the day's raw forecast,
window and plan events, and the configuration audit log.

The day's hourly occupancy grids (``rollup_occupancy_hour``, migration 0008) are read by branch and local day.
Every rollup query is keyed by the branch and its local ``day``s (the wait buckets, which have no day, by the
UTC bounds of that day in ``interval_start``), served by the indexes of migrations 0003 and 0004. A day report
reads the 15-minute rows (it shows intervals); a period report reads tickets and waits from the day summary
``rollup_service_day`` (migration 0004: a row per day and service) and the other sections from the day rollups.
The raw tables are read for one branch and one day through their (branch_id, at) index, the event time
bounding the partitions scanned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.records.adapters.database import DatabaseUnavailable, is_connection_error
from services.records.domain import waits
from services.records.domain.occupancy import OccupancyHour
from services.records.domain.report import (
    AlertCounts,
    AlertRow,
    AuditEntry,
    BucketRow,
    DayExtras,
    FootfallRow,
    KycRow,
    PlanInterval,
    ReportData,
    TicketCounts,
    TicketRow,
    VoiceCounts,
    VoiceRow,
    WindowEvent,
    WorkCounts,
    WorkRow,
)
from services.records.domain.rollups import ALERT_SUMS as ALERT_SUMS
from services.records.domain.rollups import TICKET_SUMS as TICKET_SUMS
from services.records.domain.rollups import VOICE_SUMS as VOICE_SUMS
from services.records.domain.rollups import WORK_SUMS as WORK_SUMS

T = TypeVar("T")

WAIT_COLUMNS = tuple(f"wait_m{edge}" for edge in waits.EDGES_MIN)
"""The wait buckets as columns of the day summaries (migration 0004), one per lower edge in minutes."""
WINDOW_LOOKBACK = dt.timedelta(days=1)
"""Window events this long before the day carry their state into it (a window left open overnight)."""
PLAN_LOOKBACK = dt.timedelta(days=7)
"""A day's plan may be published this long before the day."""


def _sums(names: Sequence[str]) -> str:
    return ", ".join(f"sum({n}) AS {n}" for n in names)


def _ints(row: Any, names: Sequence[str], kind: type[T]) -> T:
    mapping = row._mapping  # a new view on each access
    values = [(n, mapping[n] or 0) for n in names]
    return kind(**{n: (float(v) if isinstance(v, float) else int(v)) for n, v in values})


_DAY_TICKETS = text(
    f"SELECT day, service, interval_start, target_wait_min, {', '.join(TICKET_SUMS)} FROM rollup_service_interval"
    " WHERE branch_id = :b AND day = :first"
)
_DAY_BUCKETS = text(
    "SELECT service, interval_start, bucket, tickets FROM rollup_wait_buckets"
    " WHERE branch_id = :b AND interval_start >= :lo AND interval_start < :hi"
)
_DAY_FOOTFALL = text(
    "SELECT day, interval_start, sum(entered) AS entered FROM rollup_footfall_interval"
    " WHERE branch_id = :b AND day = :first GROUP BY day, interval_start"
)
_DAY_OCCUPANCY = text(
    "SELECT branch_id, camera_id, hour_start, day, hour, cols, rows, person_s, seconds, peak"
    " FROM rollup_occupancy_hour WHERE branch_id = :b AND day = :first ORDER BY camera_id, hour_start"
)
_SERVICE_DAY_SUMS = f"{_sums(TICKET_SUMS)}, array[{', '.join(f'sum({c})' for c in WAIT_COLUMNS)}] AS waits_by_bucket"
_PERIOD_DAYS = text(
    f"SELECT day, {_SERVICE_DAY_SUMS} FROM rollup_service_day"
    " WHERE branch_id = :b AND day >= :first AND day <= :last GROUP BY day"
)
_PERIOD_SERVICES = text(
    f"SELECT service, max(day) AS day, {_SERVICE_DAY_SUMS} FROM rollup_service_day"
    " WHERE branch_id = :b AND day >= :first AND day <= :last GROUP BY service"
)
_PERIOD_TARGETS = text(
    "SELECT DISTINCT ON (r.service) r.service, r.target_wait_min"
    " FROM unnest(CAST(:services AS text[]), CAST(:days AS date[])) AS n(service, day) JOIN rollup_service_interval r"
    " ON r.branch_id = :b AND r.day = n.day AND r.service = n.service ORDER BY r.service, r.interval_start DESC"
)
_PERIOD_FOOTFALL = text(
    "SELECT day, sum(entered) AS entered FROM rollup_footfall_interval"
    " WHERE branch_id = :b AND day >= :first AND day <= :last GROUP BY day"
)
_WINDOWS = text(
    f"SELECT day, window_id AS id, {', '.join(WORK_SUMS)} FROM rollup_window_day"
    " WHERE branch_id = :b AND day >= :first AND day <= :last"
)
_STAFF = text(
    f"SELECT day, staff_id AS id, {', '.join(WORK_SUMS)} FROM rollup_staff_day"
    " WHERE branch_id = :b AND day >= :first AND day <= :last"
)
_ALERTS = text(
    f"SELECT day, kind, {', '.join(ALERT_SUMS)} FROM rollup_alert_day"
    " WHERE branch_id = :b AND day >= :first AND day <= :last"
)
_KYC = text(
    "SELECT day, decision, decisions FROM rollup_kyc_day WHERE branch_id = :b AND day >= :first AND day <= :last"
)
_VOICE = text(
    f"SELECT day, {', '.join(VOICE_SUMS)} FROM rollup_voice_day WHERE branch_id = :b AND day >= :first AND day <= :last"
)
_TIMEZONE = text("SELECT document -> 'branch' ->> 'timezone' FROM branch_config WHERE branch_id = :b")
_FORECAST = text(
    """
    SELECT s.start, x.expected
    FROM unnest(CAST(:starts AS timestamptz[])) AS s(start)
    CROSS JOIN LATERAL (
        SELECT q.envelope -> 'data' -> 'arrivals' AS arrivals FROM events_queue_forecast q
        WHERE q.branch_id = :b AND q.at >= :lo AND q.at <= s.start
        ORDER BY q.at DESC LIMIT 1
    ) f
    CROSS JOIN LATERAL (
        SELECT coalesce(
            max((e ->> 'expected')::float8) FILTER (WHERE e ->> 'service' IS NULL),
            sum((e ->> 'expected')::float8)
        ) AS expected
        FROM jsonb_array_elements(f.arrivals) e
        WHERE (e ->> 'interval_start')::timestamptz = s.start
    ) x
    WHERE x.expected IS NOT NULL
    """
)
_WINDOW_EVENTS = text(
    "SELECT at, window_id, state FROM events_windows WHERE branch_id = :b AND at >= :since AND at < :hi ORDER BY at"
)
_PLAN = text(
    "SELECT envelope -> 'data' -> 'intervals' AS intervals FROM events_staffing_plan"
    " WHERE branch_id = :b AND plan_date = :day AND at >= :since AND at < :hi"
    " ORDER BY version DESC, at DESC LIMIT 1"
)
_AUDIT = text(
    "SELECT version, changed_at, subject, role, diff FROM branch_config_audit"
    " WHERE branch_id = :b AND version < :before ORDER BY version DESC LIMIT :n"
)


def _buckets(day: dt.date, service: str, counts: Sequence[int | None]) -> list[BucketRow]:
    """The wait buckets with waits in them, from the summaries' columns (one per bucket, in order)."""
    return [BucketRow(day, service, edge, int(n)) for edge, n in zip(waits.EDGES_MIN, counts, strict=True) if n]


class ReportStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _read(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        try:
            async with self.engine.connect() as connection:
                return await work(connection)
        except Exception as exc:
            if is_connection_error(exc):
                raise DatabaseUnavailable(f"PostgreSQL is unreachable ({type(exc).__name__})") from exc
            raise

    async def timezone(self, branch_id: str) -> str | None:
        """The time zone the branch's configuration names (None: no configuration, or none named)."""

        async def work(connection: AsyncConnection) -> str | None:
            found = (await connection.execute(_TIMEZONE, {"b": branch_id})).scalar()
            return str(found) if found else None

        return await self._read(work)

    async def day(
        self, branch_id: str, day: dt.date, lo: dt.datetime, hi: dt.datetime, starts: Sequence[dt.datetime]
    ) -> tuple[ReportData, DayExtras]:
        """The rollups of the local ``day`` ([lo, hi) in UTC) per interval, and its raw forecast (for
        ``starts``), window and plan events."""

        async def work(connection: AsyncConnection) -> tuple[ReportData, DayExtras]:
            span = {"b": branch_id, "lo": lo, "hi": hi, "first": day}
            data = ReportData(
                tickets=[
                    TicketRow(
                        r.day, r.service, r.target_wait_min, _ints(r, TICKET_SUMS, TicketCounts), r.interval_start
                    )
                    for r in await connection.execute(_DAY_TICKETS, span)
                ],
                buckets=[
                    BucketRow(day, r.service, r.bucket, r.tickets, r.interval_start)
                    for r in await connection.execute(_DAY_BUCKETS, span)
                ],
                footfall=[
                    FootfallRow(r.day, int(r.entered or 0), r.interval_start)
                    for r in await connection.execute(_DAY_FOOTFALL, span)
                ],
                occupancy=[
                    OccupancyHour(**{**r._asdict(), "person_s": [float(v) for v in r.person_s]})
                    for r in await connection.execute(_DAY_OCCUPANCY, span)
                ],
            )
            await self._days(connection, branch_id, day, day, data)
            extras = DayExtras(
                forecast=await self._forecast(connection, branch_id, lo, starts),
                window_events=await self._window_events(connection, branch_id, lo, hi),
                plan=await self._plan(connection, branch_id, day, lo, hi),
            )
            return data, extras

        return await self._read(work)

    async def period(self, branch_id: str, first: dt.date, last: dt.date) -> ReportData:
        """The local days ``first``..``last``: tickets and waits from the day summary ``rollup_service_day`` (a
        row per day and service instead of about 450 fifteen-minute rows) summed by PostgreSQL per day and per
        service (each service's target wait: its newest interval's, as the day report reads it); the other
        sections from the day rollups."""

        async def work(connection: AsyncConnection) -> ReportData:
            span = {"b": branch_id, "first": first, "last": last}
            data = ReportData()
            for r in await connection.execute(_PERIOD_DAYS, span):
                data.tickets.append(TicketRow(r.day, "", 0, _ints(r, TICKET_SUMS, TicketCounts)))
                data.buckets.extend(_buckets(r.day, "", r.waits_by_bucket))
            services = (await connection.execute(_PERIOD_SERVICES, span)).all()
            newest = {"services": [r.service for r in services], "days": [r.day for r in services]}
            targets: dict[str, int] = {
                r.service: int(r.target_wait_min) for r in await connection.execute(_PERIOD_TARGETS, {**span, **newest})
            }
            per_service: tuple[list[TicketRow], list[BucketRow]] = ([], [])
            for r in services:
                counts = _ints(r, TICKET_SUMS, TicketCounts)
                per_service[0].append(TicketRow(r.day, r.service, targets.get(r.service, 0), counts))
                per_service[1].extend(_buckets(r.day, r.service, r.waits_by_bucket))
            data.per_service = per_service
            data.footfall = [
                FootfallRow(r.day, int(r.entered or 0)) for r in await connection.execute(_PERIOD_FOOTFALL, span)
            ]
            await self._days(connection, branch_id, first, last, data)
            return data

        return await self._read(work)

    @staticmethod
    async def _days(
        connection: AsyncConnection, branch_id: str, first: dt.date, last: dt.date, data: ReportData
    ) -> None:
        days = {"b": branch_id, "first": first, "last": last}
        data.windows = [
            WorkRow(r.day, r.id, _ints(r, WORK_SUMS, WorkCounts)) for r in await connection.execute(_WINDOWS, days)
        ]
        data.staff = [
            WorkRow(r.day, r.id, _ints(r, WORK_SUMS, WorkCounts)) for r in await connection.execute(_STAFF, days)
        ]
        data.alerts = [
            AlertRow(r.day, r.kind, _ints(r, ALERT_SUMS, AlertCounts)) for r in await connection.execute(_ALERTS, days)
        ]
        data.kyc = [KycRow(r.day, r.decision, int(r.decisions)) for r in await connection.execute(_KYC, days)]
        data.voice = [
            VoiceRow(r.day, _ints(r, VOICE_SUMS, VoiceCounts)) for r in await connection.execute(_VOICE, days)
        ]

    @staticmethod
    async def _forecast(
        connection: AsyncConnection, branch_id: str, lo: dt.datetime, starts: Sequence[dt.datetime]
    ) -> dict[dt.datetime, float]:
        """Per interval start: the arrivals expected by the newest forecast published at or before it that day
        (its all-services figure, else the sum of its services'); intervals it does not cover are left out."""
        rows = await connection.execute(_FORECAST, {"b": branch_id, "lo": lo, "starts": list(starts)})
        return {r.start: float(r.expected) for r in rows}

    @staticmethod
    async def _window_events(
        connection: AsyncConnection, branch_id: str, lo: dt.datetime, hi: dt.datetime
    ) -> list[WindowEvent] | None:
        rows = await connection.execute(_WINDOW_EVENTS, {"b": branch_id, "since": lo - WINDOW_LOOKBACK, "hi": hi})
        events = [WindowEvent(r.at, r.window_id, r.state) for r in rows]
        return events or None

    @staticmethod
    async def _plan(
        connection: AsyncConnection, branch_id: str, day: dt.date, lo: dt.datetime, hi: dt.datetime
    ) -> list[PlanInterval] | None:
        found = (
            await connection.execute(_PLAN, {"b": branch_id, "day": day, "since": lo - PLAN_LOOKBACK, "hi": hi})
        ).scalar()
        if found is None:
            return None
        return [
            PlanInterval(str(i["start"]), sum(int(n) for n in (i.get("planned") or {}).values()))
            for i in found
            if isinstance(i, dict) and "start" in i
        ]

    async def audit(self, branch_id: str, limit: int, before_version: int | None) -> list[AuditEntry]:
        """Up to ``limit`` audit rows older than ``before_version`` (None: the newest), newest first."""

        async def work(connection: AsyncConnection) -> list[AuditEntry]:
            before = before_version if before_version is not None else 2**31 - 1
            rows = await connection.execute(_AUDIT, {"b": branch_id, "before": before, "n": limit})
            return [AuditEntry(r.version, r.changed_at, r.subject, r.role, r.diff) for r in rows]

        return await self._read(work)
