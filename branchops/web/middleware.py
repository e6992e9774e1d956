"""Pure ASGI middleware (safe for streaming responses): request ids and HTTP metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from branchops.logging import request_id_var

HTTP_REQUESTS = Counter("branchops_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_SECONDS = Histogram(
    "branchops_http_request_seconds",
    "HTTP latency until the response head",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10),
)
log = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
                route = scope.get("route")
                path = getattr(route, "path", "unmatched")
                HTTP_SECONDS.labels(self.service, scope["method"], path).observe(time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:  # the client went away mid-request (an aborted upload): nobody to answer
            status = 499
            log.info("client disconnected during %s %s", scope["method"], scope["path"])
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if status != 500 or started_response:
                raise
            await _internal_error(scope, send_with_id)
        finally:
            route = scope.get("route")
            HTTP_REQUESTS.labels(self.service, scope["method"], getattr(route, "path", "unmatched"), str(status)).inc()
            request_id_var.reset(token)


async def _internal_error(scope: Scope, send: Send) -> None:
    """A problem+json 500 that still carries the request id (the error itself is only logged)."""
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Internal error",
            "status": 500,
            "instance": scope["path"],
            "detail": "the error was logged with this request's id",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
