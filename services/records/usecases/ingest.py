"""Keep every event: one batch of consumed events -> raw rows, state and rollups, in one PostgreSQL transaction.

The consumer (adapters/batch_consumer.py) commits the batch's Kafka offsets only after this returned, i.e.
after the transaction committed. Redelivered events are dropped by the raw tables' key (event_id, at) in that
same transaction, and only the events stored for the first time are folded into the rollups: each event
counts once, whatever Kafka redelivers.

An event older than its raw table's retention is not kept (the next retention run would drop it, and without
its raw row a redelivery could not be told apart): counted as ``expired``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
from prometheus_client import Counter as Metric
from prometheus_client import Histogram

from branchops.contracts import CloudEvent, topics
from services.records.domain.fold import Keys, State, fold, keys_of
from services.records.domain.history import RAW_TABLES, RawTable
from services.records.domain.intervals import utc_day
from services.records.domain.retention import first_kept_day
from services.records.domain.rollups import Rollups
from services.records.domain.rules import BranchRules, rules_from_document

log = logging.getLogger(__name__)
EPOCH = dt.date(1970, 1, 1)
BRANCH_CONFIG = topics.BRANCH_CONFIG.name
Clock = Callable[[], dt.datetime]

EVENTS = Metric(
    "records_history_events_total", "Events offered to the history, by what became of them", ["topic", "outcome"]
)
BATCH_SECONDS = Histogram(
    "records_history_batch_seconds",
    "Time to store one batch (transaction included)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


@dataclass(frozen=True, slots=True)
class Incoming:
    """A consumed event: its topic's name, the validated event, and its JSON as it will be kept."""

    topic: str
    event: CloudEvent[Any]
    envelope: str


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0
    expired: int = 0
    rollup_rows: int = 0
    by_topic: Counter[str] = field(default_factory=Counter)


class Transaction(Protocol):
    async def insert_raw(self, raw: RawTable, rows: Sequence[tuple[Any, ...]]) -> set[str]: ...

    async def load_state(self, keys: Keys) -> State: ...

    async def save_state(self, state: State) -> int: ...

    async def write_rollups(self, rollups: Rollups) -> int: ...


class HistoryPort(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...

    async def branch_documents(self, branches: Sequence[str]) -> dict[str, Any]: ...


class PartitionPort(Protocol):
    async def ensure(self, wanted: Iterable[tuple[str, dt.date]]) -> list[str]: ...

    def forget(self) -> None: ...


class BranchRulesCache:
    """Time zone and target waits per branch, from the stored configurations, kept ``ttl_s`` seconds (a change
    made through another replica is seen within that time; one consumed from branch-config.v1 at once)."""

    def __init__(
        self,
        load: Callable[[Sequence[str]], Awaitable[dict[str, Any]]],
        *,
        ttl_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, BranchRules]] = {}

    async def rules(self, branches: Iterable[str]) -> dict[str, BranchRules]:
        now = self._monotonic()
        wanted = set(branches)
        stale = sorted(b for b in wanted if b not in self._cache or self._cache[b][0] <= now)
        if stale:
            documents = await self._load(stale)
            for branch in stale:
                self._cache[branch] = (now + self._ttl_s, rules_from_document(documents.get(branch)))
        return {b: self._cache[b][1] for b in wanted}

    def forget(self, branch: str) -> None:
        self._cache.pop(branch, None)


def _is_missing_partition(exc: BaseException) -> bool:
    return isinstance(exc, asyncpg.CheckViolationError) and "no partition of relation" in str(exc)


class Ingest:
    def __init__(
        self,
        store: HistoryPort,
        partitions: PartitionPort,
        rules: BranchRulesCache,
        retention: Mapping[str, int],
        clock: Clock,
    ) -> None:
        self.store = store
        self.partitions = partitions
        self.rules = rules
        self.retention = retention
        self.clock = clock

    async def __call__(self, batch: Sequence[Incoming]) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        today = utc_day(self.clock())
        keep_from = {
            table: dt.datetime.combine(first_kept_day(today, days), dt.time(), dt.UTC)
            for table, days in self.retention.items()
        }
        by_table: dict[str, list[Incoming]] = {}
        seen: set[tuple[str, str]] = set()
        days: set[tuple[str, int]] = set()  # (table, day number since 1970-01-01 UTC)
        for item in batch:
            raw = RAW_TABLES[item.topic]
            at = item.event.data.at
            if at < keep_from[raw.name]:
                report.expired += 1
                EVENTS.labels(item.topic, "expired").inc()
                continue
            if (raw.name, item.event.id) in seen:
                report.duplicates += 1
                continue
            seen.add((raw.name, item.event.id))
            by_table.setdefault(raw.name, []).append(item)
            days.add((raw.name, int(at.timestamp() // 86_400)))
        if not by_table:
            return report
        partitions = {(table, EPOCH + dt.timedelta(days=n)) for table, n in days}
        for attempt in (1, 2):
            await self.partitions.ensure(partitions)
            rules = await self.rules.rules({i.event.data.branch_id for items in by_table.values() for i in items})
            try:
                new = await self._store(by_table, rules, report)
                break
            except asyncpg.CheckViolationError as exc:
                if attempt == 2 or not _is_missing_partition(exc):
                    raise
                log.warning("a day partition went away meanwhile (%s); reading the catalogue again", exc)
                self.partitions.forget()
        report.duplicates += sum(len(items) for items in by_table.values()) - len(new)
        report.by_topic.update(item.topic for item in new)
        if report.by_topic[BRANCH_CONFIG]:
            for item in new:
                if item.topic == BRANCH_CONFIG:
                    self.rules.forget(item.event.data.branch_id)
        report.stored = len(new)
        for topic, count in report.by_topic.items():
            EVENTS.labels(topic, "stored").inc(count)
        if report.duplicates:
            EVENTS.labels("all", "duplicate").inc(report.duplicates)
        BATCH_SECONDS.observe(time.perf_counter() - started)
        return report

    async def _store(
        self, by_table: Mapping[str, list[Incoming]], rules: Mapping[str, BranchRules], report: IngestReport
    ) -> list[Incoming]:
        async with self.store.transaction() as tx:
            new: list[Incoming] = []
            for items in by_table.values():
                raw = RAW_TABLES[items[0].topic]
                rows = [
                    (i.event.id, i.event.data.at, i.event.data.branch_id, i.envelope, *raw.values(i.event.data))
                    for i in items
                ]
                stored = await tx.insert_raw(raw, rows)
                new.extend(i for i in items if i.event.id in stored)
            data = [i.event.data for i in new]
            state = await tx.load_state(keys_of(data))
            rollups = fold(data, state, rules.__getitem__)
            await tx.save_state(state)
            report.rollup_rows = await tx.write_rollups(rollups)
        return new
