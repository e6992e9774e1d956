"""Shared pieces of the staffing integration tests: a fixed clock, the app running, a webhook receiver."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from branchops.settings import PlatformSettings
from services.staffing.bootstrap import build_app
from services.staffing.settings import StaffingSettings

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def today() -> dt.date:
    """The tests' branch day is today's (in Shanghai), so no stored key is dated in the past or future."""
    return dt.datetime.now(SHANGHAI).date()


@dataclass
class FakeClock:
    """The service's clock: starts at 10:00 of today's branch day and moves only when a test says so."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.combine(today(), dt.time(10, 0), SHANGHAI))

    def __call__(self) -> dt.datetime:
        return self.now.astimezone(dt.UTC)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def small_instance(branch: str, staff_count: int = 6) -> dict[str, Any]:
    """A 4-hour morning, 16 x 15 min, one service (as tests/unit/staffing/conftest.py)."""
    return {
        "branch_id": branch,
        "date": today().isoformat(),
        "interval_minutes": 15,
        "open": "09:00",
        "close": "13:00",
        "service_level": {"target_wait_min": 10.0, "target_fraction": 0.8, "scope": "every_interval"},
        "min_open_windows": 1,
        "max_windows": 6,
        "services": {
            "general": {
                "aht_min": 6.0,
                "patience_min": None,
                "arrivals": [4, 5, 6, 8, 9, 10, 10, 9, 8, 7, 6, 6, 5, 5, 4, 4],
            }
        },
        "shift_types": [
            {"name": "2h", "length_min": 120, "break_min": 0},
            {"name": "4h", "length_min": 240, "break_min": 30},
        ],
        "break_rules": {"earliest_after_start_min": 60, "latest_before_end_min": 60},
        "staff": [
            {
                "id": f"s{i:02d}",
                "skills": ["general"],
                "shift_types": ["2h", "4h"],
                "available": {"from": "09:00", "to": "13:00"},
                "cost_per_hour": 1.0,
            }
            for i in range(1, staff_count + 1)
        ],
    }


def staffing_settings(redis_url: str, **overrides: Any) -> StaffingSettings:
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "solve_time_limit_s": 2.0,
        "replan_time_limit_s": 1.0,
        "replan_interval_s": 3600,
        "alert_tick_s": 0.1,
    }
    values.update(overrides)
    return StaffingSettings(**values)


@asynccontextmanager
async def running_app(
    settings: StaffingSettings, platform: PlatformSettings, clock: FakeClock
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = build_app(settings, platform, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://staffing", timeout=60) as client,
    ):
        yield app, client


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A minimal HTTP/1.1 server on 127.0.0.1: records each POST, answers from a list of statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[Received] = []
        self.statuses = list(statuses or [])
        self._server: asyncio.Server | None = None
        self.url = ""

    async def __aenter__(self) -> WebhookReceiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.received.append(Received(headers, body))
                status = self.statuses.pop(0) if self.statuses else 200
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n".encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
