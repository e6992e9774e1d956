"""The event history in PostgreSQL: raw rows, the state the rollups are computed from, and the rollups.

One :class:`HistoryTransaction` per ingested batch. Statements are few and set-based whatever the batch size.

- Raw rows: a binary ``COPY`` into the raw table (PostgreSQL routes each row to its day partition) inside a
  savepoint. Normally every event is new and that is all. When one was stored before (a redelivery after a
  crash or a rebalance), the key (event_id, at) refuses the COPY; the batch goes back to the savepoint and is
  inserted with ``INSERT ... SELECT FROM unnest(...) ON CONFLICT (event_id, at) DO NOTHING RETURNING event_id``,
  which says which events were new. The optimistic path costs a third of the conflict-checking one.
- State (a row per ticket event, mostly): a binary ``COPY`` into a temporary staging table of the session
  (``stage_<table>``, emptied at commit), then ``INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE``.
- Rollups (a few rows per batch): ``INSERT ... SELECT FROM unnest($1::type[], ...)`` (arrays sent in binary)
  ``ON CONFLICT (key) DO UPDATE SET counter = counter + EXCLUDED.counter``. (asyncpg checks every array element
  for nested arrays, a cost per value that COPY does not have: hence COPY for the large ones.)
- Occupancy grids (a row per camera and hour, an array column that unnest would flatten): one ``INSERT ...
  VALUES`` per row (``executemany``), ``ON CONFLICT`` adding the cells element by element (domain/occupancy.py).

Column types are read from the catalogue once (the migrations are the truth): the SQL here names columns only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.records.domain.activity import AlertState, VoiceSession, WindowStaff
from services.records.domain.credits import Credit, Staffing
from services.records.domain.fold import STATE_KINDS, Keys, State, staffing_since
from services.records.domain.history import COMMON_COLUMNS, RAW_TABLES, RawTable
from services.records.domain.journeys import Journey
from services.records.domain.occupancy import COLUMNS as OCCUPANCY_COLUMNS
from services.records.domain.rollups import ROLLUPS, Rollups, RollupSpec


@dataclass(frozen=True)
class StateTable:
    table: str
    value: type[Any]
    keys: tuple[str, ...]
    columns: tuple[str, ...] = ()
    row: Callable[[Any], tuple[Any, ...]] = tuple
    """A value's columns, in order (one C call per row)."""

    def __post_init__(self) -> None:
        columns = tuple(f.name for f in dataclasses.fields(self.value))
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "row", operator.attrgetter(*columns))


STATE_TABLES: dict[str, StateTable] = {
    "journeys": StateTable("ticket_journeys", Journey, ("branch_id", "ticket_id")),
    "windows": StateTable("window_staff", WindowStaff, ("branch_id", "window_id")),
    "sessions": StateTable("voice_sessions", VoiceSession, ("branch_id", "session_id")),
    "alerts": StateTable("alert_states", AlertState, ("branch_id", "alert_id")),
}
assert set(STATE_TABLES) == set(STATE_KINDS)
TIMELINE_TABLES: dict[str, StateTable] = {
    "staffing": StateTable("window_staffing", Staffing, ("branch_id", "window_id", "since")),
    "credits": StateTable("staff_credits", Credit, ("branch_id", "window_id", "at", "ref")),
}
"""Window staffing points and the work credited by them (domain/credits.py, migration 0006)."""
OCCUPANCY_TABLE = "rollup_occupancy_hour"
STAFFING_LOCK = 0x7374616666  # pg_advisory_xact_lock(key, hash of branch and window): "staff"


STAGE_PREFIX = "stage_"
_staged: weakref.WeakKeyDictionary[asyncpg.Connection, set[str]] = weakref.WeakKeyDictionary()
"""The staging tables each session has made (temporary tables live as long as their session)."""


class SchemaMismatch(RuntimeError):
    """A column the code writes is missing from the database (a migration not run?)."""


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows to columns (unnest takes one array per column)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


