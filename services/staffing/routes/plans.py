"""Plans: solve an instance, read the day's plan, set a branch's base instance (DESIGN.md section 4)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from branchops.web import BranchPath, JsonBody, Problem, check_branch
from branchops.web.roles import ManagerHeadOfficeService, TellerManagerHeadOfficeService
from services.staffing.domain.instance import parse_service_instance
from services.staffing.domain.plan_json import plan_to_json
from services.staffing.routes.deps import PlanningDep

router = APIRouter(prefix="/v1", tags=["plans"])


@router.post("/plans:solve", summary="Plan a branch-day: instance JSON -> plan JSON (bench/staffing/README.md)")
async def solve(body: JsonBody, who: ManagerHeadOfficeService, planning: PlanningDep) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("branch_id"), str):
        check_branch(who, body["branch_id"])
    plan = await planning.solve(parse_service_instance(body))  # InvalidInstance 422, SolverBusy 503 (deps.py)
    return plan_to_json(plan)


@router.put("/branches/{branch_id}/instance", status_code=204, summary="Set the branch's base instance")
async def put_instance(
    branch_id: BranchPath, body: JsonBody, who: ManagerHeadOfficeService, planning: PlanningDep
) -> Response:
    check_branch(who, branch_id)
    await planning.set_instance(parse_service_instance(body, branch_id))
    return Response(status_code=204)


@router.get("/branches/{branch_id}/plan", summary="The newest plan of the branch's day")
async def get_plan(
    request: Request,
    branch_id: BranchPath,
    who: TellerManagerHeadOfficeService,
    planning: PlanningDep,
    day: Annotated[dt.date | None, Query(description="Local day; default today")] = None,
) -> dict[str, Any]:
    check_branch(who, branch_id)
    when = day or planning.clock().astimezone(ZoneInfo(planning.settings.timezone)).date()
    plan = await planning.latest(branch_id, when.isoformat())
    if plan is None:
        raise Problem(404, "Not Found", f"no plan for {branch_id} on {when.isoformat()}")
    return plan_to_json(plan)
