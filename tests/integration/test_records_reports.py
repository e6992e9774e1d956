"""Branch reports (docs/records-reports-api.md): a realistic branch morning goes through the real ingest path
(history use case -> PostgreSQL raw rows, state, rollups) and the day, period and PDF reports and the
configuration audit are read back over HTTP with exact figures."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import subprocess
import time
import uuid
import zoneinfo
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from branchops.contracts import Topic, topics
from branchops.contracts import events as ev
from branchops.contracts.base import EventData
from branchops.contracts.enums import ServiceName, WindowState
from branchops.devstack import TansuBroker
from branchops.settings import Role
from branchops.web import issue_token
from services.records.adapters.report_store import TICKET_SUMS, ReportStore, _ints
from services.records.bootstrap import build_app, build_history
from services.records.domain import report, waits
from services.records.handlers import HistoryHandler
from services.records.routes.reports import DailyReport, PeriodReport
from tests.conftest import api_key, make_platform
from tests.integration.records_support import branch_morning, document, encoded, records_settings, scalar

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "records"

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
HEAD_OFFICE = {"X-API-Key": api_key(Role.HEAD_OFFICE)}
SERVICE = {"X-API-Key": api_key(Role.SERVICE)}
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
TELLER = {"X-API-Key": api_key(Role.TELLER)}
KIOSK = {"X-API-Key": api_key(Role.KIOSK)}

TODAY = dt.datetime.now(TZ).date()
DAY = TODAY - dt.timedelta(days=2)
"""The reported day: recent enough for every table's retention (queue forecasts: 14 days)."""
OPEN = dt.datetime.combine(DAY, dt.time(9, 0), TZ).astimezone(dt.UTC)
NOW = dt.datetime.combine(DAY, dt.time(12, 0), TZ).astimezone(dt.UTC)
TICKETS = 40


def _branch() -> str:
    return f"rr-{uuid.uuid4().hex[:10]}"


def at(minutes: float) -> dt.datetime:
    return OPEN + dt.timedelta(minutes=minutes)


@pytest.fixture
async def env(session_broker: TansuBroker, redis_url: str, database_url: str) -> AsyncIterator[tuple[FastAPI, Any]]:
    """The records app on a clock stopped at noon of the reported day (its default date)."""
    settings = records_settings(database_url, redis_url)
    app = build_app(settings, make_platform(session_broker.bootstrap), clock=lambda: NOW)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://records", timeout=30) as client,
    ):
        yield app, client


def _extra_events(branch: str) -> list[tuple[Topic, EventData]]:
    """Beyond the generated morning: a window left open since the evening before, w2 on a break 09:40-10:05,
    a newer plan (version 2) in 30-minute intervals, and a second forecast published at 09:20."""

    def window(minutes: float, window_id: str, state: WindowState, staff: str | None) -> tuple[Topic, EventData]:
        return topics.WINDOWS, ev.Window(
            branch_id=branch, at=at(minutes), window_id=window_id, state=state, staff_id=staff
        )

    plan = ev.StaffingPlan(
        branch_id=branch,
        at=at(-30),
        date=DAY,
        version=2,
        intervals=[
            ev.PlanInterval(start="09:00", required={}, planned={ServiceName.CASH: 1, ServiceName.GENERAL: 1}),
            ev.PlanInterval(start="09:30", required={}, planned={ServiceName.CASH: 2, ServiceName.GENERAL: 1}),
            ev.PlanInterval(start="10:00", required={}, planned={ServiceName.CASH: 1}),
        ],
        assignments=[],
        solve_ms=80,
        objective=2.0,
    )
    forecast = ev.QueueForecast(
        branch_id=branch,
        at=at(20),
        per_service=[],
        arrivals=[
            # published after 09:15 began: the 09:15 interval keeps the forecast of 09:03 (9.0)
            ev.ArrivalForecast(interval_start=at(15), expected=100.0, p10=90.0, p90=110.0),
            ev.ArrivalForecast(interval_start=at(30), expected=7.5, p10=5.0, p90=10.0),
            ev.ArrivalForecast(interval_start=at(45), expected=3.0, p10=1.0, p90=4.0, service=ServiceName.CASH),
            ev.ArrivalForecast(interval_start=at(45), expected=2.0, p10=1.0, p90=3.0, service=ServiceName.GENERAL),
        ],
    )
    return [
        window(-15 * 60, "w4", WindowState.OPEN, "s04"),  # 18:00 the day before, never closed
        window(-16 * 60, "w3", WindowState.OPEN, "s03"),
        window(-15.5 * 60, "w3", WindowState.CLOSED, None),
        window(40, "w2", WindowState.BREAK, "s02"),
        window(65, "w2", WindowState.OPEN, "s02"),
        (topics.STAFFING_PLAN, plan),
        (topics.QUEUE_FORECAST, forecast),
    ]


