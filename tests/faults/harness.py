"""The queue service in-process with its lifespan (runtime, relay, consumers) and readiness polling."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from branchops.settings import PlatformSettings, Role
from tests.conftest import api_key
from tests.security.apps import build
from tests.security.asgi import Reply, call

KIOSK = {"X-API-Key": api_key(Role.KIOSK), "content-type": "application/json"}


@dataclass
class Running:
    app: FastAPI

    async def get(self, path: str) -> Reply:
        return await call(self.app, "GET", path, headers=KIOSK)

    async def issue(self, branch: str, service: str = "cash") -> Reply:
        return await call(
            self.app,
            "POST",
            f"/v1/branches/{branch}/tickets",
            headers=KIOSK,
            body=f'{{"service": "{service}"}}'.encode(),
        )

    async def ready(self) -> bool:
        return (await self.get("/readyz")).status == 200

    async def wait_ready(self, want: bool, timeout_s: float = 30.0) -> float:
        """Seconds until readiness became ``want``."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if await self.ready() is want:
                return time.monotonic() - started
            await asyncio.sleep(0.1)
        report: Any = (await self.get("/readyz")).body[:400]
        raise AssertionError(f"readiness did not become {want} within {timeout_s} s: {report!r}")


@contextlib.asynccontextmanager
async def running_queue(redis_url: str, platform: PlatformSettings) -> AsyncIterator[Running]:
    app = build("queue", redis_url, platform)
    async with app.router.lifespan_context(app):
        yield Running(app)
