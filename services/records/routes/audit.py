"""``GET /v1/branches/{b}/config/audit``: who changed the branch's configuration, newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from branchops.web import BranchPath, check_branch
from branchops.web.roles import ManagerHeadOfficeService
from services.records.domain.report import AUDIT_MAX_LIMIT
from services.records.routes.reports import REFUSED, ReportsDep

router = APIRouter(prefix="/v1", tags=["configuration"])


class AuditEntryView(BaseModel):
    version: int
    changed_at: dt.datetime
    subject: str = Field(description="the credential's subject (an API key's digest)")
    role: str
    diff: dict[str, Any] = Field(description="what changed: ids and field names, no values")


class AuditPage(BaseModel):
    branch_id: str
    entries: list[AuditEntryView]
    next_before_version: int | None = Field(description="before_version of the next page; null on the last page")


@router.get(
    "/branches/{branch_id}/config/audit",
    response_model=AuditPage,
    responses=REFUSED,
    summary="The configuration's changes, newest first (who, when, what changed)",
)
async def config_audit(
    branch_id: BranchPath,
    who: ManagerHeadOfficeService,
    reports: ReportsDep,
    limit: Annotated[int, Query(ge=1, le=AUDIT_MAX_LIMIT, description="entries per page")] = 50,
    before_version: Annotated[int | None, Query(ge=1, description="only versions older than this one")] = None,
) -> JSONResponse:
    check_branch(who, branch_id)
    return JSONResponse(await reports.audit(branch_id, limit, before_version), headers={"Cache-Control": "no-store"})