async def _feed(app: FastAPI, client: httpx.AsyncClient, branch: str) -> list[tuple[Topic, EventData]]:
    """Configure the branch, then ingest its morning through the history use case (as the consumer does)."""
    assert (await client.put(f"/v1/branches/{branch}/config", json=document(), headers=MANAGER)).status_code == 201
    morning, _ = branch_morning(branch, OPEN, tickets=TICKETS)
    events = sorted([*morning, *_extra_events(branch)], key=lambda item: item[1].at)
    settings = app.state.settings
    history = build_history(settings, make_platform("127.0.0.1:9"), app.state.engine, None, lambda: NOW)  # type: ignore[arg-type]
    batch = [HistoryHandler.decode(topics.topic_by_name(name), value) for name, _, value in encoded(events)]
    report = await history.ingest(batch)
    assert report.stored == len(events)
    return events


# ------------------------------------------------------------------ what the morning must add up to
def _ticket_fate(i: int) -> tuple[str, float | None]:
    """(outcome, wait in minutes) of ticket ``i`` of branch_morning."""
    if i % 7 == 6:
        return "abandoned", None
    if i % 11 == 10:
        return "no_show", float(i % 23)
    return "served", float(i % 23)


def _histogram(values: list[float]) -> dict[int, int]:
    return dict(Counter(waits.bucket(v) for v in values))


def _pct(values: list[float], q: float) -> float | None:
    found = waits.percentile(_histogram(values), q)
    return None if found is None else round(found, 1)


def _expected_intervals(events: list[tuple[Topic, EventData]]) -> dict[str, dict[str, Any]]:
    per: dict[str, dict[str, Any]] = {}
    for i in range(TICKETS):
        local = (OPEN + dt.timedelta(minutes=2 * i)).astimezone(TZ)
        key = f"{local.hour:02d}:{local.minute - local.minute % 15:02d}"
        row = per.setdefault(key, {"arrivals": 0, "served": 0, "abandoned": 0, "waits": [], "within": 0})
        outcome, wait = _ticket_fate(i)
        row["arrivals"] += 1
        row["served"] += outcome == "served"
        row["abandoned"] += outcome == "abandoned"
        if wait is not None:
            row["waits"].append(wait)
            row["within"] += wait <= 10
    entered: Counter[str] = Counter()
    for topic, data in events:
        if topic is topics.FOOTFALL:
            assert isinstance(data, ev.Footfall)
            local = data.window_start.astimezone(TZ)
            entered[f"{local.hour:02d}:{local.minute - local.minute % 15:02d}"] += data.entered
    for key, row in per.items():
        row["footfall_entered"] = entered[key]
    return per


