"""Server-Sent Events: ``GET /v1/branches/{b}/stream`` (one branch) and ``GET /v1/stream`` (every branch,
head office). Reconnects with ``Last-Event-ID`` get what they missed from the replay buffer.

Roles: manager, teller, head office and services see every event of a branch (``?types=`` narrows it);
a kiosk sees the queue's aggregates and only the tickets it took itself (``?tickets=id,id``, checked
against what the gateway recorded when the kiosk took them).

A closed connection ends the stream at once (Starlette listens for the disconnect beside it); the
heartbeat path checks too, for servers that do not.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from branchops.settings import Role
from branchops.web import BranchPath, Problem
from services.gateway.access import AnyRole, HeadOfficeService, check_branch_access
from services.gateway.adapters.broadcaster import ALL_BRANCHES, Broadcaster, Subscription
from services.gateway.domain.filters import MAX_KIOSK_TICKETS, StreamFilter, parse_types, stream_filter
from services.gateway.domain.replay import StreamItem
from services.gateway.routes.deps import GatewayDep

router = APIRouter(tags=["streams"])
HEARTBEAT_S = 15.0
MAX_BATCH = 64  # items per write when a stream is behind
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID", max_length=128)]


def format_sse(item: StreamItem) -> str:
    return f"id: {item.event_id}\nevent: {item.event_type}\ndata: {item.payload}\n\n"


async def _events(
    request: Request, sub: Subscription, backlog: list[StreamItem], complete: bool, broadcaster: Broadcaster
) -> AsyncIterator[str]:
    try:
        yield "retry: 2000\n\n"
        if not complete:
            yield "event: branchops.replay-gap\ndata: {}\n\n"
        for item in backlog:
            yield format_sse(item)
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_S)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield ": keep-alive\n\n"
                continue
            # A stream that fell behind gets what piled up in one write: far fewer sends under load.
            batch = [format_sse(item)]
            while len(batch) < MAX_BATCH and not sub.queue.empty():
                batch.append(format_sse(sub.queue.get_nowait()))
            yield "".join(batch)
    finally:
        broadcaster.unsubscribe(sub)


def _open(
    request: Request, broadcaster: Broadcaster, key: str, accepts: StreamFilter, last_event_id: str | None
) -> StreamingResponse:
    sub = broadcaster.subscribe(key, accepts)
    backlog, complete = broadcaster.replay(key, last_event_id, accepts)
    return StreamingResponse(
        _events(request, sub, backlog, complete, broadcaster),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _types(raw: str | None) -> frozenset[str]:
    try:
        return parse_types(raw)
    except ValueError as exc:
        raise Problem(422, "Invalid request", str(exc)) from None


@router.get(
    "/v1/branches/{branch_id}/stream", summary="Live events of one branch (SSE)", response_class=StreamingResponse
)
async def stream(
    request: Request,
    branch_id: BranchPath,
    who: AnyRole,
    gateway: GatewayDep,
    types: Annotated[str | None, Query(max_length=500)] = None,
    tickets: Annotated[str | None, Query(max_length=2000)] = None,
    last_event_id: LastEventId = None,
) -> StreamingResponse:
    check_branch_access(who, branch_id, gateway.settings)
    held: frozenset[str] = frozenset()
    if who.role is Role.KIOSK:
        wanted = [t for t in (tickets or "").split(",") if t][:MAX_KIOSK_TICKETS]
        held = await gateway.kiosk_tickets.held(branch_id, who.kiosk_id or "", wanted) if who.kiosk_id else held
    display = who.role is Role.KIOSK and gateway.settings.is_display(who.kiosk_id, branch_id)
    accepts = stream_filter(who.role, tickets=held, types=_types(types), display=display)
    return _open(request, gateway.broadcaster, branch_id, accepts, last_event_id)


@router.get("/v1/stream", summary="Live events of every branch (SSE, head office)", response_class=StreamingResponse)
async def stream_all(
    request: Request,
    who: HeadOfficeService,
    gateway: GatewayDep,
    types: Annotated[str | None, Query(max_length=500)] = None,
    last_event_id: LastEventId = None,
) -> StreamingResponse:
    key = who.principal.branch_id or ALL_BRANCHES  # a head-office user bound to a branch sees that branch only
    return _open(request, gateway.broadcaster, key, stream_filter(who.role, types=_types(types)), last_event_id)
