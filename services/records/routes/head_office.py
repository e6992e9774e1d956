"""Head office: ``GET /v1/reports/branches`` (ranking), ``/v1/reports/branches.csv`` and ``/v1/reports/trend``
(docs/records-reports-api.md, "Head office"). Head office and services only; managers see their own branch's
reports elsewhere."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from branchops.contracts.base import BranchId
from branchops.web import Problem
from branchops.web.problems import ErrorProblems
from branchops.web.roles import HeadOfficeService
from services.records.domain.network import BadReportQuery
from services.records.usecases.head_office import HeadOffice

router = APIRouter(prefix="/v1/reports", tags=["head office reports"])

PROBLEMS: ErrorProblems = {
    BadReportQuery: lambda error: Problem(
        error.status, "Bad report query" if error.status == 400 else "Range too long", str(error), reason=error.reason
    ),
}
"""Registered by bootstrap.py (``create_service_app(errors=...)``)."""

RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "reason bad_date (not YYYY-MM-DD), bad_range (from after to), bad_sort"},
    403: {"description": "not head office or a service"},
    422: {"description": "reason range_too_long (more than 366 days)"},
}


async def get_head_office(request: Request) -> HeadOffice:
    head_office: HeadOffice = request.app.state.head_office
    return head_office


HeadOfficeDep = Annotated[HeadOffice, Depends(get_head_office)]
From = Annotated[str | None, Query(alias="from", description="first date YYYY-MM-DD (default: 30 days up to `to`)")]
To = Annotated[
    str | None, Query(alias="to", description="last date YYYY-MM-DD, inclusive (default: today, Asia/Shanghai)")
]
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/branches", responses=RESPONSES, summary="Every branch's totals over a range, ranked")
async def branches(
    who: HeadOfficeService,
    head_office: HeadOfficeDep,
    start: From = None,
    end: To = None,
    sort: Annotated[str | None, Query(description="a Totals field (default within_target_share)")] = None,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> JSONResponse:
    report = await head_office.branches(start, end, sort=sort, order=order, limit=limit)
    return JSONResponse(report, headers=NO_STORE)


@router.get(
    "/branches.csv",
    responses={**RESPONSES, 200: {"content": {"text/csv": {}}, "description": "the ranking's rows"}},
    summary="The ranking as CSV (UTF-8 with BOM, for Excel)",
)
async def branches_csv(
    who: HeadOfficeService, head_office: HeadOfficeDep, start: From = None, end: To = None
) -> Response:
    body = await head_office.branches_csv(start, end)
    span = f"{start or ''}_{end or ''}".strip("_") or "latest"
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="branches_{span}.csv"'},
    )


@router.get("/trend", responses=RESPONSES, summary="Per-day totals of the network or one branch")
async def trend(
    who: HeadOfficeService,
    head_office: HeadOfficeDep,
    start: From = None,
    end: To = None,
    branch_id: Annotated[BranchId | None, Query(description="one branch (default: the whole network)")] = None,
) -> JSONResponse:
    return JSONResponse(await head_office.trend(start, end, branch_id), headers=NO_STORE)
