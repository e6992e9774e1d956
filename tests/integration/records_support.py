"""The records service in-process against the session's PostgreSQL database, Redis and broker."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from branchops.contracts import Topic, encode, new_event, topics
from branchops.contracts import events as ev
from branchops.contracts.base import EventData
from branchops.contracts.enums import (
    AlertKind,
    CameraState,
    Channel,
    DocType,
    KycDecision,
    Language,
    ServiceName,
    Severity,
    TicketStatus,
    WindowState,
)
from branchops.devstack.postgres import create_database, drop_database
from branchops.settings import PlatformSettings
from services.records.adapters.database import create_engine
from services.records.bootstrap import build_app
from services.records.domain.history import RAW_TABLE_NAMES
from services.records.settings import RecordsSettings
from tests.conftest import fresh_database_name

DOCUMENT: dict[str, Any] = {
    "branch": {
        "name": "Demo branch 演示支行",
        "timezone": "Asia/Shanghai",
        "hours": {
            "mon": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:00"}],
            "tue": [{"open": "09:00", "close": "17:00"}],
            "sat": [{"open": "10:00", "close": "15:00"}],
        },
        "holidays": [{"date": "2027-01-01", "name": "New Year"}],
    },
    "services": [
        {"code": "cash", "name": {"zh": "现金", "en": "Cash"}, "target_wait_min": 10, "ticket_prefix": "A"},
        {"code": "general", "name": {"zh": "综合业务", "en": "General"}, "target_wait_min": 15, "ticket_prefix": "B"},
    ],
    "windows": [
        {"id": "w1", "skills": ["cash", "general"], "label": "1号窗口"},
        {"id": "w2", "skills": ["general"], "label": "2号窗口"},
    ],
    "staff": [
        {
            "id": "s01",
            "display_name": "王芳",
            "skills": ["cash", "general"],
            "max_minutes_per_day": 480,
            "availability": {"mon": [{"open": "09:00", "close": "17:00"}]},
            "absences": [{"start": "2027-02-01", "end": "2027-02-05"}],
        },
        {"id": "s02", "display_name": "Li Na", "skills": ["general"], "max_minutes_per_week": 2400},
    ],
    "cameras": [
        {
            "id": "cam-1",
            "url_ref": "cameras/cam-1",
            "lines": [{"from": [0, 0.5], "to": [1, 0.5]}],
            "zones": {"waiting": [[0, 0], [1, 0], [1, 1]]},
        }
    ],
    "devices": [{"id": "kiosk-1", "kind": "kiosk"}, {"id": "pad-1", "kind": "rating_pad", "window_id": "w1"}],
}


def document() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENT)


def records_settings(database_url: str, redis_url: str, **overrides: Any) -> RecordsSettings:
    """History off unless asked for: the configuration tests share the session's broker with other tests, whose
    leftovers records would otherwise read (and dead-letter); history tests turn it on, on a broker of their own."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "outbox_poll_s": 0.2,
        "database_wait_s": 5,
        "history_enabled": False,
    }
    values.update(overrides)
    return RecordsSettings(**values)


@asynccontextmanager
async def running_records(
    settings: RecordsSettings, platform: PlatformSettings
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = build_app(settings, platform)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://records", timeout=30) as client,
    ):
        yield app, client


@contextmanager
def new_database(postgres_url: str, prefix: str) -> Iterator[str]:
    """The URL of a new empty database (dropped afterwards): for the migration tests."""
    name = fresh_database_name(prefix)
    url = create_database(postgres_url, name)
    try:
        yield url
    finally:
        drop_database(postgres_url, name)


