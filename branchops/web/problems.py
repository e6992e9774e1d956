"""RFC 9457 problem+json for every error a service returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from branchops.bus.producer import BusUnavailable
from branchops.web.limits import BodyRefused

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raise from a route or handler to answer with problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.headers = headers
        self.extra = extra


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str = "",
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "instance": request.url.path}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


ErrorProblems = Mapping[type[Exception], Callable[[Any], Problem]]
"""A service's domain errors and the problem each one is answered with (``create_service_app(errors=...)``)."""


def _answer_with(to_problem: Callable[[Any], Problem]) -> Callable[[Request, Exception], Any]:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        problem = to_problem(exc)
        return problem_response(
            request,
            problem.status,
            problem.title,
            problem.detail,
            problem.type,
            headers=problem.headers,
            **problem.extra,
        )

    return handler


def install_problem_handlers(app: FastAPI, errors: ErrorProblems | None = None) -> None:
    """problem+json for :class:`Problem`, HTTP and validation errors, the bus and Redis, and ``errors``: use
    cases raise their domain errors, the service's routes say once which problem answers each."""
    for error, to_problem in (errors or {}).items():
        app.add_exception_handler(error, _answer_with(to_problem))

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.title, exc.detail, exc.type, headers=exc.headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}.get(
            exc.status_code, "HTTP error"
        )
        detail = exc.detail if isinstance(exc.detail, str) else ""
        headers = getattr(exc, "headers", None)
        if isinstance(exc, BodyRefused):  # the request limits (branchops/web/limits.py)
            return problem_response(request, exc.status_code, exc.title, detail, headers=headers, reason=exc.reason)
        return problem_response(request, exc.status_code, title, detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()[:20]
        ]
        reason = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:3])
        return problem_response(request, 422, "Invalid request", reason, errors=errors)

    @app.exception_handler(BusUnavailable)
    async def _bus(request: Request, exc: BusUnavailable) -> JSONResponse:
        return problem_response(request, 503, "Event bus unavailable", str(exc), headers={"Retry-After": "2"})

    @app.exception_handler(RedisConnectionError)
    @app.exception_handler(RedisTimeoutError)
    async def _state(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            request,
            503,
            "State store unavailable",
            "redis is unreachable; nothing was changed",
            headers={"Retry-After": "2"},
        )


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; ``reason`` names the refusal for programs, where there is one",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "reason": {"type": "string"},
    },
    "additionalProperties": True,
}
COMMON_STATUSES: dict[int, str] = {
    400: "malformed request (bad JSON, nested too deeply, a bad query value)",
    401: "no credential, or one this service does not know",
    403: "the credential's role or branch may not do this",
    404: "no such resource (or a path this service does not have)",
    405: "this path does not take this method",
    408: "the body stalled (no part of it for the body timeout)",
    413: "the body is larger than this route takes",
    415: "a media type this route does not take",
    422: "the request is well-formed but refused: the reasons are in the problem",
    429: "too many requests: try again after Retry-After",
    500: "an internal error (logged with the request id)",
    503: "a dependency is down (Kafka, Redis, PostgreSQL) or the service is not ready",
}


def problem_responses(statuses: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of problem+json answers (for ``FastAPI(responses=...)`` and single routes)."""
    return {
        status: {"description": why, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
        for status, why in statuses.items()
    }
