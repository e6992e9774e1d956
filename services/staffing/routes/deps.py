"""Dependencies of the staffing routes, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.staffing.handlers import StaffingHandlers
from services.staffing.usecases.alerting import Alerting
from services.staffing.usecases.planning import Planning


async def get_handlers(request: Request) -> StaffingHandlers:
    return request.app.state.handlers


async def get_planning(request: Request) -> Planning:
    return request.app.state.planning


async def get_alerting(request: Request) -> Alerting:
    return request.app.state.alerting


HandlersDep = Annotated[StaffingHandlers, Depends(get_handlers)]
PlanningDep = Annotated[Planning, Depends(get_planning)]
AlertingDep = Annotated[Alerting, Depends(get_alerting)]
