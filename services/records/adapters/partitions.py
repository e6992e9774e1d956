"""Day partitions of the raw event tables: made ahead (at start and by the daily job) and on ingest when an
event's day has none; dropped by the retention job. Partition DDL runs in short transactions of its own under
an advisory lock (replicas do not race), never inside an ingest transaction (it would hold the parent's lock).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.domain.retention import partition_day, partition_name

log = logging.getLogger(__name__)
PARTITION_LOCK = 0x62726F7270  # pg_advisory_xact_lock key: "brorp", records' partition DDL


def _bound(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+00:00"


class Partitions:
    """Knows which day partitions exist (a cache, loaded from the catalogue and kept by what it makes)."""

    def __init__(self, engine: AsyncEngine, tables: Iterable[str], *, lock_timeout_s: float = 10.0) -> None:
        self.engine = engine
        self.tables = tuple(tables)
        self.lock_timeout_s = lock_timeout_s
        self._known: set[tuple[str, dt.date]] | None = None

    async def existing(self) -> dict[str, list[str]]:
        """The partitions of each table, by name, from the catalogue."""
        query = text(
            "SELECT parent.relname AS parent, child.relname AS child FROM pg_inherits "
            "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE parent.relname = ANY(:tables) AND pg_table_is_visible(parent.oid)"
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query, {"tables": list(self.tables)})).all()
        found: dict[str, list[str]] = {table: [] for table in self.tables}
        for row in rows:
            found[row.parent].append(row.child)
        return found

    async def refresh(self) -> None:
        known: set[tuple[str, dt.date]] = set()
        for table, names in (await self.existing()).items():
            known.update((table, day) for name in names if (day := partition_day(table, name)) is not None)
        self._known = known

    def forget(self) -> None:
        """Read the catalogue again before the next :meth:`ensure` (another replica dropped or made some)."""
        self._known = None

    async def ensure(self, wanted: Iterable[tuple[str, dt.date]]) -> list[str]:
        """Make the (table, day) partitions that do not exist yet; return the names made."""
        if self._known is None:
            await self.refresh()
        assert self._known is not None
        missing = sorted(set(wanted) - self._known)
        if not missing:
            return []
        made: list[str] = []
        async with self.engine.begin() as connection:
            await connection.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'"))
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK})
            for table, day in missing:
                if table not in self.tables:
                    raise ValueError(f"{table} is not a partitioned history table")
                name = partition_name(table, day)
                await connection.execute(
                    text(
                        f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{table}" '
                        f"FOR VALUES FROM ('{_bound(day)}') TO ('{_bound(day + dt.timedelta(days=1))}')"
                    )
                )
                made.append(name)
        self._known.update(missing)
        if made:
            log.info("made %d day partition(s): %s", len(made), ", ".join(made[:5]) + (" ..." if len(made) > 5 else ""))
        return made

    async def drop(self, table: str, names: Iterable[str]) -> list[str]:
        """Drop these partitions of ``table`` (their rows go with them)."""
        dropped: list[str] = []
        for name in names:
            day = partition_day(table, name)
            if day is None:
                raise ValueError(f"{name} is not a day partition of {table}")
            async with self.engine.begin() as connection:
                await connection.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'"))
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK})
                await connection.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
            dropped.append(name)
            if self._known is not None:
                self._known.discard((table, day))
        return dropped