async def test_the_day_report_adds_up_to_the_morning(env: Any) -> None:
    app, client = env
    branch = _branch()
    events = await _feed(app, client, branch)
    started = time.perf_counter()
    response = await client.get(
        f"/v1/branches/{branch}/reports/daily", params={"date": DAY.isoformat()}, headers=HEAD_OFFICE
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert elapsed < 1.0, f"one branch-day took {elapsed:.3f} s"
    body = response.json()
    DailyReport.model_validate(body)  # the shape documented in OpenAPI
    assert (body["branch_id"], body["date"], body["timezone"]) == (branch, DAY.isoformat(), "Asia/Shanghai")
    assert body["generated_at"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")

    fates = [_ticket_fate(i) for i in range(TICKETS)]
    all_waits = [w for _, w in fates if w is not None]
    served = sum(1 for f, _ in fates if f == "served")
    abandoned = sum(1 for f, _ in fates if f == "abandoned")
    within = sum(1 for w in all_waits if w <= 10)
    rated = [i for i in range(TICKETS) if fates[i][0] == "served" and i % 3 == 0]
    entered = sum(d.entered for t, d in events if t is topics.FOOTFALL and isinstance(d, ev.Footfall))
    assert body["totals"] == {
        "arrivals": TICKETS,
        "called": len(all_waits),
        "served": served,
        "no_show": sum(1 for f, _ in fates if f == "no_show"),
        "abandoned": abandoned,
        "cancelled": 0,
        "transferred": 0,
        "within_target_share": round(within / (len(all_waits) + abandoned), 3),
        "wait_p50_min": _pct(all_waits, 50),
        "wait_p90_min": _pct(all_waits, 90),
        "handling_min_avg": 4.0,
        "ratings": len(rated),
        "rating_avg": 3.0,
        "footfall_entered": entered,
        "alerts_raised": 1,
        "alerts_acknowledged": 0,
        "alert_ack_s_avg": None,
        "alerts_expired": 0,
        "voice_sessions": 3,
        "voice_completed_without_staff": 1,
        "voice_handed_off": 1,
        "voice_containment": 0.333,
        "kyc_decisions": 4,
    }
    assert (served, abandoned, len(all_waits)) == (32, 5, 35)

    expected = _expected_intervals(events)
    locals_ = [i["local"] for i in body["intervals"]]
    assert locals_ == sorted(expected), "every interval with tickets or footfall, in time order"
    forecast = {"09:15": 9.0, "09:30": 7.5, "09:45": 5.0}
    opened = {"09:00": 3, "09:15": 3, "09:30": 3, "09:45": 2, "10:00": 2, "10:15": 3}
    planned = {"09:00": 2, "09:15": 2, "09:30": 3, "09:45": 3, "10:00": 1, "10:15": 1}
    for row in body["intervals"]:
        want = expected[row["local"]]
        local = dt.datetime.combine(DAY, dt.time.fromisoformat(row["local"]), TZ).astimezone(dt.UTC)
        assert row == {
            "start": local.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "local": row["local"],
            "arrivals": want["arrivals"],
            "forecast": forecast.get(row["local"]),
            "served": want["served"],
            "abandoned": want["abandoned"],
            "within_target_share": round(want["within"] / (len(want["waits"]) + want["abandoned"]), 3),
            "wait_p50_min": _pct(want["waits"], 50),
            "wait_p90_min": _pct(want["waits"], 90),
            "footfall_entered": want["footfall_entered"],
            "windows_open": opened.get(row["local"]),
            "windows_planned": planned.get(row["local"], 0),
        }, row["local"]

    assert body["services"] == [
        {
            "service": "cash",
            "target_wait_min": 10,
            "arrivals": TICKETS,
            "served": served,
            "abandoned": abandoned,
            "within_target_share": body["totals"]["within_target_share"],
            "wait_p50_min": body["totals"]["wait_p50_min"],
            "wait_p90_min": body["totals"]["wait_p90_min"],
            "handling_min_avg": 4.0,
            "called": len(all_waits),
            "no_show": 3,
        }
    ]
    for key, ids in (("window_id", ("w1", "w2")), ("staff_id", ("s01", "s02"))):
        rows = body["windows" if key == "window_id" else "staff"]
        assert [r[key] for r in rows] == list(ids)
        for parity, row in enumerate(rows):
            mine = [i for i in range(TICKETS) if i % 2 == parity]
            assert row["served"] == sum(1 for i in mine if fates[i][0] == "served"), row
            assert row["no_show"] == sum(1 for i in mine if fates[i][0] == "no_show"), row
            assert row["handling_min_avg"] == 4.0
            assert row["ratings"] == sum(1 for i in rated if i % 2 == parity)
            assert row["rating_avg"] == (3.0 if row["ratings"] else None)
    assert body["alerts"] == [
        {"kind": "open_window", "raised": 1, "escalated": 1, "acknowledged": 0, "ack_s_avg": None, "expired": 0}
    ]
    assert body["kyc"] == [
        {"decision": "approved", "count": 2},
        {"decision": "rejected", "count": 1},
        {"decision": "review", "count": 1},
    ]
    assert body["voice"] == {
        "sessions": 3,
        "turns": 6,
        "completed_without_staff": 1,
        "handed_off": 1,
        "containment": 0.333,
    }
    grids = [d for t, d in events if t is topics.OCCUPANCY and isinstance(d, ev.Occupancy) and not d.in_progress]
    assert [g.hour_start.astimezone(TZ).hour for g in grids] == [9, 10]
    assert body["occupancy"] == [
        {
            "camera_id": "cam-1",
            "max_cell_person_s": max(max(g.person_s) for g in grids),
            "hours": [
                {
                    "hour": g.hour_start.astimezone(TZ).hour,
                    "local": f"{g.hour_start.astimezone(TZ).hour:02d}:00",
                    "start": g.hour_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "cols": g.cols,
                    "rows": g.rows,
                    "person_s": g.person_s,
                    "seconds": g.seconds,
                    "peak": g.peak,
                    "people_avg": round(sum(g.person_s) / g.seconds, 2),
                }
                for g in grids
            ],
        }
    ]

    default = await client.get(f"/v1/branches/{branch}/reports/daily", headers=SERVICE)
    assert default.status_code == 200 and default.json()["date"] == DAY.isoformat(), "the branch's local today"
    assert default.json()["totals"] == body["totals"]


async def test_period_has_every_day_and_a_day_without_data_is_zero(env: Any) -> None:
    app, client = env
    branch = _branch()
    await _feed(app, client, branch)
    day = (
        await client.get(f"/v1/branches/{branch}/reports/daily", params={"date": DAY.isoformat()}, headers=MANAGER)
    ).json()
    first, last = DAY - dt.timedelta(days=6), DAY + dt.timedelta(days=1)
    response = await client.get(
        f"/v1/branches/{branch}/reports/period",
        params={"from": first.isoformat(), "to": last.isoformat()},
        headers=HEAD_OFFICE,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    PeriodReport.model_validate(body)
    assert (body["from"], body["to"], body["timezone"]) == (first.isoformat(), last.isoformat(), "Asia/Shanghai")
    assert [d["date"] for d in body["days"]] == [(first + dt.timedelta(days=n)).isoformat() for n in range(8)]
    assert body["totals"] == day["totals"]
    for entry in body["days"]:
        if entry["date"] == DAY.isoformat():
            assert {k: v for k, v in entry.items() if k != "date"} == day["totals"]
        else:
            assert entry["arrivals"] == entry["served"] == entry["kyc_decisions"] == entry["voice_sessions"] == 0
            assert entry["within_target_share"] is None and entry["wait_p50_min"] is None
            assert entry["rating_avg"] is None and entry["voice_containment"] is None
    for section in ("services", "windows", "staff", "alerts", "kyc", "voice"):
        assert body[section] == day[section], section

    empty = await client.get(
        f"/v1/branches/{_branch()}/reports/daily", params={"date": DAY.isoformat()}, headers=HEAD_OFFICE
    )
    assert empty.status_code == 200
    nothing = empty.json()
    assert nothing["intervals"] == [] and nothing["services"] == [] and nothing["totals"]["arrivals"] == 0
    assert nothing["totals"]["within_target_share"] is None and nothing["voice"]["containment"] is None


async def test_acknowledgements_and_expiries_count_once_per_alert_in_the_reports(env: Any) -> None:
    """staffing.alerts.v1 re-publishes an alert (same id, new event) when acknowledged and once when it expires
    unacknowledged: the day's alerts section and totals count each once, the raw table keeps every version."""
    app, client = env
    branch = _branch()
    events = await _feed(app, client, branch)
    raised = [d for t, d in events if t is topics.STAFFING_ALERTS and isinstance(d, ev.StaffingAlert)]
    escalated = raised[-1]  # raised at 09:30, escalated at 09:35
    acked = escalated.model_copy(update={"at": at(38), "acknowledged_at": at(38)})
    second = raised[0].model_copy(update={"alert_id": f"al2-{branch}", "at": at(50), "expires_at": at(65)})
    expired = second.model_copy(update={"at": at(65), "expired": True})
    history = build_history(app.state.settings, make_platform("127.0.0.1:9"), app.state.engine, None, lambda: NOW)  # type: ignore[arg-type]

    def decoded(items: list[tuple[Topic, EventData]]) -> list[Any]:
        return [HistoryHandler.decode(topics.topic_by_name(name), value) for name, _, value in encoded(items)]

    first = decoded([(topics.STAFFING_ALERTS, acked), (topics.STAFFING_ALERTS, second)])
    assert (await history.ingest(first)).stored == 2
    assert (await history.ingest(first)).duplicates == 2, "a redelivery adds nothing"
    again = decoded([(topics.STAFFING_ALERTS, acked), (topics.STAFFING_ALERTS, expired)])  # new event ids
    assert (await history.ingest(again)).stored == 2
    late = decoded(
        [
            (topics.STAFFING_ALERTS, expired),
            (topics.STAFFING_ALERTS, escalated.model_copy(update={"at": at(66), "expired": True})),
        ]
    )
    assert (await history.ingest(late)).stored == 2, "an expiry again, and one of an acknowledged alert"

    body = (
        await client.get(f"/v1/branches/{branch}/reports/daily", params={"date": DAY.isoformat()}, headers=MANAGER)
    ).json()
    assert body["alerts"] == [
        {"kind": "open_window", "raised": 2, "escalated": 1, "acknowledged": 1, "ack_s_avg": 480.0, "expired": 1}
    ]
    expected = {"alerts_raised": 2, "alerts_acknowledged": 1, "alert_ack_s_avg": 480.0, "alerts_expired": 1}
    assert {k: body["totals"][k] for k in expected} == expected
    period = (
        await client.get(
            f"/v1/branches/{branch}/reports/period",
            params={"from": DAY.isoformat(), "to": DAY.isoformat()},
            headers=HEAD_OFFICE,
        )
    ).json()
    assert period["alerts"] == body["alerts"] and period["totals"] == body["totals"]
    summary = await scalar(
        app.state.engine,
        "SELECT array[alerts_raised, alerts_acknowledged, alerts_expired]::int[] || array[alert_ack_s_sum::int]"
        " FROM rollup_branch_day WHERE branch_id = :b AND day = :d",
        b=branch,
        d=DAY,
    )
    assert summary == [2, 1, 1, 480], "the head office's day summary follows"
    versions = await scalar(
        app.state.engine, "SELECT count(*) FROM events_staffing_alerts WHERE branch_id = :b", b=branch
    )
    assert versions == 2 + 6, "every version kept (the key is the event id and time)"


async def _period_from_interval_rows(app: FastAPI, branch: str, first: dt.date, last: dt.date) -> dict[str, Any]:
    """The period report as computed before the day summaries: tickets, waits and footfall summed from the
    15-minute rollups (the reference the summary-based report must equal)."""
    lo, hi = report.day_bounds(first, TZ)[0], report.day_bounds(last, TZ)[1]
    span = {"b": branch, "first": first, "last": last, "lo": lo, "hi": hi, "tz": "Asia/Shanghai"}
    sums = ", ".join(f"sum({n}) AS {n}" for n in TICKET_SUMS)
    async with app.state.engine.connect() as connection:
        tickets = await connection.execute(
            text(
                "SELECT day, service, (array_agg(target_wait_min ORDER BY interval_start DESC))[1] AS target,"
                f" {sums} FROM rollup_service_interval WHERE branch_id = :b AND day BETWEEN :first AND :last"
                " GROUP BY day, service"
            ),
            span,
        )
        buckets = await connection.execute(
            text(
                "SELECT (interval_start AT TIME ZONE :tz)::date AS day, service, bucket, sum(tickets) AS tickets"
                " FROM rollup_wait_buckets WHERE branch_id = :b AND interval_start >= :lo AND interval_start < :hi"
                " GROUP BY 1, service, bucket"
            ),
            span,
        )
        footfall = await connection.execute(
            text(
                "SELECT day, sum(entered) AS entered FROM rollup_footfall_interval"
                " WHERE branch_id = :b AND day BETWEEN :first AND :last GROUP BY day"
            ),
            span,
        )
        data = report.ReportData(
            tickets=[
                report.TicketRow(r.day, r.service, r.target, _ints(r, TICKET_SUMS, report.TicketCounts))
                for r in tickets
            ],
            buckets=[report.BucketRow(r.day, r.service, r.bucket, int(r.tickets)) for r in buckets],
            footfall=[report.FootfallRow(r.day, int(r.entered)) for r in footfall],
        )
        await ReportStore._days(connection, branch, first, last, data)
    return report.period_report(branch, first, last, "Asia/Shanghai", data)


async def test_the_period_reads_the_day_summaries_and_equals_the_15_minute_rows(env: Any) -> None:
    """Two days with a target change between them: the period report (from rollup_service_day) is the one the
    15-minute rollups give, the service's target the newest."""
    app, client = env
    branch = _branch()
    await _feed(app, client, branch)
    before = OPEN - dt.timedelta(days=1)
    morning, _ = branch_morning(branch, before, tickets=30, seed=5)
    earlier = [
        (topic, data.model_copy(update={"ticket_id": f"{data.ticket_id}-d1"}) if isinstance(data, ev.Ticket) else data)
        for topic, data in morning
        if topic in (topics.TICKETS, topics.FOOTFALL)
    ]
    got = await client.get(f"/v1/branches/{branch}/config", headers=MANAGER)
    changed = got.json()["config"]
    changed["services"][0]["target_wait_min"] = 5  # cash: the day before was counted against 5 minutes
    put = await client.put(
        f"/v1/branches/{branch}/config", json=changed, headers={**MANAGER, "If-Match": got.headers["etag"]}
    )
    assert put.status_code == 200, put.text
    history = build_history(app.state.settings, make_platform("127.0.0.1:9"), app.state.engine, None, lambda: NOW)  # type: ignore[arg-type]
    batch = [HistoryHandler.decode(topics.topic_by_name(name), value) for name, _, value in encoded(earlier)]
    assert (await history.ingest(batch)).stored == len(earlier)

    first, last = DAY - dt.timedelta(days=3), DAY
    response = await client.get(
        f"/v1/branches/{branch}/reports/period",
        params={"from": first.isoformat(), "to": last.isoformat()},
        headers=HEAD_OFFICE,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == await _period_from_interval_rows(app, branch, first, last)
    days = {d["date"]: d for d in body["days"]}
    assert days[(DAY - dt.timedelta(days=1)).isoformat()]["arrivals"] == 30
    assert days[DAY.isoformat()]["arrivals"] == TICKETS
    assert body["totals"]["arrivals"] == 30 + TICKETS
    assert [s["target_wait_min"] for s in body["services"]] == [10], "the newest interval's target (DAY's)"


async def test_the_day_as_a_printable_pdf(env: Any) -> None:
    app, client = env
    branch = _branch()
    await _feed(app, client, branch)
    pages: dict[str, bytes] = {}
    for lang in ("zh", "en"):
        response = await client.get(
            f"/v1/branches/{branch}/reports/daily.pdf", params={"date": DAY.isoformat(), "lang": lang}, headers=MANAGER
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == (
            f'inline; filename="branch-report-{branch}-{DAY.isoformat()}-{lang}.pdf"'
        )
        pages[lang] = response.content
        assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")
        assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in response.content, "A4"
        assert response.content.count(b"/Type /Page\n") >= 1
    assert b"STSong-Light" in pages["zh"] and b"STSong-Light" not in pages["en"]
    assert b"Helvetica" in pages["en"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang, pdf in pages.items():  # looked at: the heat maps of 09:00 and 10:00, the legend under them
        pdf_file = ARTIFACTS / f"report-heat-map-{lang}.pdf"
        pdf_file.write_bytes(pdf)
        if shutil.which("pdftotext") and shutil.which("pdftoppm"):
            words = await asyncio.to_thread(
                subprocess.run, ["pdftotext", str(pdf_file), "-"], capture_output=True, text=True, check=True
            )
            expected = (
                ("Hall occupancy heat map", "09:00 peak 3", "Whole day 09:00-11:00, peak 4", "cam-1")
                if lang == "en"
                else ("大厅热力图", "09:00 峰值3人", "全天 09:00-11:00", "cam-1")
            )
            assert all(text in words.stdout for text in expected), words.stdout[-800:]
            await asyncio.to_thread(
                subprocess.run, ["pdftoppm", "-r", "80", "-png", str(pdf_file), str(pdf_file)[:-4]], check=True
            )
    default = await client.get(f"/v1/branches/{branch}/reports/daily.pdf", headers=MANAGER)
    assert default.status_code == 200 and b"STSong-Light" in default.content, "Chinese by default"
    assert (
        await client.get(f"/v1/branches/{branch}/reports/daily.pdf", params={"lang": "fr"}, headers=MANAGER)
    ).status_code == 422


async def test_query_errors_are_problems_with_a_reason(env: Any) -> None:
    _, client = env
    base = f"/v1/branches/{_branch()}/reports"

    async def problem(path: str, params: dict[str, str], status: int) -> str:
        response = await client.get(f"{base}/{path}", params=params, headers=HEAD_OFFICE)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        reason: str = response.json()["reason"]
        return reason

    for bad in ("2026-13-01", "yesterday", "2026-2-1", "2026-W49-1", "20261206"):
        assert await problem("daily", {"date": bad}, 400) == "bad_date"
        assert await problem("daily.pdf", {"date": bad}, 400) == "bad_date"
        assert await problem("period", {"from": bad, "to": "2026-12-01"}, 400) == "bad_date"
    assert await problem("period", {"from": "2026-12-06", "to": "2026-12-05"}, 400) == "bad_range"
    assert await problem("period", {"from": "2026-01-01", "to": "2026-04-03"}, 422) == "range_too_long"  # 93 days
    ok = await client.get(f"{base}/period", params={"from": "2026-01-01", "to": "2026-04-01"}, headers=HEAD_OFFICE)
    assert ok.status_code == 200 and len(ok.json()["days"]) == 91
    ninety_two = await client.get(f"{base}/period", params={"from": "2026-01-01", "to": "2026-04-02"}, headers=SERVICE)
    assert ninety_two.status_code == 200 and len(ninety_two.json()["days"]) == 92


async def test_who_may_read_a_branch_report(env: Any) -> None:
    app, client = env
    own, other = _branch(), _branch()
    bearer = {"Authorization": f"Bearer {issue_token(app.state.platform, 'mgr-li', Role.MANAGER, branch_id=own)}"}
    paths = ["reports/daily", "reports/daily.pdf", "reports/period?from=2026-12-01&to=2026-12-06", "config/audit"]
    for path in paths:
        assert (await client.get(f"/v1/branches/{own}/{path}", headers=bearer)).status_code == 200, path
        refused = await client.get(f"/v1/branches/{other}/{path}", headers=bearer)
        assert refused.status_code == 403 and "limited to branch" in refused.json()["detail"], path
        for headers in (HEAD_OFFICE, SERVICE, MANAGER):
            assert (await client.get(f"/v1/branches/{other}/{path}", headers=headers)).status_code == 200, path
        for headers in (TELLER, KIOSK):
            assert (await client.get(f"/v1/branches/{own}/{path}", headers=headers)).status_code == 403, path
        assert (await client.get(f"/v1/branches/{own}/{path}")).status_code == 401, path


async def test_the_configuration_audit_pages_newest_first(env: Any) -> None:
    app, client = env
    branch = _branch()
    token = issue_token(app.state.platform, "mgr-wang", Role.MANAGER, branch_id=branch)
    bearer = {"Authorization": f"Bearer {token}"}
    doc = document()
    created = await client.put(f"/v1/branches/{branch}/config", json=doc, headers=bearer)
    etag = created.headers["ETag"]
    for n in range(4):
        doc["staff"][1]["display_name"] = f"Li Na {n}"
        changed = await client.put(f"/v1/branches/{branch}/config", json=doc, headers={**bearer, "If-Match": etag})
        assert changed.status_code == 200
        etag = changed.headers["ETag"]

    first = await client.get(f"/v1/branches/{branch}/config/audit", params={"limit": 2}, headers=HEAD_OFFICE)
    assert first.status_code == 200
    page = first.json()
    assert page["branch_id"] == branch and [e["version"] for e in page["entries"]] == [5, 4]
    assert page["next_before_version"] == 4
    entry = page["entries"][0]
    assert (entry["subject"], entry["role"]) == ("mgr-wang", "manager")
    assert entry["diff"] and entry["changed_at"].endswith("Z")
    second = (
        await client.get(
            f"/v1/branches/{branch}/config/audit", params={"limit": 2, "before_version": 4}, headers=bearer
        )
    ).json()
    assert [e["version"] for e in second["entries"]] == [3, 2] and second["next_before_version"] == 2
    last = (
        await client.get(
            f"/v1/branches/{branch}/config/audit", params={"limit": 2, "before_version": 2}, headers=bearer
        )
    ).json()
    assert [e["version"] for e in last["entries"]] == [1] and last["next_before_version"] is None
    whole = (await client.get(f"/v1/branches/{branch}/config/audit", headers=bearer)).json()
    assert [e["version"] for e in whole["entries"]] == [5, 4, 3, 2, 1] and whole["next_before_version"] is None
    exact = (await client.get(f"/v1/branches/{branch}/config/audit", params={"limit": 5}, headers=bearer)).json()
    assert len(exact["entries"]) == 5 and exact["next_before_version"] is None, "no empty page after the last"
    for bad in ({"limit": 0}, {"limit": 201}, {"before_version": 0}):
        assert (await client.get(f"/v1/branches/{branch}/config/audit", params=bad, headers=bearer)).status_code == 422
    none = (await client.get(f"/v1/branches/{_branch()}/config/audit", headers=HEAD_OFFICE)).json()
    assert none["entries"] == [] and none["next_before_version"] is None
