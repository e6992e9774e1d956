"""The records service in-process against the session's PostgreSQL database, Redis and broker."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.records.bootstrap import build_app
from services.records.settings import RecordsSettings

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
        {"id": "s01", "display_name": "王芳", "skills": ["cash", "general"], "max_minutes_per_day": 480,
         "availability": {"mon": [{"open": "09:00", "close": "17:00"}]},
         "absences": [{"start": "2027-02-01", "end": "2027-02-05"}]},
        {"id": "s02", "display_name": "Li Na", "skills": ["general"], "max_minutes_per_week": 2400},
    ],
    "cameras": [{"id": "cam-1", "url_ref": "cameras/cam-1", "lines": [{"from": [0, 0.5], "to": [1, 0.5]}],
                 "zones": {"waiting": [[0, 0], [1, 0], [1, 1]]}}],
    "devices": [{"id": "kiosk-1", "kind": "kiosk"}, {"id": "pad-1", "kind": "rating_pad", "window_id": "w1"}],
}


def document() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENT)


def records_settings(database_url: str, redis_url: str, **overrides: Any) -> RecordsSettings:
    values: dict[str, Any] = {"database_url": database_url, "redis_url": redis_url, "outbox_poll_s": 0.2,
                              "database_wait_s": 5}
    values.update(overrides)
    return RecordsSettings(**values)


@asynccontextmanager
async def running_records(settings: RecordsSettings, platform: PlatformSettings
                          ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = build_app(settings, platform)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://records", timeout=30) as client:
        yield app, client
