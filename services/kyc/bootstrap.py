"""Composition root of the kyc service: the one place that chooses adapters and wires them."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from branchops.web.limits import UploadRoutes
from services.kyc.adapters.engines import Engines
from services.kyc.adapters.merchant_store import MerchantCaseStore
from services.kyc.adapters.session_store import SessionStore
from services.kyc.routes import merchant, sessions, stateless
from services.kyc.settings import KycSettings
from services.kyc.usecases.merchant import MerchantOnboarding
from services.kyc.usecases.verification import Clock, KycConfig, Verification

log = logging.getLogger(__name__)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ModelWarmUp:
    """Loads the OCR and face models in the pool at start; readiness reports "models" until they are in."""

    def __init__(self, executor: ThreadPoolExecutor, engines: Engines) -> None:
        self._executor = executor
        self._engines = engines
        self.loaded = False
        self.error: str | None = None

    async def run(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._engines.load)
            self.loaded = True
        except Exception as exc:  # reported by readiness, the service keeps answering health
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("kyc models failed to load: %s", self.error)

    async def check(self) -> tuple[bool, str]:
        if self.loaded:
            return True, "ocr and face models loaded"
        return False, self.error or "loading models"


UPLOAD_PATHS = (
    r"/v1/(ocr/|face/verify$|kyc/sessions/[^/]+/(documents|selfie)$|kyc/merchant-cases/[^/]+/(licence|id-card|selfie)$)"
)
"""The routes that read images (their own limits answer first, with their reasons); others take 1 MB."""


def build_app(
    settings: KycSettings, platform: PlatformSettings, *, clock: Clock = _utc_now, engines: Engines | None = None
) -> FastAPI:
    """``engines`` (the OCR reader and the face engine, loaded on first use) can be given by tests, so that
    several apps share one set; otherwise each app builds its own."""
    runtime = ServiceRuntime(settings, platform)
    engines = engines or Engines()
    executor = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="kyc-models")
    warm_up = ModelWarmUp(executor, engines)
    runtime.extra_checks["models"] = warm_up.check

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            task = asyncio.create_task(warm_up.run(), name="kyc-warm-up") if settings.warm_up else None
            if task is None:
                warm_up.loaded = True  # models load on first use
            try:
                yield
            finally:
                if task is not None and not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                executor.shutdown(wait=False, cancel_futures=True)

    app = create_service_app(
        "kyc",
        platform,
        lifespan=lifespan,
        routers=[sessions.router, stateless.router, merchant.router, merchant.branch_router],
        description="ID-card and business-licence OCR, face match and liveness",
        uploads=UploadRoutes(UPLOAD_PATHS, 2 * settings.largest_upload_bytes()),
    )
    app.state.kyc_settings = settings
    retention = None
    key = settings.retention_key_bytes()
    if key is not None:  # retention on: cryptography is needed (imported here, checked at start)
        from services.kyc.adapters.image_retention import RetainedImages

        retention = RetainedImages(runtime.redis, key, settings.retention_ttl_s)
    sessions_store = SessionStore(runtime.redis, runtime.outbox, settings.session_ttl_s)
    config = KycConfig.of(settings)
    app.state.verification = Verification(sessions_store, engines, executor, config, clock, retention)
    app.state.onboarding = MerchantOnboarding(
        MerchantCaseStore(runtime.redis, runtime.outbox, sessions_store, settings.merchant_case_ttl_s),
        engines,
        executor,
        config,
        clock,
        retention,
    )
    return app
