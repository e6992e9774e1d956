"""The kyc service in-process for the integration tests: its app on the test Redis and broker, one client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from branchops.settings import PlatformSettings, Role
from services.kyc.adapters.engines import Engines
from services.kyc.bootstrap import build_app
from services.kyc.settings import KycSettings
from tests.conftest import api_key

KIOSK = {"X-API-Key": api_key(Role.KIOSK)}
JPEG = {**KIOSK, "Content-Type": "image/jpeg"}


@asynccontextmanager
async def kyc_client(
    redis_url: str, platform: PlatformSettings, engines: Engines, *, client_timeout_s: float, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The kyc app started (lifespan) with a generous rate limit, and a client of it."""
    settings = KycSettings(redis_url=redis_url, warm_up=False, rate_limit_per_minute=1000, **overrides)
    app = build_app(settings, platform, engines=engines)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://kyc", timeout=client_timeout_s
        ) as http,
    ):
        yield http
