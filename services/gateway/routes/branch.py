"""The manager's data: one call for the dashboard's first paint, alert acknowledgement, teller actions.

Everything the browser needs from queue and staffing goes through here, with the caller's credential.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from branchops.clock import platform_clock
from branchops.settings import Role
from branchops.web import BranchPath
from services.gateway.access import (
    ManagerOnly,
    TellerManagerHeadOfficeService,
    TellerManagerService,
    check_branch_access,
)
from services.gateway.routes.deps import GatewayDep, seed_today

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["dashboard"])
AlertPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
WindowPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


@router.get("/dashboard", summary="Everything the dashboard shows, for its first paint")
async def dashboard(branch_id: BranchPath, who: TellerManagerHeadOfficeService, gateway: GatewayDep) -> dict[str, Any]:
    check_branch_access(who, branch_id, gateway.settings)
    up = gateway.upstreams
    queue, alerts, plan, _ = await asyncio.gather(
        up.fetch_json("queue", f"/v1/branches/{branch_id}/queue", who.upstream),
        up.fetch_json("staffing", f"/v1/branches/{branch_id}/alerts", who.upstream),
        up.fetch_json("staffing", f"/v1/branches/{branch_id}/plan", who.upstream),
        seed_today(gateway, [branch_id]),  # a gateway that restarted: the day so far from records
    )
    clock = platform_clock()
    now = clock.now()
    snapshot = gateway.handlers.state(branch_id).view(now)
    return {
        "branch_id": branch_id,
        "clock": {"now": now.isoformat(), "rate": clock.rate, "timezone": gateway.settings.timezone},
        "role": who.role.value,
        "can_ack": who.role is Role.MANAGER,
        "snapshot": snapshot,
        "queue": queue,
        "alerts": (alerts or {}).get("alerts"),
        "plan": plan,
        "sources": {"queue": queue is not None, "staffing": alerts is not None},
    }


@router.post("/alerts/{alert_id}/ack", summary="Acknowledge an alert (staffing, as the logged-in manager)")
async def acknowledge(branch_id: BranchPath, alert_id: AlertPath, who: ManagerOnly, gateway: GatewayDep) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    answer = await gateway.upstreams.relay(
        "staffing", "POST", f"/v1/branches/{branch_id}/alerts/{alert_id}/ack", who.upstream
    )
    if answer.status_code == 200:
        gateway.handlers.state(branch_id).mark_acknowledged(alert_id, who.principal.subject)
    return answer


@router.get("/alerts", summary="Open alerts of the branch (staffing)")
async def alerts(branch_id: BranchPath, who: TellerManagerHeadOfficeService, gateway: GatewayDep) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay("staffing", "GET", f"/v1/branches/{branch_id}/alerts", who.upstream)


@router.get("/queue", summary="Live queue of the branch (queue service)")
async def queue_state(branch_id: BranchPath, who: TellerManagerHeadOfficeService, gateway: GatewayDep) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay("queue", "GET", f"/v1/branches/{branch_id}/queue", who.upstream)


@router.post("/windows/{window_id}/call-next", summary="Call the next customer to a window (queue service)")
async def call_next(
    branch_id: BranchPath, window_id: WindowPath, who: TellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "queue", "POST", f"/v1/branches/{branch_id}/windows/{window_id}/call-next", who.upstream
    )
