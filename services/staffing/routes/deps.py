"""Dependencies of the staffing routes, in one place."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from branchops.contracts.base import BranchId
from branchops.web import Problem
from services.staffing.usecases.alerting import Alerting
from services.staffing.usecases.planning import Planning

BranchPath = Annotated[BranchId, Path(description="Branch id")]


async def get_planning(request: Request) -> Planning:
    return request.app.state.planning


async def get_alerting(request: Request) -> Alerting:
    return request.app.state.alerting


PlanningDep = Annotated[Planning, Depends(get_planning)]
AlertingDep = Annotated[Alerting, Depends(get_alerting)]


async def json_body(request: Request) -> Any:
    """The request's JSON, refusing more than ``max_body_bytes`` (413) before reading it all."""
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, "Payload too large", f"the body may be at most {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, "Payload too large", f"the body may be at most {limit} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "Malformed JSON", str(exc)[:200]) from None


JsonBody = Annotated[Any, Depends(json_body)]