class HistorySql:
    """The statements of the history, built once from the column types in the catalogue."""

    def __init__(self, types: dict[str, dict[str, str]]) -> None:
        self.types = types
        self.raw = {t.name: self._insert_raw(t) for t in RAW_TABLES.values()}
        self.rollups = {spec.table: self._upsert_rollup(spec) for spec in ROLLUPS}
        self.load_state = {kind: self._load_state(s) for kind, s in STATE_TABLES.items()}
        self.save_state = {kind: self._save_state(s) for kind, s in (*STATE_TABLES.items(), *TIMELINE_TABLES.items())}
        self.load_staffing = self._load_staffing()
        self.load_credits = self._load_credits()
        self.upsert_grid = self._upsert_grid()

    @classmethod
    async def read(cls, connection: AsyncConnection) -> HistorySql:
        tables = [t.name for t in RAW_TABLES.values()] + [s.table for s in ROLLUPS] + [OCCUPANCY_TABLE]
        tables += [s.table for s in (*STATE_TABLES.values(), *TIMELINE_TABLES.values())]
        rows = (
            await connection.execute(
                text(
                    "SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, NULL) AS type "
                    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE c.relname = ANY(:tables) AND pg_table_is_visible(c.oid) AND a.attnum > 0"
                    " AND NOT a.attisdropped"
                ),
                {"tables": tables},
            )
        ).all()
        types: dict[str, dict[str, str]] = {}
        for row in rows:
            types.setdefault(row.table_name, {})[row.column_name] = row.type
        return cls(types)

    def _unnest(self, table: str, columns: Sequence[str]) -> str:
        known = self.types.get(table, {})
        missing = [c for c in columns if c not in known]
        if missing:
            raise SchemaMismatch(f"{table} has no column {', '.join(missing)} (is the schema migrated?)")
        arrays = ", ".join(f"${i}::{known[c]}[]" for i, c in enumerate(columns, start=1))
        return f"SELECT * FROM unnest({arrays})"

    def _insert_raw(self, raw: RawTable) -> str:
        columns = (*COMMON_COLUMNS, *raw.columns)
        return (
            f"INSERT INTO {raw.name} ({', '.join(columns)}) {self._unnest(raw.name, columns)} "
            "ON CONFLICT (event_id, at) DO NOTHING RETURNING event_id"
        )

    def _upsert_rollup(self, spec: RollupSpec) -> str:
        columns = (*spec.keys, *spec.attrs, *spec.sums)
        updates = [f"{c} = EXCLUDED.{c}" for c in spec.attrs] + [f"{c} = r.{c} + EXCLUDED.{c}" for c in spec.sums]
        return (
            f"INSERT INTO {spec.table} AS r ({', '.join(columns)}) {self._unnest(spec.table, columns)} "
            f"ON CONFLICT ({', '.join(spec.keys)}) DO UPDATE SET {', '.join(updates)}"
        )

    def _upsert_grid(self) -> str:
        """One hour's grid of one camera; an existing row of the same shape adds the cells, the seconds (at most
        an hour) and keeps the larger peak; one of another shape is replaced (as ``OccupancyHour.merge``)."""
        self._unnest(OCCUPANCY_TABLE, OCCUPANCY_COLUMNS)  # checks the columns
        same = "r.cols = EXCLUDED.cols AND r.rows = EXCLUDED.rows"
        cells = (
            "ARRAY(SELECT a + b FROM unnest(r.person_s, EXCLUDED.person_s) WITH ORDINALITY AS c(a, b, n) ORDER BY n)"
        )
        placeholders = ", ".join(f"${i}" for i in range(1, len(OCCUPANCY_COLUMNS) + 1))
        return (
            f"INSERT INTO {OCCUPANCY_TABLE} AS r ({', '.join(OCCUPANCY_COLUMNS)}) VALUES ({placeholders}) "
            "ON CONFLICT (branch_id, camera_id, hour_start) DO UPDATE SET day = EXCLUDED.day, hour = EXCLUDED.hour, "
            f"person_s = CASE WHEN {same} THEN {cells} ELSE EXCLUDED.person_s END, "
            f"seconds = CASE WHEN {same} THEN least(3600, r.seconds + EXCLUDED.seconds) ELSE EXCLUDED.seconds END, "
            f"peak = CASE WHEN {same} THEN greatest(r.peak, EXCLUDED.peak) ELSE EXCLUDED.peak END, "
            "cols = EXCLUDED.cols, rows = EXCLUDED.rows"
        )

    def _load_state(self, state: StateTable) -> str:
        a, b = state.keys
        self._unnest(state.table, state.columns)  # checks the columns
        return (
            f"SELECT t.* FROM {state.table} t JOIN unnest($1::text[], $2::text[]) AS k(a, b) "
            f"ON t.{a} = k.a AND t.{b} = k.b ORDER BY t.{a}, t.{b} FOR UPDATE OF t"
        )

    def _load_staffing(self) -> str:
        """Per (branch, window, since): its staffing points from ``since`` on and the one before (in force then)."""
        spec = TIMELINE_TABLES["staffing"]
        self._unnest(spec.table, spec.columns)  # checks the columns
        columns = ", ".join(f"s.{c}" for c in spec.columns)
        window = "s.branch_id = k.b AND s.window_id = k.w"
        return (
            f"SELECT t.* FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(b, w, lo) CROSS JOIN LATERAL ("
            f"(SELECT {columns} FROM {spec.table} s WHERE {window} AND s.since < k.lo ORDER BY s.since DESC LIMIT 1)"
            f" UNION ALL (SELECT {columns} FROM {spec.table} s WHERE {window} AND s.since >= k.lo)) t"
        )

    def _load_credits(self) -> str:
        """Per (branch, window, since): the work credited there from ``since`` on (a new point may move it)."""
        spec = TIMELINE_TABLES["credits"]
        self._unnest(spec.table, spec.columns)  # checks the columns
        return (
            f"SELECT {', '.join(f'c.{c}' for c in spec.columns)} FROM {spec.table} c"
            " JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(b, w, lo)"
            " ON c.branch_id = k.b AND c.window_id = k.w AND c.at >= k.lo ORDER BY c.branch_id, c.window_id, c.at"
            " FOR UPDATE OF c"
        )

    def _save_state(self, state: StateTable) -> str:
        columns = ", ".join(state.columns)
        self._unnest(state.table, state.columns)  # checks the columns
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in state.columns if c not in state.keys)
        return (
            f"INSERT INTO {state.table} ({columns}) SELECT {columns} FROM {STAGE_PREFIX}{state.table} "
            f"ON CONFLICT ({', '.join(state.keys)}) DO UPDATE SET {updates}"
        )


