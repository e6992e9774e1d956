"""What the gateway routes reach through ``app.state`` (filled by bootstrap.py), and the problem+json that
answers each failure of a call to the services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from branchops.clock import platform_clock
from branchops.settings import PlatformSettings
from branchops.web import Problem
from branchops.web.problems import ErrorProblems
from services.gateway.adapters.broadcaster import Broadcaster
from services.gateway.adapters.hashing import PasswordChecker
from services.gateway.adapters.kiosk_tickets import KioskTickets
from services.gateway.adapters.line_views import LineViews, PageCache
from services.gateway.adapters.ratings import RatingStore
from services.gateway.adapters.today import TodaySeeder
from services.gateway.adapters.upstream import Upstreams
from services.gateway.domain.errors import UpstreamTimeout, UpstreamUnavailable
from services.gateway.domain.throttle import AddressBuckets, LoginThrottle, RateBudget
from services.gateway.handlers import GatewayHandlers
from services.gateway.settings import GatewaySettings

PUBLIC_LOOKUPS = 32

PROBLEMS: ErrorProblems = {
    UpstreamTimeout: lambda error: Problem(504, "Upstream timeout", str(error)),
    UpstreamUnavailable: lambda error: Problem(502, "Upstream unavailable", str(error)),
}
"""Registered by bootstrap.py (``create_service_app(errors=...)``)."""


@dataclass
class Gateway:
    settings: GatewaySettings
    platform: PlatformSettings
    handlers: GatewayHandlers
    broadcaster: Broadcaster
    upstreams: Upstreams
    kiosk_tickets: KioskTickets
    ratings: RatingStore
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    login_budget: RateBudget = field(default_factory=RateBudget)
    passwords: PasswordChecker = field(default_factory=PasswordChecker)
    today: TodaySeeder | None = None  # today's figures from records (bootstrap.py makes it)
    public_budget: AddressBuckets = field(default_factory=lambda: AddressBuckets(90 / 60, 20))
    """The phone page's lookups per client address (bootstrap.py sizes it from the settings)."""
    public_lookups: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PUBLIC_LOOKUPS))
    """Phone page lookups in flight to the queue at once: a call wakes every page of its line, and their
    burst waits here rather than in the queue's Redis pool."""
    line_views: LineViews | None = None  # the branches' lines for the phone pages (routes/public.py makes it)
    phone_pages: PageCache | None = None  # each phone page's last answer (routes/public.py makes it)


def get_gateway(connection: HTTPConnection) -> Gateway:
    gateway: Gateway = connection.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


async def seed_today(gateway: Gateway, branch_ids: list[str]) -> None:
    """Today's figures of these branches from records, for those not seeded yet (a page's first paint)."""
    if gateway.today is not None:
        await gateway.today.seed(branch_ids, platform_clock().now())
