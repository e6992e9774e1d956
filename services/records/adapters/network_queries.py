"""Head-office queries on PostgreSQL: the per-branch-day summary (``rollup_branch_day``, migration 0004) summed
per branch or per day over a date range, and the branches' names from their configurations.

A range of 90 days over 200 branches reads 18,000 summary rows through the index on ``day`` (rows of one day are
written together, so they sit together on disk); one branch's days come through the key (branch_id, day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.domain.network import SUM_NAMES, WAIT_NAMES, DateRange
from services.records.domain.rollups import TICKET_SUMS

SUMMARY = "rollup_branch_day"
_SUMS = ", ".join(f"sum({name}) AS {name}" for name in SUM_NAMES)
_SHARE = "sum(within_target) AS within_target, sum(waits) AS waits, sum(abandoned) AS abandoned"


def _float_row(row: Any, names: tuple[str, ...] | list[str]) -> dict[str, float]:
    mapping = row._mapping
    return {name: float(mapping[name] or 0) for name in names}


class NetworkQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _rows(self, sql: str, params: dict[str, Any] | None = None) -> Sequence[Row[Any]]:
        async with self.engine.connect() as connection:
            return (await connection.execute(text(sql), params or {})).all()

    async def per_branch(self, span: DateRange, *, share_only: bool = False) -> dict[str, dict[str, float]]:
        """Every branch with summary rows in ``span``: its sums (or only what its share within target needs)."""
        columns = _SHARE if share_only else _SUMS
        names = ["within_target", "waits", "abandoned"] if share_only else list(SUM_NAMES)
        rows = await self._rows(
            f"SELECT branch_id, {columns} FROM {SUMMARY} WHERE day BETWEEN :start AND :end GROUP BY branch_id",
            {"start": span.start, "end": span.end},
        )
        return {row.branch_id: _float_row(row, names) for row in rows}

    async def per_day(self, span: DateRange, branch_id: str | None = None) -> dict[dt.date, dict[str, float]]:
        """The sums of each day of ``span`` with summary rows, over the network or one branch."""
        where = "day BETWEEN :start AND :end" + (" AND branch_id = :branch" if branch_id is not None else "")
        rows = await self._rows(
            f"SELECT day, {_SUMS} FROM {SUMMARY} WHERE {where} GROUP BY day",
            {"start": span.start, "end": span.end, "branch": branch_id},
        )
        return {row.day: _float_row(row, SUM_NAMES) for row in rows}

    async def per_service(self, span: DateRange, branch_id: str) -> dict[str, dict[str, float]]:
        """One branch's tickets and waits per service over ``span`` (``rollup_service_day``: a row per day and
        service), for a period report's services."""
        names = (*TICKET_SUMS, *WAIT_NAMES)
        rows = await self._rows(
            f"SELECT service, {', '.join(f'sum({n}) AS {n}' for n in names)} FROM rollup_service_day"
            " WHERE branch_id = :branch AND day BETWEEN :start AND :end GROUP BY service",
            {"start": span.start, "end": span.end, "branch": branch_id},
        )
        return {row.service: _float_row(row, names) for row in rows}

    async def names(self) -> dict[str, str | None]:
        """Every configured branch's name (``branch.name`` of its document; null when it has none)."""
        rows = await self._rows("SELECT branch_id, document->'branch'->>'name' AS name FROM branch_config")
        return {row.branch_id: row.name for row in rows}
