"""Calling an ASGI app directly, in one event loop we own, without waiting for streams to end.

httpx's ASGITransport waits for the whole body, so an SSE or MJPEG endpoint would never answer; here
a streaming reply is cut once its status and headers are known. WebSocket handshakes are classified
the same way: accepted (the app kept the socket open or talked on it) or refused (closed with a code).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urlencode

from starlette.types import ASGIApp, Message

T = TypeVar("T")
STREAMING_TYPES = ("text/event-stream", "multipart/x-mixed-replace")


class LoopRunner:
    """A private event loop for sync tests (hypothesis drives sync functions); apps stay on this loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: BaseException | None = None  # an exception that escaped the app (after a 500 was sent)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        return json.loads(self.body)


def _encode_headers(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    out = []
    for name, value in headers.items():
        try:
            out.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
        except UnicodeEncodeError:
            continue  # a client cannot send it either
    return out


def _scope(kind: str, method: str, path: str, query: str, headers: Mapping[str, str]) -> dict[str, Any]:
    raw_path = path.encode("utf-8", "surrogateescape")
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "http" if kind == "http" else "ws",
        "path": unquote(path),
        "raw_path": raw_path,
        "query_string": query.encode("latin-1", "replace"),
        "root_path": "",
        "headers": _encode_headers(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    if kind == "http":
        scope["method"] = method
    return scope


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    query: str | Mapping[str, Any] = "",
    body: bytes = b"",
    timeout_s: float = 15.0,
) -> Reply:
    """One HTTP request; streaming replies are cut after their headers."""
    qs = query if isinstance(query, str) else urlencode(query, doseq=True)
    scope = _scope("http", method, path, qs, headers or {})
    finished = asyncio.Event()
    sent_body = False
    reply = Reply(0)
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])}
            if reply.media_type in STREAMING_TYPES:
                finished.set()
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    task = asyncio.ensure_future(app(scope, receive, send))
    waiter = asyncio.ensure_future(finished.wait())
    try:
        await asyncio.wait({task, waiter}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if not task.done():
        task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception as exc:  # ServerErrorMiddleware re-raises after answering 500
        reply.error = exc
        reply.status = reply.status or 500
    if reply.status == 0:
        raise TimeoutError(f"{method} {path}: no response within {timeout_s} s")
    reply.body = b"".join(chunks)
    return reply


@dataclass
class WsOutcome:
    accepted: bool
    close_code: int | None = None
    close_reason: str = ""
    messages: list[Message] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.close_code is not None and not any(m["type"] == "websocket.send" for m in self.messages)


async def ws_handshake(
    app: ASGIApp,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    settle_s: float = 0.3,
) -> WsOutcome:
    """Connect, then watch the app for ``settle_s``: did it close on us, or keep the socket open?"""
    scope = _scope("websocket", "GET", path, urlencode(query or {}), headers or {})
    scope["subprotocols"] = []
    connected = False
    outcome = WsOutcome(False)
    closed = asyncio.Event()

    async def receive() -> Message:
        nonlocal connected
        if not connected:
            connected = True
            return {"type": "websocket.connect"}
        await closed.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        outcome.messages.append(message)
        if message["type"] == "websocket.accept":
            outcome.accepted = True
        elif message["type"] == "websocket.close":
            outcome.close_code = message.get("code", 1000)
            outcome.close_reason = message.get("reason") or ""
            closed.set()

    task = asyncio.ensure_future(app(scope, receive, send))
    waiter: Awaitable[Any] = asyncio.ensure_future(closed.wait())
    await asyncio.wait({task, waiter}, timeout=settle_s, return_when=asyncio.FIRST_COMPLETED)  # type: ignore[arg-type]
    closed.set()
    if not task.done():
        task.cancel()
    with contextlib.suppress(BaseException):
        await task
    return outcome
