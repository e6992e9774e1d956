"""Records' report queries at network scale: 200 branches x 90 days of rollups (about 7 million tickets).

    .venv/bin/python bench/records_queries.py [--branches 200] [--days 90] [--samples 100] [--seed 11]

What is loaded (honestly): **not** 7 million tickets' events through the ingest path (that path is measured by
bench/records_ingest.py), but the rollup rows those tickets would have produced, generated here from a
ticket-level model and loaded with binary ``COPY`` into the rollup tables of a fresh database migrated to head:

- per branch: a size factor (log-normal), a staffing adequacy, 3-12 windows, two cameras;
- per day: a weekday effect (Monday busiest, weekends shorter and quieter), a little day-to-day noise;
- per local 15-minute interval (09:00-17:00 on weekdays, 10:00-16:00 at weekends): arrivals per service drawn
  from a Poisson law around a daily profile with a mid-morning and a lunchtime peak;
- per ticket: a wait (gamma, its mean growing with the interval's load and falling with the branch's
  staffing), abandonment growing with the wait, cancellations, no-shows, transfers, a handling time per
  service; waits counted into the fixed minute buckets (domain/waits.py) as the fold counts them;
- per day: ratings per window, footfall per camera and interval, alerts, KYC decisions, voice sessions.

The summaries (``rollup_branch_day``, ``rollup_service_day``) are filled by migration 0004's triggers during the
COPY, as on ingest. Then, over ``--samples`` random parameters each (after a few warm-ups), in this process
through the use cases (no HTTP): the head-office ranking over 30 and 90 days (with its previous period), the
trend of the network and of one branch, one branch's period report (the drill-down, 30-90 days) and one
branch-day's daily report (services/records/usecases/reports.py); and the same drill-down's days and services
read from the summaries directly (``drilldown_summaries``, the floor of what the period report reads). Prints
p50/p95/max per query and the sizes of the rollup tables (bytes per row, rows per branch-day), and writes
bench/results/records_queries.json. PostgreSQL is the one ``branchops.devstack`` finds or starts (the embedded
server runs with fsync off).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import machine, percentile, write_result  # noqa: E402
from branchops.devstack import find_or_start_postgres  # noqa: E402
from branchops.devstack.postgres import create_database, drop_database, plain_url  # noqa: E402
from services.records.adapters.database import create_engine  # noqa: E402
from services.records.adapters.migrate import migrate  # noqa: E402
from services.records.adapters.network_queries import NetworkQueries  # noqa: E402
from services.records.adapters.report_store import ReportStore  # noqa: E402
from services.records.domain import rollups, waits  # noqa: E402
from services.records.domain.network import date_range  # noqa: E402
from services.records.settings import RecordsSettings  # noqa: E402
from services.records.usecases.head_office import HeadOffice  # noqa: E402
from services.records.usecases.reports import Reports  # noqa: E402

TARGET_MS = {
    "ranking_30d": 200,
    "ranking_90d": 200,
    "trend_network": 200,
    "trend_branch": 200,
    "drilldown_period": 200,
    "drilldown_summaries": 200,
    "daily_report": 1000,
}
UTC_OFFSET = dt.timedelta(hours=8)  # every synthetic branch is in Asia/Shanghai (no configuration: the default)
EDGES = np.array(waits.EDGES_MIN, dtype=float)
NB = len(waits.EDGES_MIN)
# service, share of arrivals, target wait (min), mean handling (s), wait multiplier
SERVICES = [
    ("cash", 0.42, 10, 240, 1.0),
    ("general", 0.28, 15, 420, 1.1),
    ("corporate", 0.10, 20, 780, 1.4),
    ("wealth", 0.12, 20, 720, 1.3),
    ("fx", 0.08, 15, 360, 1.0),
]
SHARE = np.array([s[1] for s in SERVICES])
TARGET = np.array([s[2] for s in SERVICES], dtype=float)
HANDLING = np.array([s[3] for s in SERVICES], dtype=float)
SLOWER = np.array([s[4] for s in SERVICES])
WEEKDAY = [1.25, 1.0, 0.95, 0.95, 1.1, 0.7, 0.55]  # Monday .. Sunday
TICKETS_PER_BRANCH_DAY = 389.0  # 7 M tickets over 200 branches x 90 days
ALERT_KINDS = ("open_window", "sla_risk")
KYC = ("approved", "rejected", "review")


def profile(open_h: float, close_h: float) -> tuple[np.ndarray, np.ndarray]:
    """Local interval starts (hours) and relative arrival weights: a mid-morning and a lunchtime peak."""
    starts = np.arange(open_h, close_h, 0.25)
    mid = starts + 0.125
    weight = 1.0 + 0.6 * np.exp(-(((mid - 10.5) / 0.75) ** 2) / 2) + 0.9 * np.exp(-(((mid - 12.5) / 0.65) ** 2) / 2)
    weight *= np.where(mid > 16.25, 0.6, 1.0)
    return starts, weight / weight.sum()


WEEKDAY_PROFILE = profile(9, 17)
WEEKEND_PROFILE = profile(10, 16)


class Branch:
    def __init__(self, index: int, rng: np.random.Generator) -> None:
        self.id = f"bb-{index:04d}"
        self.size = float(np.clip(rng.lognormal(0.0, 0.45), 0.3, 3.5))
        self.staffing = float(rng.uniform(0.75, 1.35))
        self.windows = [f"w{n}" for n in range(1, int(np.clip(round(2 + 3.5 * self.size), 3, 12)) + 1)]


def branch_day(branch: Branch, day: dt.date, rng: np.random.Generator, out: dict[str, list[tuple[Any, ...]]]) -> int:
    """The rollup rows of one branch-day, appended to ``out`` (table -> rows); returns its tickets."""
    starts, weight = WEEKDAY_PROFILE if day.weekday() < 5 else WEEKEND_PROFILE
    mean = TICKETS_PER_BRANCH_DAY * branch.size * WEEKDAY[day.weekday()] * float(rng.lognormal(0, 0.1))
    lam = mean * np.outer(weight, SHARE)  # intervals x services
    arrivals = rng.poisson(lam)
    n_srv = arrivals.shape[1]
    flat = arrivals.ravel()
    cohort = np.repeat(np.arange(flat.size), flat)  # each ticket's (interval, service) cell
    tickets = int(cohort.size)
    interval, service = cohort // n_srv, cohort % n_srv
    load = weight[interval] / weight.max()
    mean_wait = (1.5 + 14.0 * load**2 / branch.staffing) * SLOWER[service]
    wait_min = rng.gamma(1.6, mean_wait / 1.6)
    abandoned = rng.random(tickets) < np.clip((wait_min - 12.0) / 60.0, 0.0, 0.5)
    cancelled = ~abandoned & (rng.random(tickets) < 0.005)
    called = ~abandoned & ~cancelled
    no_show = called & (rng.random(tickets) < 0.03)
    served = called & ~no_show
    transferred = served & (rng.random(tickets) < 0.01)
    handling_s = np.where(served, rng.gamma(2.0, HANDLING[service] / 2.0), 0.0)
    within = called & (wait_min <= TARGET[service])
    size = flat.size

    def per_cell(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(cohort, weights=(mask * (1.0 if weights is None else weights)), minlength=size)

    sums = {
        "called": per_cell(called),
        "served": per_cell(served),
        "no_show": per_cell(no_show),
        "abandoned": per_cell(abandoned),
        "cancelled": per_cell(cancelled),
        "transferred": per_cell(transferred),
        "wait_s_sum": per_cell(called, wait_min * 60.0),
        "within_target": per_cell(within),
        "handling_s_sum": per_cell(served, handling_s),
    }
    bucket = np.searchsorted(EDGES, wait_min, side="right") - 1
    counted = np.bincount(cohort[called] * NB + bucket[called], minlength=size * NB)
    utc_midnight = dt.datetime.combine(day, dt.time(), dt.UTC) - UTC_OFFSET
    starts_utc = [utc_midnight + dt.timedelta(hours=float(h)) for h in starts]
    service_rows, bucket_rows = out["rollup_service_interval"], out["rollup_wait_buckets"]
    lists = {k: v.tolist() for k, v in sums.items()}
    arrivals_list = flat.tolist()
    for cell in np.flatnonzero(flat).tolist():
        i, s = divmod(cell, n_srv)
        name, _, target, _, _ = SERVICES[s]
        at = starts_utc[i]
        c = int(lists["called"][cell])
        service_rows.append(
            (
                branch.id,
                name,
                at,
                day,
                target,
                arrivals_list[cell],
                c,
                int(lists["served"][cell]),
                int(lists["no_show"][cell]),
                int(lists["abandoned"][cell]),
                int(lists["cancelled"][cell]),
                int(lists["transferred"][cell]),
                c,
                lists["wait_s_sum"][cell],
                int(lists["within_target"][cell]),
                int(lists["served"][cell]),
                lists["handling_s_sum"][cell],
            )
        )
        row = counted[cell * NB : (cell + 1) * NB]
        for b in np.flatnonzero(row).tolist():
            bucket_rows.append((branch.id, name, at, waits.EDGES_MIN[b], int(row[b])))
    # windows and staff: the day's served tickets split between the windows, a quarter of them rated
    n_win = len(branch.windows)
    share = rng.dirichlet(np.full(n_win, 4.0))
    served_n = int(served.sum())
    by_window = rng.multinomial(served_n, share)
    no_show_by = rng.multinomial(int(no_show.sum()), share)
    handling_total = float(handling_s.sum())
    for w, window in enumerate(branch.windows):
        done = int(by_window[w])
        rated = int(rng.binomial(done, 0.25))
        rating_sum = int(np.clip(rng.normal(4.5, 0.5, rated).round(), 1, 5).sum()) if rated else 0
        handled_s = handling_total * done / served_n if served_n else 0.0
        values = (int(done), int(no_show_by[w]), int(done), handled_s, rated, rating_sum)
        out["rollup_window_day"].append((branch.id, day, window, *values))
        out["rollup_staff_day"].append((branch.id, day, f"s-{window}", *values))
    # footfall: two cameras, about 1.3 people per ticket (companions, enquiries), the same profile
    for camera in ("cam-1", "cam-2"):
        entered = rng.poisson(mean * 0.65 * weight)
        for i, count in enumerate(entered.tolist()):
            out["rollup_footfall_interval"].append((branch.id, camera, starts_utc[i], day, count, count))
    for kind in ALERT_KINDS:
        raised = int(rng.poisson(0.8 * branch.size))
        if raised:
            acknowledged = int(rng.binomial(raised, 0.7))
            out["rollup_alert_day"].append(
                (branch.id, day, kind, raised, int(rng.binomial(raised, 0.2)), acknowledged, 55.0 * acknowledged, 0)
            )
    for decision, rate in zip(KYC, (7.0, 0.8, 1.2), strict=True):
        decisions = int(rng.poisson(rate * branch.size))
        if decisions:
            out["rollup_kyc_day"].append((branch.id, day, decision, decisions))
    sessions = int(rng.poisson(14 * branch.size))
    handed = int(rng.binomial(sessions, 0.2))
    out["rollup_voice_day"].append(
        (branch.id, day, sessions, 3 * sessions, int(rng.binomial(sessions - handed, 0.85)), handed)
    )
    return tickets


LOAD_ORDER = (
    rollups.SERVICE_INTERVAL,
    rollups.WAIT_BUCKETS,
    rollups.WINDOW_DAY,
    rollups.STAFF_DAY,
    rollups.FOOTFALL_INTERVAL,
    rollups.ALERT_DAY,
    rollups.KYC_DAY,
    rollups.VOICE_DAY,
)
COLUMNS = {spec.table: spec.columns for spec in LOAD_ORDER}
"""In load order: a wait bucket's day is read from its cohort's service-interval row (migration 0004)."""


async def load(url: str, branches: list[Branch], days: list[dt.date], seed: int) -> dict[str, Any]:
    """Generate and COPY one day of every branch at a time (the summary's triggers run on each COPY)."""
    rng = np.random.default_rng(seed)
    connection = await asyncpg.connect(plain_url(url))
    tickets = rows = 0
    generate_s = copy_s = 0.0
    try:
        await connection.executemany(
            "INSERT INTO branch_config VALUES ($1, 1, $2::jsonb, now(), 'bench', 'head_office')",
            [(b.id, json.dumps({"branch": {"name": f"第{n + 1}支行"}})) for n, b in enumerate(branches)],
        )
        for number, day in enumerate(days):
            started = time.perf_counter()
            out: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
            for branch in branches:
                tickets += branch_day(branch, day, rng, out)
            copying = time.perf_counter()
            generate_s += copying - started
            async with connection.transaction():
                for table, columns in COLUMNS.items():
                    await connection.copy_records_to_table(table, records=out[table], columns=columns)
                    rows += len(out[table])
            copy_s += time.perf_counter() - copying
            if number % 10 == 9 or number == len(days) - 1:
                print(
                    f"  day {number + 1}/{len(days)}: {tickets:,} tickets, {rows:,} rollup rows "
                    f"(generate {generate_s:.0f} s, COPY + triggers {copy_s:.0f} s)",
                    flush=True,
                )
        started = time.perf_counter()
        await connection.execute("VACUUM ANALYZE")
        vacuum_s = time.perf_counter() - started
    finally:
        await connection.close()
    return {
        "tickets": tickets,
        "rollup_rows": rows,
        "generate_s": round(generate_s, 1),
        "copy_with_triggers_s": round(copy_s, 1),
        "rows_per_s": round(rows / copy_s) if copy_s else None,
        "vacuum_analyze_s": round(vacuum_s, 1),
    }


async def sizes(url: str, branch_days: int) -> dict[str, dict[str, Any]]:
    connection = await asyncpg.connect(plain_url(url))
    try:
        out = {}
        for table in (*COLUMNS, "rollup_branch_day", "rollup_service_day"):
            count = await connection.fetchval(f"SELECT count(*) FROM {table}")
            heap = await connection.fetchval("SELECT pg_table_size($1::regclass)", table)
            total = await connection.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
            out[table] = {
                "rows": count,
                "rows_per_branch_day": round(count / branch_days, 1),
                "table_bytes": heap,
                "with_indexes_bytes": total,
                "bytes_per_row": round(total / count) if count else None,
                "bytes_per_branch_day": round(total / branch_days),
            }
        return out
    finally:
        await connection.close()


async def timed(samples: int, call: Callable[[random.Random], Awaitable[Any]], rng: random.Random) -> list[float]:
    for _ in range(3):  # warm-up (plans, pool, caches)
        await call(rng)
    spent = []
    for _ in range(samples):
        started = time.perf_counter()
        await call(rng)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


async def measure(url: str, branches: list[Branch], days: list[dt.date], samples: int, seed: int) -> dict[str, Any]:
    engine = create_engine(RecordsSettings(database_url=url))
    last = days[-1]
    queries = NetworkQueries(engine)
    head_office = HeadOffice(queries, lambda: dt.datetime.combine(last, dt.time(9), dt.UTC))
    reports = Reports(ReportStore(engine), lambda report, lang: b"", lambda: dt.datetime.now(dt.UTC))
    fields = ("within_target_share", "arrivals", "wait_p90_min", "served", "rating_avg")

    def span(rng: random.Random, length: int) -> tuple[str, str]:
        end = days[rng.randrange(length - 1, len(days))] if length <= len(days) else last
        return (end - dt.timedelta(days=length - 1)).isoformat(), end.isoformat()

    async def ranking(rng: random.Random, length: int) -> None:
        start, end = span(rng, length)
        report = await head_office.branches(start, end, sort=rng.choice(fields), order=rng.choice(("asc", "desc")))
        assert len(report["branches"]) == len(branches)

    async def trend(rng: random.Random, one: bool) -> None:
        start, end = span(rng, rng.randint(30, min(90, len(days))))
        await head_office.trend(start, end, rng.choice(branches).id if one else None)

    async def drilldown(rng: random.Random) -> None:
        start, end = span(rng, rng.randint(30, min(90, len(days))))
        branch = rng.choice(branches).id
        await reports.period(branch, start, end)

    async def drilldown_summaries(rng: random.Random) -> None:
        """The same period's days and services from the summaries of migration 0004 (what the period report
        reads; windows, staff and alerts are day tables already)."""
        start, end = span(rng, rng.randint(30, min(90, len(days))))
        period = date_range(start, end, last, max_days=92)
        branch = rng.choice(branches).id
        _, services = await asyncio.gather(queries.per_day(period, branch), queries.per_service(period, branch))
        assert services

    async def daily(rng: random.Random) -> None:
        day, branch = rng.choice(days).isoformat(), rng.choice(branches).id
        await reports.daily(branch, day)

    calls: dict[str, Callable[[random.Random], Awaitable[Any]]] = {
        "ranking_30d": lambda rng: ranking(rng, 30),
        "ranking_90d": lambda rng: ranking(rng, 90),
        "trend_network": lambda rng: trend(rng, False),
        "trend_branch": lambda rng: trend(rng, True),
        "drilldown_period": drilldown,
        "drilldown_summaries": drilldown_summaries,
        "daily_report": daily,
    }
    out: dict[str, Any] = {}
    try:
        for name, call in calls.items():
            load_before = os.getloadavg()[0]
            spent = await timed(samples, call, random.Random(f"{seed}-{name}"))
            out[name] = {
                "samples": len(spent),
                "p50_ms": round(percentile(spent, 50), 1),
                "p95_ms": round(percentile(spent, 95), 1),
                "max_ms": round(max(spent), 1),
                "target_p95_ms": TARGET_MS[name],
                "met": percentile(spent, 95) <= TARGET_MS[name],
                "loadavg_1m_before": round(load_before, 2),
            }
            print(f"  {name}: p50 {out[name]['p50_ms']} ms, p95 {out[name]['p95_ms']} ms", flush=True)
    finally:
        await engine.dispose()
    out["drilldown_and_daily_from"] = "services/records/usecases/reports.py (period, daily)"
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    log_dir = Path(tempfile.mkdtemp(prefix="branchops-bench-queries-"))
    pg_url, server = find_or_start_postgres(log_dir=log_dir / "postgres")
    database = f"bench_queries_{uuid.uuid4().hex[:8]}"
    url = create_database(pg_url, database)
    rng = np.random.default_rng(args.seed)
    branches = [Branch(n, rng) for n in range(args.branches)]
    scale = 1.0 / (float(np.mean([b.size for b in branches])) * float(np.mean(WEEKDAY)))
    for branch in branches:  # on average TICKETS_PER_BRANCH_DAY a day over a week
        branch.size *= scale
    first = dt.date(2026, 9, 1)
    days = [first + dt.timedelta(days=n) for n in range(args.days)]
    engine = create_engine(RecordsSettings(database_url=url))
    try:
        await migrate(engine)
        await engine.dispose()
        print(f"loading {args.branches} branches x {args.days} days of rollups ...", flush=True)
        loaded = await load(url, branches, days, args.seed)
        measured_sizes = await sizes(url, args.branches * args.days)
        print("timing the queries ...", flush=True)
        timings = await measure(url, branches, days, args.samples, args.seed)
    finally:
        if not args.keep:
            drop_database(pg_url, database)
        if server is not None:
            server.stop()
    return {
        "branches": args.branches,
        "days": args.days,
        "what": "rollup rows generated from a ticket-level model and COPY'd (not events through the ingest path)",
        "load": loaded,
        "sizes": measured_sizes,
        "queries": timings,
        "postgres": "embedded (fsync off)" if server is not None else "found on the machine",
        "database": url.rsplit("/", 1)[-1] if args.keep else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--samples", type=int, default=100, help="timed calls per query (after 3 warm-ups)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database afterwards (on a PostgreSQL found on the machine: the embedded one is stopped)",
    )
    parser.add_argument("--name", default="records_queries", help="result file name under bench/results")
    args = parser.parse_args()
    before = machine()
    result = asyncio.run(run(args))
    result["machine"] = {**before, "loadavg_1m_after": round(os.getloadavg()[0], 2)}
    print()
    print(
        f"{result['load']['tickets']:,} tickets as {result['load']['rollup_rows']:,} rollup rows "
        f"({args.branches} branches x {args.days} days; generated, COPY'd: {result['what']})"
    )
    print(f"{'query':<18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>8}  met")
    for name, q in result["queries"].items():
        if isinstance(q, dict):
            print(
                f"{name:<18} {q['p50_ms']:>8} {q['p95_ms']:>8} {q['max_ms']:>8} {q['target_p95_ms']:>8}  "
                f"{'yes' if q['met'] else 'NO'}"
            )
    print(f"{'table':<26} {'rows':>11} {'rows/branch-day':>16} {'bytes/row':>10} {'MB':>8}")
    for table, s in result["sizes"].items():
        print(
            f"{table:<26} {s['rows']:>11,} {s['rows_per_branch_day']:>16} {s['bytes_per_row'] or 0:>10} "
            f"{s['with_indexes_bytes'] / 1e6:>8.1f}"
        )
    m = result["machine"]
    print(f"machine: {m['nproc']} cores, {m['cpu']}, load {m['loadavg_1m']} before, {m['loadavg_1m_after']} after")
    print(f"wrote {write_result(args.name, result)}")


if __name__ == "__main__":
    main()
