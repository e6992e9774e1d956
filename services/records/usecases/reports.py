"""A branch's reports (day, period, the day as a PDF) and its configuration's audit log
(docs/records-reports-api.md). Query errors are the domain's (domain/report.py), answered by the routes."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from services.records.domain import report
from services.records.domain.intervals import DEFAULT_TIME_ZONE, zone
from services.records.domain.report import AuditEntry, DayExtras, Json, ReportData

Clock = Callable[[], dt.datetime]
RenderPdf = Callable[[Json, str], bytes]
"""(the day's report, language zh|en) -> the PDF's bytes."""


class ReportPort(Protocol):
    async def timezone(self, branch_id: str) -> str | None: ...

    async def day(
        self, branch_id: str, day: dt.date, lo: dt.datetime, hi: dt.datetime, starts: Sequence[dt.datetime]
    ) -> tuple[ReportData, DayExtras]: ...

    async def period(self, branch_id: str, first: dt.date, last: dt.date) -> ReportData: ...

    async def audit(self, branch_id: str, limit: int, before_version: int | None) -> list[AuditEntry]: ...


class Reports:
    def __init__(self, store: ReportPort, render_pdf: RenderPdf, clock: Clock) -> None:
        self.store = store
        self.render_pdf = render_pdf
        self.clock = clock

    async def _zone(self, branch_id: str) -> tuple[str, Any]:
        """(the zone's name, the zone): the configuration's, Asia/Shanghai without one (or an unknown one)."""
        named = await self.store.timezone(branch_id)
        tz = zone(named)
        return (named if named and str(tz) == named else DEFAULT_TIME_ZONE), tz

    async def daily(self, branch_id: str, date: str | None = None) -> Json:
        """The day's report; ``date`` None: the branch's local today (BadDate when not YYYY-MM-DD)."""
        parsed = report.parse_date(date) if date is not None else None
        name, tz = await self._zone(branch_id)
        now = self.clock()
        day = parsed or now.astimezone(tz).date()
        lo, hi = report.day_bounds(day, tz)
        data, extras = await self.store.day(branch_id, day, lo, hi, report.day_intervals(day, tz))
        return report.daily_report(branch_id, day, name, tz, now, data, extras)

    async def daily_pdf(self, branch_id: str, date: str | None = None, lang: str = "zh") -> tuple[Json, bytes]:
        """The day's report and its PDF (drawn in a worker thread: the event loop keeps serving)."""
        day = await self.daily(branch_id, date)
        return day, await asyncio.to_thread(self.render_pdf, day, lang)

    async def period(self, branch_id: str, first: str, last: str) -> Json:
        """The inclusive dates ``first``..``last`` (BadDate, BadRange, RangeTooLong beyond 92 days)."""
        start, end = report.date_range(first, last, report.BRANCH_MAX_DAYS)
        name, _ = await self._zone(branch_id)
        data = await self.store.period(branch_id, start, end)
        return report.period_report(branch_id, start, end, name, data)

    async def audit(self, branch_id: str, limit: int = 50, before_version: int | None = None) -> Json:
        """Configuration changes newest first, ``limit`` a page, older than ``before_version`` when given."""
        limit = max(1, min(limit, report.AUDIT_MAX_LIMIT))
        rows = await self.store.audit(branch_id, limit + 1, before_version)
        return report.audit_page(branch_id, rows, limit)