@asynccontextmanager
async def records_engine(database_url: str, redis_url: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(RecordsSettings(database_url=database_url, redis_url=redis_url))
    try:
        yield made
    finally:
        await made.dispose()


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


# ------------------------------------------------------------------ history: a realistic branch morning
SOURCE = "branchops/test/records"
OCCUPANCY_COLS, OCCUPANCY_ROWS = 4, 3


@dataclass(frozen=True)
class Expected:
    """What a generated morning must add up to in the rollups."""

    tickets: int
    served: int
    no_show: int
    abandoned: int
    waits_min: list[float]
    within_target: int
    handled_s: float
    entered: int
    exited: int
    kyc: dict[str, int]
    voice_completed: int
    voice_handed_off: int
    alerts: int
    ratings: int
    rating_sum: int
    occupancy_person_s: list[float] = field(default_factory=list)
    """The hall camera's cells summed over the morning (its two occupancy.v1 events)."""


def branch_morning(
    branch: str, start: dt.datetime, *, tickets: int = 40, seed: int = 3, target_min: int = 10
) -> tuple[list[tuple[Topic, EventData]], Expected]:
    """Every topic's events of one branch for about two hours from ``start``, in time order, and their sums.

    Personal data is masked as the producers mask it (a KYC id number, voice slots); ids are ours, with no
    long digit runs. Ticket ``i`` waits ``i % 23`` minutes; every seventh leaves, every eleventh does not show."""
    rng = random.Random(seed)
    out: list[tuple[Topic, EventData]] = []

    def at(minutes: float) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes)

    for w, staff in (("w1", "s01"), ("w2", "s02")):
        out.append(
            (
                topics.WINDOWS,
                ev.Window(
                    branch_id=branch,
                    at=at(-5),
                    window_id=w,
                    state=WindowState.OPEN,
                    staff_id=staff,
                    skills=[ServiceName.CASH, ServiceName.GENERAL],
                ),
            )
        )
    waits: list[float] = []
    served = no_show = abandoned = within = ratings = rating_sum = 0
    handled = 0.0
    for i in range(tickets):
        tid, issued, window = f"t-{branch}-{i}", 2.0 * i, ("w1", "w2")[i % 2]

        def ticket(
            status: TicketStatus, minutes: float, wid: str | None = None, tid: str = tid, number: str = f"A{i + 1:03d}"
        ) -> None:
            out.append(
                (
                    topics.TICKETS,
                    ev.Ticket(
                        branch_id=branch,
                        at=at(minutes),
                        ticket_id=tid,
                        number=number,
                        service=ServiceName.CASH,
                        status=status,
                        window_id=wid,
                        channel=Channel.KIOSK,
                    ),
                )
            )

        ticket(TicketStatus.ISSUED, issued)
        if i % 7 == 6:
            ticket(TicketStatus.ABANDONED, issued + 4)
            abandoned += 1
            continue
        wait = float(i % 23)
        waits.append(wait)
        within += wait <= target_min
        ticket(TicketStatus.CALLED, issued + wait, window)
        if i % 11 == 10:
            ticket(TicketStatus.NO_SHOW, issued + wait + 1, window)
            no_show += 1
            continue
        ticket(TicketStatus.SERVING, issued + wait + 0.5, window)
        ticket(TicketStatus.COMPLETED, issued + wait + 4.5, window)
        served += 1
        handled += 240
        if i % 3 == 0:
            rating = 3 + i % 3
            out.append(
                (
                    topics.FEEDBACK,
                    ev.Feedback(
                        branch_id=branch,
                        at=at(issued + wait + 5),
                        ticket_id=tid,
                        window_id=window,
                        service=ServiceName.CASH,
                        rating=rating,
                        tags=["friendly"],
                    ),
                )
            )
            ratings += 1
            rating_sum += rating
    entered = exited = 0
    for minute in range(0, 90, 5):
        e, x = rng.randint(0, 5), rng.randint(0, 4)
        entered, exited = entered + e, exited + x
        out.append(
            (
                topics.FOOTFALL,
                ev.Footfall(
                    branch_id=branch,
                    at=at(minute + 5),
                    camera_id="cam-1",
                    window_start=at(minute),
                    window_end=at(minute + 5),
                    entered=e,
                    exited=x,
                    occupancy={"waiting": 4},
                    dwell_p50_s={"waiting": 95.5},
                ),
            )
        )
    grids = [[float(rng.randint(0, 900)) for _ in range(OCCUPANCY_COLS * OCCUPANCY_ROWS)] for _ in range(2)]
    hour = start.replace(minute=0, second=0, microsecond=0)
    for n, grid in enumerate(grids):  # the hour the morning starts in, then the next one, cut short at a stop
        out.append(
            (
                topics.OCCUPANCY,
                ev.Occupancy(
                    branch_id=branch,
                    at=min(hour + dt.timedelta(hours=n + 1), at(90)),
                    camera_id="cam-1",
                    hour_start=hour + dt.timedelta(hours=n),
                    hour_end=hour + dt.timedelta(hours=n + 1),
                    cols=OCCUPANCY_COLS,
                    rows=OCCUPANCY_ROWS,
                    person_s=grid,
                    seconds=3600.0 if n == 0 else 1800.0,
                    peak=3 + n,
                ),
            )
        )
    live = ev.Occupancy(  # the second hour so far, shown live: kept raw, not added up
        branch_id=branch,
        at=at(80),
        camera_id="cam-1",
        hour_start=hour + dt.timedelta(hours=1),
        hour_end=hour + dt.timedelta(hours=2),
        cols=OCCUPANCY_COLS,
        rows=OCCUPANCY_ROWS,
        person_s=[5000.0] * (OCCUPANCY_COLS * OCCUPANCY_ROWS),
        seconds=600.0,
        peak=40,
        in_progress=True,
    )
    out.append((topics.OCCUPANCY, live))
    out.append(
        (
            topics.CAMERA_STATUS,
            ev.CameraStatus(
                branch_id=branch, at=at(1), camera_id="cam-1", state=CameraState.DEGRADED, fps=7.5, error="low light"
            ),
        )
    )
    out.append(
        (
            topics.QUEUE_FORECAST,
            ev.QueueForecast(
                branch_id=branch,
                at=at(3),
                per_service=[
                    ev.ServiceQueue(
                        service=ServiceName.CASH, waiting=6, open_windows=2, est_wait_min=8.5, est_wait_p90_min=14.0
                    )
                ],
                arrivals=[ev.ArrivalForecast(interval_start=at(15), expected=9.0, p10=6.0, p90=12.0)],
            ),
        )
    )
    out.append(
        (
            topics.STAFFING_PLAN,
            ev.StaffingPlan(
                branch_id=branch,
                at=at(0),
                date=start.date(),
                version=1,
                intervals=[
                    ev.PlanInterval(start="09:00", required={ServiceName.CASH: 2}, planned={ServiceName.CASH: 2})
                ],
                assignments=[ev.Assignment(staff_id="s01", start="09:00", end="17:00", skills=[ServiceName.CASH])],
                solve_ms=120,
                objective=3.5,
            ),
        )
    )
    alert = ev.StaffingAlert(
        branch_id=branch,
        at=at(30),
        alert_id=f"al-{branch}",
        kind=AlertKind.OPEN_WINDOW,
        severity=Severity.WARNING,
        message=ev.LocalizedText(zh="请开3号窗口", en="Open window 3"),
        action="open window w3",
        window_id="w3",
        reason={"predicted_wait_min": 14.5},
        expires_at=at(45),
    )
    out.append((topics.STAFFING_ALERTS, alert))
    out.append(
        (
            topics.STAFFING_ALERTS,
            alert.model_copy(
                update={
                    "at": at(35),
                    "severity": Severity.URGENT,
                    "reason": {"predicted_wait_min": 14.5, "escalated": 1},
                }
            ),
        )
    )
    kyc = {"approved": 0, "rejected": 0, "review": 0}
    decisions = (KycDecision.APPROVED, KycDecision.APPROVED, KycDecision.REJECTED, KycDecision.REVIEW)
    for n, decision in enumerate(decisions):
        kyc[decision.value] += 1
        out.append(
            (
                topics.KYC_RESULTS,
                ev.KycResult(
                    branch_id=branch,
                    at=at(10 + n),
                    session_id=f"kyc-{branch}-{n}",
                    kiosk_id="kiosk-1",
                    doc_type=DocType.ID_CARD,
                    decision=decision,
                    checks={"ocr": True, "face_score": 0.91, "liveness": "ok"},
                    id_number_masked="3201**********1234",
                    reasons=["face mismatch"] if decision is KycDecision.REJECTED else [],
                ),
            )
        )
    for n, outcomes in enumerate((("greeted", "answered"), ("greeted", "slot_prompt", "handoff"), ("greeted",))):
        for turn, outcome in enumerate(outcomes):
            out.append(
                (
                    topics.VOICE_INTERACTIONS,
                    ev.VoiceInteraction(
                        branch_id=branch,
                        at=at(20 + n * 3 + turn * 0.5),
                        session_id=f"vs-{branch}-{n}",
                        kiosk_id="kiosk-1",
                        turn=turn,
                        lang=Language.ZH,
                        intent="transfer_money",
                        confidence=0.87,
                        slots={"phone": "138****5678", "account_last4": "****1234", "amount": 5000},
                        outcome=outcome,
                        asr_ms=180.0,
                        nlu_ms=4.0,
                    ),
                )
            )
    out.sort(key=lambda item: item[1].at)
    expected = Expected(
        tickets=tickets,
        served=served,
        no_show=no_show,
        abandoned=abandoned,
        waits_min=waits,
        within_target=within,
        handled_s=handled,
        entered=entered,
        exited=exited,
        kyc=kyc,
        voice_completed=1,
        voice_handed_off=1,
        alerts=1,
        ratings=ratings,
        rating_sum=rating_sum,
        occupancy_person_s=[a + b for a, b in zip(*grids, strict=True)],
    )
    return out, expected


def encoded(events: list[tuple[Topic, EventData]]) -> list[tuple[str, bytes, bytes]]:
    """(topic, key, value) as producers send them."""
    return [
        (topic.name, data.branch_id.encode(), encode(new_event(topic, data, source=SOURCE))) for topic, data in events
    ]


async def produce(bootstrap: str, records: list[tuple[str, bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for topic, key, value in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar()


async def raw_count(engine: AsyncEngine, branch: str) -> int:
    """Raw rows of ``branch`` across every topic's table."""
    total = 0
    for table in RAW_TABLE_NAMES:
        total += int(await scalar(engine, f"SELECT count(*) FROM {table} WHERE branch_id = :b", b=branch) or 0)
    return total