class HistoryTransaction:
    """Statements of one ingest transaction, on the asyncpg connection under SQLAlchemy's transaction."""

    def __init__(self, connection: asyncpg.Connection, sql: HistorySql) -> None:
        self.connection = connection
        self.sql = sql

    async def insert_raw(self, raw: RawTable, rows: Sequence[tuple[Any, ...]]) -> set[str]:
        """Store ``rows`` (COMMON_COLUMNS then the table's columns); the event ids that were not there yet."""
        if not rows:
            return set()
        columns = [*COMMON_COLUMNS, *raw.columns]
        try:
            async with self.connection.transaction():  # a savepoint: a refused COPY undoes only itself
                await self.connection.copy_records_to_table(raw.name, records=rows, columns=columns)
            return {row[0] for row in rows}
        except asyncpg.UniqueViolationError:
            pass  # some of these were stored before: keep the others
        new = await self.connection.fetch(self.sql.raw[raw.name], *_columns(rows, len(columns)))
        return {record[0] for record in new}

    async def load_state(self, keys: Keys) -> State:
        state = State()
        for kind, spec in STATE_TABLES.items():
            wanted: Iterable[tuple[str, str]] = getattr(keys, kind)
            pairs = sorted(wanted)
            if not pairs:
                continue
            records = await self.connection.fetch(
                self.sql.load_state[kind], [p[0] for p in pairs], [p[1] for p in pairs]
            )
            values: dict[tuple[str, str], Any] = getattr(state, kind)
            for record in records:
                value = spec.value(**dict(record))
                values[(record[spec.keys[0]], record[spec.keys[1]])] = value
        await self._load_timeline(keys, state)
        return state

    async def _load_timeline(self, keys: Keys, state: State) -> None:
        """The staffing of the windows the batch touches and the credits its window events may move, under a
        lock per window (tickets and window events of one window may be folded by two replicas at once)."""
        since = staffing_since(keys, state)
        if not since:
            return
        windows = sorted(since)
        await self.connection.execute(
            "SELECT count(*) FROM (SELECT pg_advisory_xact_lock($1, hashtext(k)) FROM unnest($2::text[]) AS k) l",
            STAFFING_LOCK & 0x7FFFFFFF,
            [f"{b}\x1f{w}" for b, w in windows],
        )
        points = await self.connection.fetch(
            self.sql.load_staffing, [k[0] for k in windows], [k[1] for k in windows], [since[k] for k in windows]
        )
        recredit = sorted(keys.recredit)
        credits = (
            await self.connection.fetch(
                self.sql.load_credits,
                [k[0] for k in recredit],
                [k[1] for k in recredit],
                [keys.recredit[k] for k in recredit],
            )
            if recredit
            else []
        )
        state.timeline.load((Staffing(**dict(r)) for r in points), (Credit(**dict(r)) for r in credits))

    async def save_state(self, state: State) -> int:
        written = 0
        for kind, spec in STATE_TABLES.items():
            values = state.changed_values(kind)
            if not values:
                continue
            stage = await self._stage(spec.table)
            await self.connection.copy_records_to_table(
                stage, records=[spec.row(v) for v in values], columns=list(spec.columns)
            )
            await self.connection.execute(self.sql.save_state[kind])
            written += len(values)
        timeline = state.timeline
        for kind, values in (
            ("staffing", timeline.changed_staffing()),
            ("credits", list(timeline.changed_credits.values())),
        ):
            if not values:
                continue
            spec = TIMELINE_TABLES[kind]
            stage = await self._stage(spec.table)
            await self.connection.copy_records_to_table(
                stage, records=[spec.row(v) for v in values], columns=list(spec.columns)
            )
            await self.connection.execute(self.sql.save_state[kind])
            written += len(values)
        return written

    async def _stage(self, table: str) -> str:
        made = _staged.setdefault(self.connection, set())
        stage = STAGE_PREFIX + table
        if table not in made:
            await self.connection.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} (LIKE {table}) ON COMMIT DELETE ROWS"
            )
            made.add(table)
        return stage

    async def write_rollups(self, rollups: Rollups) -> int:
        written = 0
        for spec in rollups.tables():
            rows = rollups.rows(spec)
            width = len(spec.keys) + len(spec.attrs) + len(spec.sums)
            await self.connection.execute(self.sql.rollups[spec.table], *_columns(rows, width))
            written += len(rows)
        grids = rollups.grid_rows()
        if grids:
            await self.connection.executemany(self.sql.upsert_grid, [g.row() for g in grids])
            written += len(grids)
        return written


