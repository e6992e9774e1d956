"""Live ticket counts the staffing model works from."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from branchops.clock import platform_clock
from branchops.web import BranchPath, check_branch
from branchops.web.roles import ManagerHeadOfficeService
from services.staffing.routes.deps import HandlersDep

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["staffing"])


@router.get("/ticket-counts", summary="Tickets seen today per status")
async def ticket_counts(
    branch_id: BranchPath,
    who: ManagerHeadOfficeService,
    handlers: HandlersDep,
    day: Annotated[dt.date | None, Query(description="UTC day; default today")] = None,
) -> dict[str, object]:
    check_branch(who, branch_id)
    when = day or platform_clock().now().date()
    return {"branch_id": branch_id, "day": when.isoformat(), "counts": await handlers.counts.counts(branch_id, when)}
