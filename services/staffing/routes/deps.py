"""Dependencies of the staffing routes, and the problem+json that answers each refusal of a use case."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from branchops.web import Problem
from branchops.web.problems import ErrorProblems
from services.staffing.adapters.solver_pool import SolverBusy
from services.staffing.domain.errors import AlertExpired, InvalidInstance, UnknownAlert
from services.staffing.handlers import StaffingHandlers
from services.staffing.usecases.alerting import Alerting
from services.staffing.usecases.planning import Planning

PROBLEMS: ErrorProblems = {
    InvalidInstance: lambda error: Problem(422, "Invalid instance", str(error)),
    SolverBusy: lambda error: Problem(503, "Solver busy", str(error)),
    UnknownAlert: lambda error: Problem(404, "Not Found", f"no alert {error.alert_id} at {error.branch_id}"),
    AlertExpired: lambda error: Problem(409, "Alert expired", str(error)),
}
"""Registered by bootstrap.py (``create_service_app(errors=...)``)."""


async def get_handlers(request: Request) -> StaffingHandlers:
    return request.app.state.handlers


async def get_planning(request: Request) -> Planning:
    return request.app.state.planning


async def get_alerting(request: Request) -> Alerting:
    return request.app.state.alerting


HandlersDep = Annotated[StaffingHandlers, Depends(get_handlers)]
PlanningDep = Annotated[Planning, Depends(get_planning)]
AlertingDep = Annotated[Alerting, Depends(get_alerting)]
