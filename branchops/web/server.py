"""uvicorn's HTTP protocols with a deadline for the request head (issue 24 item 10: slow-header connections).

uvicorn times out idle keep-alive connections only after a response: a client that opens a connection and
sends its head a byte at a time (or never) holds it as long as it likes, so 1,500 such connections stayed
open for a minute. These protocols give every connection ``BRANCHOPS_HTTP_HEAD_TIMEOUT_S`` (10 s) from
its opening, and again after each response, to deliver a complete request head; otherwise it is closed.
A request whose head arrived is left alone (slow bodies are the ASGI middleware's, see
``branchops.web.limits``), and so is a connection upgraded to a WebSocket.

Used by name: ``uvicorn --http branchops.web.server:HeadDeadlineHttpTools`` (the devstack's
``http_protocol()``, the images' ``UVICORN_HTTP``), ``HeadDeadlineH11`` where httptools is not installed.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a dependency of uvicorn[standard]
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

HEAD_TIMEOUT_ENV = "BRANCHOPS_HTTP_HEAD_TIMEOUT_S"
DEFAULT_HEAD_TIMEOUT_S = 10.0
log = logging.getLogger("branchops.web.server")


def head_timeout_s() -> float:
    raw = os.environ.get(HEAD_TIMEOUT_ENV, "")
    try:
        value = float(raw) if raw else DEFAULT_HEAD_TIMEOUT_S
    except ValueError:
        raise ValueError(f"{HEAD_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if not 0.1 <= value <= 600:
        raise ValueError(f"{HEAD_TIMEOUT_ENV}={value} is outside 0.1..600 seconds")
    return value


class _HeadDeadline:
    """Mixin over a uvicorn HTTP protocol (it supplies ``loop``, ``transport``, ``cycle``)."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    _head_timer: asyncio.TimerHandle | None = None
    _head_timeout_s: float = DEFAULT_HEAD_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timeout_s = head_timeout_s()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm_head_deadline()  # the next request's head, on a kept-alive connection

    def _head_arrived(self) -> None:
        self._cancel_head_deadline()

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        self._head_timer = self.loop.call_later(self._head_timeout_s, self._head_deadline_passed)

    def _cancel_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_deadline_passed(self) -> None:
        self._head_timer = None
        current: object = self.transport.get_protocol()
        if self.transport.is_closing() or current is not self:
            return  # closed already, or upgraded to a WebSocket
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being served
        log.info("closing a connection that sent no complete request head within %.1f s", self._head_timeout_s)
        self.transport.close()


class HeadDeadlineH11(_HeadDeadline, H11Protocol):
    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._head_arrived()


if HttpToolsProtocol is not None:

    class HeadDeadlineHttpTools(_HeadDeadline, HttpToolsProtocol):
        def on_headers_complete(self) -> None:
            self._head_arrived()
            super().on_headers_complete()

else:  # pragma: no cover
    HeadDeadlineHttpTools = HeadDeadlineH11  # type: ignore[misc,assignment]
