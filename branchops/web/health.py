"""``/healthz`` (process alive), ``/readyz`` (dependencies reachable), ``/metrics`` (Prometheus)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from branchops.web.problems import problem_response
from branchops.web.roles import AnyRole

ReadinessCheck = Callable[[], Awaitable[tuple[bool, str]]]

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Process alive")
async def healthz(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": request.app.title}


@router.get("/readyz", summary="Kafka, Redis and models reachable", responses={503: {"description": "not ready"}})
async def readyz(request: Request) -> Response:
    checks: dict[str, ReadinessCheck] = getattr(request.app.state, "readiness", {})
    if not checks:
        return problem_response(request, 503, "Not ready", "service is starting", checks={})
    names = list(checks)
    results = await asyncio.gather(*(_safe(checks[n]) for n in names))
    report = {n: {"ok": ok, "detail": detail} for n, (ok, detail) in zip(names, results, strict=True)}
    if all(ok for ok, _ in results):
        return JSONResponse({"status": "ready", "checks": report})
    failing = ", ".join(n for n, (ok, _) in zip(names, results, strict=True) if not ok)
    return problem_response(request, 503, "Not ready", f"failing: {failing}", checks=report)


@router.get("/v1/whoami", summary="The caller's credential as this service sees it (any role)")
async def whoami(request: Request, who: AnyRole) -> dict[str, str | None]:
    """Lets a caller check that the service on an address is the one it means and takes its credentials
    (``branchops.web.identity``): another stack on the same port answers 401."""
    return {"service": request.app.title, "role": who.role.value, "branch_id": who.branch_id}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _safe(check: ReadinessCheck) -> tuple[bool, str]:
    try:
        return await asyncio.wait_for(check(), 3.0)
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
