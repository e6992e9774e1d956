"""Every service's FastAPI app starts here: health, readiness, metrics, problem+json, request ids, auth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI

from branchops import __version__
from branchops.logging import configure_logging
from branchops.settings import PlatformSettings
from branchops.web.health import router as health_router
from branchops.web.limits import DEFAULT_BODY_TIMEOUT_S, RequestLimits, UploadRoutes
from branchops.web.middleware import RequestContextMiddleware
from branchops.web.problems import COMMON_STATUSES, ErrorProblems, install_problem_handlers, problem_responses

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]] | Callable[[FastAPI], AsyncIterator[None]]
DEFAULT_MAX_BODY_BYTES = 1_000_000


def create_service_app(
    service: str,
    platform: PlatformSettings,
    *,
    lifespan: Lifespan | None = None,
    routers: Sequence[APIRouter] = (),
    description: str = "",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_request_bytes: int | None = None,
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S,
    uploads: UploadRoutes | None = None,
    errors: ErrorProblems | None = None,
    more_statuses: dict[int, str] | None = None,
) -> FastAPI:
    """``max_body_bytes`` bounds the JSON bodies routes read with ``JsonBody`` (branchops/web/body.py);
    ``max_request_bytes`` any request's body before a route sees it (default: ``max_body_bytes``; ``uploads``
    names the routes that take more), and ``body_timeout_s`` how long a body may stall
    (branchops/web/limits.py); ``errors`` maps the service's domain errors to the problem+json each is
    answered with. Every route documents the platform's problem+json answers (``COMMON_STATUSES``) and the
    service's ``more_statuses`` (e.g. 409 conflicts, the gateway's 502/504)."""
    configure_logging(service, platform.log_level)
    responses = problem_responses({**COMMON_STATUSES, **(more_statuses or {})})
    app = FastAPI(
        title=service,
        version=__version__,
        description=description,
        lifespan=lifespan,  # type: ignore[arg-type]
        responses=responses,
    )
    app.state.platform = platform
    app.state.readiness = {}
    app.state.max_body_bytes = max_body_bytes
    install_problem_handlers(app, errors)
    app.add_middleware(
        RequestLimits,
        max_request_bytes=max_request_bytes or max_body_bytes,
        body_timeout_s=body_timeout_s,
        uploads=uploads,
    )
    app.add_middleware(RequestContextMiddleware, service=service)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    return app
