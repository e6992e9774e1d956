"""Teller window endpoints: open, close, break with skills; call-next."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.contracts.base import Identifier
from branchops.contracts.enums import ServiceName, WindowState
from branchops.web import BranchPath, check_branch
from branchops.web.roles import TellerManagerService
from services.queue.domain.errors import QueueError
from services.queue.routes.deps import IdPath, WindowsDep
from services.queue.routes.problems import problem
from services.queue.routes.views import TicketView, WindowView

router = APIRouter(prefix="/v1/branches/{branch_id}/windows", tags=["windows"])


class UndoCallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: Identifier


class WindowRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: WindowState
    skills: list[ServiceName] = Field(default_factory=list, description="services it serves, its own first")
    staff_id: Identifier | None = None


@router.put("/{window_id}", response_model=WindowView, summary="Open, close or pause a window, with its skills")
async def put_window(
    branch_id: BranchPath, window_id: IdPath, body: WindowRequest, who: TellerManagerService, windows: WindowsDep
) -> WindowView:
    check_branch(who, branch_id)
    try:
        record = await windows.put(branch_id, window_id, body.state, tuple(body.skills), body.staff_id)
    except QueueError as error:
        raise problem(error) from error
    return WindowView.of(record)


@router.post(
    "/{window_id}/call-next",
    response_model=TicketView,
    status_code=200,
    responses={204: {"description": "nobody waits for this window's skills"}},
    summary="Call the next customer by the routing rules",
)
async def call_next(
    branch_id: BranchPath, window_id: IdPath, who: TellerManagerService, windows: WindowsDep
) -> TicketView | Response:
    check_branch(who, branch_id)
    try:
        record = await windows.call_next(branch_id, window_id)
    except QueueError as error:
        raise problem(error) from error
    if record is None:
        return Response(status_code=204)
    return TicketView.of(record)


@router.post(
    "/{window_id}/undo-call",
    response_model=TicketView,
    summary="Undo a mistaken call within 5 s: the ticket waits at the head of its line again, the window is free",
    responses={409: {"description": "not called at this window, or called too long ago"}},
)
async def undo_call(
    branch_id: BranchPath, window_id: IdPath, body: UndoCallRequest, who: TellerManagerService, windows: WindowsDep
) -> TicketView:
    check_branch(who, branch_id)
    try:
        record = await windows.undo_call(branch_id, window_id, body.ticket_id)
    except QueueError as error:
        raise problem(error) from error
    return TicketView.of(record)
