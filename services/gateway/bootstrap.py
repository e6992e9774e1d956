"""Composition root of the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from branchops.clock import platform_clock
from branchops.contracts import ALL_TOPICS
from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings, Role
from branchops.web import create_service_app, issue_token
from branchops.web.identity import identity_check
from branchops.web.limits import UploadRoutes
from services.gateway.adapters.broadcaster import Broadcaster
from services.gateway.adapters.hashing import PasswordChecker
from services.gateway.adapters.kiosk_tickets import KioskTickets
from services.gateway.adapters.ratings import RatingStore
from services.gateway.adapters.today import TodaySeeder
from services.gateway.adapters.upstream import Upstreams
from services.gateway.domain.throttle import AddressBuckets, LoginThrottle, RateBudget
from services.gateway.handlers import GatewayHandlers
from services.gateway.routes import (
    auth,
    branch,
    floor,
    head_office,
    history,
    kiosk,
    merchant_review,
    pages,
    public,
    ratings,
    records,
    stream,
    voice_ws,
)
from services.gateway.routes.deps import PROBLEMS, Gateway
from services.gateway.routes.kiosk import MAX_SELFIE_BYTES
from services.gateway.settings import GatewaySettings

STATIC = Path(__file__).resolve().parent / "static"


UPLOAD_PATHS = r"/v1/kyc/sessions/[^/]+/(documents|selfie)$"
RELAYED_STATUSES = {
    409: "the service behind refuses the change in the current state (relayed)",
    412: "If-Match names an older version (relayed from records)",
    428: "If-Match is required (relayed from records)",
    502: "the service behind the gateway is unreachable",
    504: "the service behind the gateway did not answer in time",
}


def build_app(settings: GatewaySettings, platform: PlatformSettings, *, upstreams: Upstreams | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    broadcaster = Broadcaster(replay_capacity=settings.replay_capacity, subscriber_queue=settings.subscriber_queue)
    handlers = GatewayHandlers(broadcaster, ZoneInfo(settings.timezone), settings.service_level_min)
    # Every gateway instance needs every event: its own consumer group, starting from now.
    runtime.add_consumer(
        {t: handlers.on_event for t in ALL_TOPICS},
        group_id=f"{settings.group_id}-{platform.instance}",
        auto_offset_reset="latest",
    )
    gateway = Gateway(
        settings,
        platform,
        handlers,
        broadcaster,
        upstreams or Upstreams(settings),
        KioskTickets(runtime.redis),
        RatingStore(runtime.redis, runtime.outbox),
        LoginThrottle(),
        RateBudget(
            per_address_rate=settings.login_rate_per_address,
            per_address_burst=settings.login_burst_per_address,
            global_rate=settings.login_rate_global,
            global_burst=settings.login_burst_global,
        ),
        PasswordChecker(workers=settings.login_hash_workers, max_pending=settings.login_hash_pending),
        public_budget=AddressBuckets(settings.public_rate_per_min / 60.0, settings.public_burst),
    )
    seeder = gateway.today = TodaySeeder(
        handlers, gateway.upstreams, platform, timeout_s=settings.records_seed_timeout_s
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            # Today's figures of the known branches from records, in the background (records may be down).
            seeding = asyncio.create_task(seeder.seed(settings.branches, platform_clock().now()))
            try:
                yield
            finally:
                seeding.cancel()
                await gateway.upstreams.aclose()
                gateway.passwords.close()

    def service_token() -> dict[str, str]:  # minted per check: tokens expire
        return {"Authorization": f"Bearer {issue_token(platform, 'gateway', Role.SERVICE)}"}

    for name, base in gateway.upstreams.base.items():  # readiness: the upstreams take this deployment's keys
        runtime.extra_checks[f"{name}-identity"] = identity_check(name, base, service_token, gateway.upstreams.get)

    app = create_service_app(
        "gateway",
        platform,
        lifespan=lifespan,
        routers=[
            pages.router,
            auth.router,
            stream.router,
            branch.router,
            kiosk.router,
            voice_ws.router,
            head_office.router,
            history.router,
            ratings.router,
            floor.router,
            records.router,
            public.router,
            merchant_review.router,
        ],
        description="Manager dashboard, kiosk and rating pages, head-office view and live streams",
        errors=PROBLEMS,
        uploads=UploadRoutes(UPLOAD_PATHS, 2 * MAX_SELFIE_BYTES),
        more_statuses=RELAYED_STATUSES,  # the KYC relays; every other body: 1 MB
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.broadcaster = broadcaster
    app.state.settings = settings
    app.state.gateway = gateway
    return app
