"""The history's daily job: day partitions made ahead, and every table trimmed to its retention.

Runs at start and then every ``interval_s`` (default every 6 hours: it is idempotent, so running it more
often than daily only makes tomorrow's partitions earlier). Raw tables lose whole day partitions older than
their retention (a DROP, no row-by-row delete); rollup and state tables delete rows older than theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from services.records.domain.history import RAW_TABLE_NAMES
from services.records.domain.intervals import utc_day
from services.records.domain.retention import (
    ROLLUP_TIME_COLUMNS,
    STATE_TABLES,
    days_ahead,
    expired_partitions,
    first_kept_day,
)

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
DeleteOlder = Callable[[str, str, dt.date], Awaitable[int]]
"""(table, its time column, first day kept) -> rows deleted."""


class PartitionsPort(Protocol):
    async def ensure(self, wanted: Iterable[tuple[str, dt.date]]) -> list[str]: ...

    async def existing(self) -> dict[str, list[str]]: ...

    async def drop(self, table: str, names: Iterable[str]) -> list[str]: ...


@dataclass
class MaintenanceReport:
    made: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)


class Maintenance:
    def __init__(
        self,
        partitions: PartitionsPort,
        delete_older: DeleteOlder,
        retention: Mapping[str, int],
        *,
        ahead_days: int,
        clock: Clock,
    ) -> None:
        self.partitions = partitions
        self.delete_older = delete_older
        self.retention = retention
        self.ahead_days = ahead_days
        self.clock = clock
        self._stop = asyncio.Event()

    async def run_once(self) -> MaintenanceReport:
        today = utc_day(self.clock())
        report = MaintenanceReport()
        ahead = days_ahead(today, self.ahead_days)
        report.made = await self.partitions.ensure((table, day) for table in RAW_TABLE_NAMES for day in ahead)
        for table, names in (await self.partitions.existing()).items():
            expired = expired_partitions(table, names, today, self.retention[table])
            report.dropped += await self.partitions.drop(table, expired)
        for table, column in {**ROLLUP_TIME_COLUMNS, **STATE_TABLES}.items():
            deleted = await self.delete_older(table, column, first_kept_day(today, self.retention[table]))
            if deleted:
                report.deleted[table] = deleted
        if report.dropped or report.deleted:
            log.info(
                "retention: dropped %d partition(s) %s; deleted %s",
                len(report.dropped),
                ", ".join(report.dropped[:5]),
                report.deleted or "no rows",
            )
        return report

    def stop(self) -> None:
        self._stop.set()

    async def run(self, interval_s: float) -> None:
        """:meth:`run_once` now and every ``interval_s`` until :meth:`stop`; a failed run is tried again in a minute."""
        while not self._stop.is_set():
            wait = interval_s
            try:
                await self.run_once()
            except Exception as exc:  # the database may be away; the next run catches up
                log.warning("history maintenance failed (%s: %s); trying again in a minute", type(exc).__name__, exc)
                wait = min(interval_s, 60.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)
