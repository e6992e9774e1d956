"""The manager's view of a branch's queue: lines, windows, waits, arrivals to come, alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter

from branchops.contracts.events import ServiceQueue
from branchops.web import BranchPath, check_branch
from branchops.web.roles import TellerManagerHeadOfficeService
from services.queue.routes.deps import OverviewDep
from services.queue.routes.views import TicketView, WindowView

router = APIRouter(prefix="/v1/branches/{branch_id}", tags=["queue"])


@router.get("/queue", summary="Live queue state, predictions and arrival forecast of a branch")
async def get_queue(
    branch_id: BranchPath, who: TellerManagerHeadOfficeService, overview: OverviewDep
) -> dict[str, Any]:
    check_branch(who, branch_id)
    got = await overview.of(branch_id)
    forecast, view = got.forecast, got.view
    return {
        "branch_id": branch_id,
        "at": got.at.astimezone(dt.UTC).isoformat(),
        "services": [ServiceQueue.model_dump(s, mode="json") for s in forecast.per_service],
        "waiting": [TicketView.of(r, p, e).model_dump(mode="json") for r, p, e in view.tickets],
        "scheduled": [TicketView.of(r).model_dump(mode="json") for r in view.scheduled],
        "windows": [WindowView.of(w).model_dump(mode="json") for w in view.windows],
        "arrivals": [a.model_dump(mode="json") for a in forecast.arrivals],
        "alerts": [a.model_dump(mode="json") for a in got.alerts],
    }
