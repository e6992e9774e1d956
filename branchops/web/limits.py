"""Whole-request limits every service app gets (issue 24 item 10): a byte ceiling and a body read deadline.

Routes with a pydantic body model let FastAPI read and parse the whole body before validation, so a
10 MB body was buffered and parsed before its 422. Here, before any route: a declared ``Content-Length``
over the ceiling is answered 413 at once, a body that passes it while streaming is cut with 413, and a
body that stalls (no chunk for ``body_timeout_s`` while more is due) gets 408. Once the body is complete
the receive channel is passed through untouched (streaming responses wait on it for the disconnect).

The refusals are raised as ``HTTPException`` from ``receive``: FastAPI re-raises those from body parsing,
and the app's problem handlers answer them as problem+json. Slow request *heads* are the server's
(``branchops.web.server``).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_BODY_TIMEOUT_S = 30.0


class BodyRefused(HTTPException):
    """Raised from ``receive``: an ``HTTPException`` so FastAPI's body parsing passes it on; the problem handler
    answers it with its title and reason."""

    def __init__(self, status: int, title: str, detail: str, reason: str) -> None:
        super().__init__(status, detail)
        self.title = title
        self.reason = reason


@dataclass(frozen=True)
class UploadRoutes:
    """Paths that take uploads (``path`` a regular expression matched from the start) and their ceiling: set
    above the routes' own limits, so those answer with their specific reasons, and still bounded."""

    path: str
    max_bytes: int

    def limit(self, path: str, default: int) -> int:
        return self.max_bytes if re.match(self.path, path) else default


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        max_request_bytes: int,
        body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S,
        uploads: UploadRoutes | None = None,
    ) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.body_timeout_s = body_timeout_s
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.limit(scope["path"], self.max_request_bytes) if self.uploads else self.max_request_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(
                scope, send, 413, "Payload too large", f"the body may be at most {limit} bytes", "body_too_large"
            )
            return
        await self.app(scope, self._bounded(receive, limit), send)

    def _bounded(self, receive: Receive, limit: int) -> Receive:
        received = 0
        complete = False

        async def bounded_receive() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout_s)
            except TimeoutError:
                detail = f"no part of the body arrived for {self.body_timeout_s:g} s"
                raise BodyRefused(408, "Request timeout", detail, "body_timeout") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    detail = f"the body may be at most {limit} bytes"
                    raise BodyRefused(413, "Payload too large", detail, "body_too_large")
                complete = not message.get("more_body", False)
            else:
                complete = True  # http.disconnect: nothing more will come
            return message

        return bounded_receive


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(scope: Scope, send: Send, status: int, title: str, detail: str, reason: str) -> None:
    problem = {"type": "about:blank", "title": title, "status": status, "instance": scope["path"], "detail": detail}
    body = json.dumps({**problem, "reason": reason}).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
