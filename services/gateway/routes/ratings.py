"""Customer ratings from the pad at a window: what to rate now, and the one tap (feedback.v1).

The pad is a device like a kiosk (its device key, bound to one branch); staff cannot rate their own
service. The ticket comes from the gateway's view of tickets.v1 (or the queue service, for a ticket the
pad names that this gateway has not seen), the staff member from windows.v1.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from branchops.clock import platform_clock
from branchops.contracts.events import Feedback
from branchops.web import BranchPath, Problem
from services.gateway.access import Caller, KioskService, check_branch_access
from services.gateway.domain.ratings import (
    NothingToRate,
    NotRateable,
    RateVisit,
    RatingTag,
    Target,
    latest_served,
    target_of,
)
from services.gateway.routes.deps import Gateway, GatewayDep

router = APIRouter(prefix="/v1/branches/{branch_id}/windows/{window_id}", tags=["ratings"])
WindowPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


async def _pad_of_branch(branch_id: BranchPath, who: KioskService, gateway: GatewayDep) -> Caller:
    """The branch is checked before the body is validated: another branch's pad learns nothing."""
    check_branch_access(who, branch_id, gateway.settings)
    return who


PadHere = Annotated[Caller, Depends(_pad_of_branch)]


def _refuse(error: NotRateable) -> Problem:
    if isinstance(error, NothingToRate):
        return Problem(404, "Not Found", error.detail)
    return Problem(409, "Not rateable", error.detail)


async def _named(
    gateway: Gateway,
    who: Caller,
    branch_id: str,
    window_id: str,
    ticket_id: str,
    staff_id: str | None,
    now: dt.datetime,
) -> Target:
    max_age = dt.timedelta(minutes=gateway.settings.rating_window_min)
    known = gateway.handlers.state(branch_id).tickets.get(ticket_id)
    if known is not None:
        return target_of(known, window_id, staff_id, now, max_age)
    answer = await gateway.upstreams.call("queue", "GET", f"/v1/branches/{branch_id}/tickets/{ticket_id}", who.upstream)
    if answer.status_code == 404:
        raise NothingToRate(f"no ticket {ticket_id} in branch {branch_id}")
    if answer.status_code != 200:
        raise Problem(502, "Upstream error", f"the queue service answered {answer.status_code}")
    return target_of({**answer.json(), "at": None}, window_id, staff_id, now, None)


async def _target(
    gateway: Gateway, who: Caller, branch_id: str, window_id: str, ticket_id: str | None, now: dt.datetime
) -> Target:
    state = gateway.handlers.state(branch_id)
    staff_id = state.staff_at(window_id)
    if ticket_id is not None:
        return await _named(gateway, who, branch_id, window_id, ticket_id, staff_id, now)
    return latest_served(
        state.tickets.values(), window_id, staff_id, now, dt.timedelta(minutes=gateway.settings.rating_window_min)
    )


@router.get("/rating", summary="The ticket the window's pad offers for rating now (ticket null: none)")
async def rating_target(
    branch_id: BranchPath, window_id: WindowPath, who: PadHere, gateway: GatewayDep
) -> dict[str, Any]:
    try:
        found = await _target(gateway, who, branch_id, window_id, None, platform_clock().now())
    except NotRateable:
        return {
            "branch_id": branch_id,
            "window_id": window_id,
            "ticket": None,
            "rated": None,
            "tags": [t.value for t in RatingTag],
        }
    rated = await gateway.ratings.existing(branch_id, found.ticket_id)
    return {
        "branch_id": branch_id,
        "window_id": window_id,
        "ticket": found.view(),
        "rated": rated,
        "tags": [t.value for t in RatingTag],
    }


@router.post(
    "/rating",
    status_code=201,
    summary="Rate the visit: 1-5 and optional reasons, once per ticket",
    responses={
        404: {"description": "no such ticket, or none served here recently"},
        409: {"description": "rated already, or not served at this window (yet)"},
    },
)
async def rate(
    branch_id: BranchPath, window_id: WindowPath, body: RateVisit, who: PadHere, gateway: GatewayDep
) -> JSONResponse:
    now = platform_clock().now()
    try:
        target = await _target(gateway, who, branch_id, window_id, body.ticket_id, now)
    except NotRateable as error:
        raise _refuse(error) from None
    feedback = Feedback(
        branch_id=branch_id,
        at=now,
        ticket_id=target.ticket_id,
        window_id=window_id,
        staff_id=target.staff_id,
        service=target.service,
        rating=body.rating,
        tags=[t.value for t in body.tags],
    )
    before = await gateway.ratings.record(feedback)
    if before is not None:
        raise Problem(
            409,
            "Already rated",
            f"ticket {target.ticket_id} has been rated already",
            ticket_id=target.ticket_id,
            rating=before.get("rating"),
        )
    return JSONResponse({**feedback.model_dump(mode="json"), "number": target.number}, status_code=201)
