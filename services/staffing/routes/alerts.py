"""Alerts of a branch: the open ones, and a manager's acknowledgement (DESIGN.md section 4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from branchops.web import BranchPath, check_branch
from branchops.web.roles import ManagerOnly, TellerManagerHeadOfficeService
from services.staffing.routes.deps import AlertingDep

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["alerts"])


@router.get("/alerts", summary="Open alerts (neither acknowledged nor expired)")
async def open_alerts(
    branch_id: BranchPath,
    who: TellerManagerHeadOfficeService,
    alerting: AlertingDep,
    include_acknowledged: Annotated[
        bool, Query(description="also the acknowledged alerts not expired yet (what the floor acts on)")
    ] = False,
) -> dict[str, Any]:
    check_branch(who, branch_id)
    records = await alerting.open_alerts(branch_id, acknowledged=include_acknowledged)
    return {"branch_id": branch_id, "alerts": [r.view() for r in records]}


@router.post("/alerts/{alert_id}/ack", summary="Acknowledge an alert (idempotent)")
async def acknowledge(
    branch_id: BranchPath,
    alert_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")],
    who: ManagerOnly,
    alerting: AlertingDep,
) -> dict[str, Any]:
    check_branch(who, branch_id)
    record = await alerting.acknowledge(branch_id, alert_id, who.subject)  # UnknownAlert 404, AlertExpired 409
    return record.view()