class HistoryStore:
    def __init__(self, engine: AsyncEngine, *, lock_timeout_s: float = 10.0) -> None:
        self.engine = engine
        self.lock_timeout_s = lock_timeout_s
        self._sql: HistorySql | None = None

    async def _statements(self, connection: AsyncConnection) -> HistorySql:
        if self._sql is None:
            self._sql = await HistorySql.read(connection)
        return self._sql

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[HistoryTransaction]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        async with self.engine.begin() as connection:
            # also begins the transaction on the driver's connection, which the statements use directly
            await connection.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'"))
            sql = await self._statements(connection)
            raw = await connection.get_raw_connection()
            driver: asyncpg.Connection = raw.driver_connection
            try:
                yield HistoryTransaction(driver, sql)
            except BaseException:
                _staged.pop(driver, None)  # the rollback takes back a staging table made in this transaction
                raise

    async def branch_documents(self, branches: Sequence[str]) -> dict[str, Any]:
        """The stored configuration document of each of ``branches`` that has one."""
        if not branches:
            return {}
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT branch_id, document FROM branch_config WHERE branch_id = ANY(:branches)"),
                    {"branches": list(branches)},
                )
            ).all()
        return {row.branch_id: row.document for row in rows}


async def delete_older(engine: AsyncEngine, table: str, column: str, first_kept: dt.date) -> int:
    """Delete the rows of a rollup or state table whose ``column`` (a day, or a time) is before ``first_kept``."""
    async with engine.begin() as connection:
        kind = (
            await connection.execute(
                text(
                    "SELECT format_type(a.atttypid, NULL) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE c.relname = :table AND a.attname = :column AND pg_table_is_visible(c.oid)"
                ),
                {"table": table, "column": column},
            )
        ).scalar_one()
        cutoff: dt.date | dt.datetime = first_kept
        if kind.startswith("timestamp"):
            cutoff = dt.datetime.combine(first_kept, dt.time(), dt.UTC)
        result = await connection.execute(text(f'DELETE FROM "{table}" WHERE "{column}" < :cutoff'), {"cutoff": cutoff})
        return int(result.rowcount or 0)
