"""Head-office reports: every branch ranked over a date range (with the change against the range before), the
same rows as CSV, and the per-day trend of the network or one branch (docs/records-reports-api.md).

Dates are the branches' local dates (the rollups keep each branch's local day). Without ``to`` the range ends
today in Asia/Shanghai (the default zone of a branch) and spans 30 days.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any, Protocol

from services.records.domain import network
from services.records.domain.intervals import DEFAULT_TIME_ZONE, local_day, zone
from services.records.domain.network import DateRange

Clock = Callable[[], dt.datetime]


class NetworkPort(Protocol):
    async def per_branch(self, span: DateRange, *, share_only: bool = False) -> dict[str, dict[str, float]]: ...

    async def per_day(self, span: DateRange, branch_id: str | None = None) -> dict[dt.date, dict[str, float]]: ...

    async def names(self) -> dict[str, str | None]: ...


class HeadOffice:
    def __init__(self, queries: NetworkPort, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    def today(self) -> dt.date:
        return local_day(self.clock(), zone(DEFAULT_TIME_ZONE))

    async def branches(
        self,
        start: str | None,
        end: str | None,
        *,
        sort: str | None = None,
        order: str = "desc",
        limit: int | None = None,
    ) -> dict[str, Any]:
        """``{"from", "to", "network": Totals, "branches": [ranked rows]}``; BadReportQuery for a bad query."""
        span = network.date_range(start, end, self.today())
        field = network.sort_field(sort)
        current, previous, names = await asyncio.gather(
            self.queries.per_branch(span),
            self.queries.per_branch(span.previous(), share_only=True),
            self.queries.names(),
        )
        rows = network.ranking(current, previous, names, sort=field, descending=order != "asc", limit=limit)
        return {
            "from": span.start.isoformat(),
            "to": span.end.isoformat(),
            "network": network.totals(network.add(current.values())),
            "branches": rows,
        }

    async def branches_csv(self, start: str | None, end: str | None) -> str:
        """The ranking's rows as CSV (default ranking), a UTF-8 byte-order mark first for Excel."""
        report = await self.branches(start, end)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows(network.csv_lines(report["branches"]))
        return out.getvalue()

    async def trend(self, start: str | None, end: str | None, branch_id: str | None = None) -> dict[str, Any]:
        span = network.date_range(start, end, self.today())
        by_day = await self.queries.per_day(span, branch_id)
        return {
            "from": span.start.isoformat(),
            "to": span.end.isoformat(),
            "branch_id": branch_id,
            "days": network.day_series(span, by_day),
        }
