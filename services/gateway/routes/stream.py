"""``GET /v1/branches/{b}/stream``: Server-Sent Events of one branch, with Last-Event-ID replay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import StreamingResponse

from branchops.contracts.base import BranchId
from branchops.settings import Role
from branchops.web import Principal, check_branch, require_roles
from services.gateway.adapters.broadcaster import Broadcaster, Subscription
from services.gateway.domain.replay import StreamItem

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["streams"])
Viewer = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.TELLER, Role.HEAD_OFFICE, Role.SERVICE))]
HEARTBEAT_S = 15.0


def get_broadcaster(request: Request) -> Broadcaster:
    return request.app.state.broadcaster


def format_sse(item: StreamItem) -> str:
    return f"id: {item.event_id}\nevent: {item.event_type}\ndata: {item.payload}\n\n"


async def _events(request: Request, sub: Subscription, backlog: list[StreamItem], complete: bool,
                  broadcaster: Broadcaster) -> AsyncIterator[str]:
    try:
        yield "retry: 2000\n\n"
        if not complete:
            yield "event: branchops.replay-gap\ndata: {}\n\n"
        for item in backlog:
            yield format_sse(item)
        while not await request.is_disconnected():
            try:
                item = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            yield format_sse(item)
    finally:
        broadcaster.unsubscribe(sub)


@router.get("/stream", summary="Live events of one branch (SSE)", response_class=StreamingResponse)
async def stream(
    request: Request,
    branch_id: Annotated[BranchId, Path()],
    who: Viewer,
    broadcaster: Annotated[Broadcaster, Depends(get_broadcaster)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=128)] = None,
) -> StreamingResponse:
    check_branch(who, branch_id)
    sub = broadcaster.subscribe(branch_id)
    backlog, complete = broadcaster.replay(branch_id, last_event_id)
    return StreamingResponse(
        _events(request, sub, backlog, complete, broadcaster),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
