"""Head office: every branch at a glance, and one branch in detail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from branchops.clock import platform_clock
from branchops.web import BranchPath, Problem
from services.gateway.access import HeadOfficeService, check_branch_access, visible_branches
from services.gateway.routes.deps import GatewayDep, seed_today

router = APIRouter(prefix="/v1/head-office", tags=["head office"])


@router.get("/branches", summary="Every branch: waiting, today's service level, open alerts, satisfaction")
async def branches(who: HeadOfficeService, gateway: GatewayDep) -> dict[str, Any]:
    known = visible_branches(who, sorted(set(gateway.settings.branches) | set(gateway.handlers.states)))
    await seed_today(gateway, known)
    now = platform_clock().now()
    rows = gateway.handlers.summaries(now, known, only=who.principal.branch_id is not None)
    return {
        "at": now.isoformat(),
        "target_wait_min": gateway.settings.service_level_min,
        "branches": rows,
        "totals": {
            "waiting": sum(r["waiting"] for r in rows),
            "open_alerts": sum(r["open_alerts"] for r in rows),
            "tickets_today": sum(r["tickets_today"] for r in rows),
        },
    }


@router.get("/branches/{branch_id}", summary="One branch in detail (the gateway's live view of it)")
async def branch(branch_id: BranchPath, who: HeadOfficeService, gateway: GatewayDep) -> dict[str, Any]:
    check_branch_access(who, branch_id, gateway.settings)
    if not gateway.settings.branches and branch_id not in gateway.handlers.states:
        raise Problem(404, "Not Found", f"no events seen from branch {branch_id}")
    await seed_today(gateway, [branch_id])
    return gateway.handlers.state(branch_id).view(platform_clock().now())
