"""The records service behind the gateway: the branch configuration (ETag / If-Match passed through), its
audit, the branch reports (daily, PDF, week/month) and head office's network reports (ranking, CSV, trend).

Managers reach their own branch only; head office (and services) every branch; records checks the roles
again. Records' answers (problem+json with ``reasons`` included) go back unchanged; an unreachable records
is the usual 502/504 problem.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from branchops.web import BranchPath
from branchops.web.body import read_body
from services.gateway.access import (
    HeadOfficeService,
    ManagerHeadOfficeService,
    ManagerOnly,
    check_branch_access,
    require_network_wide,
)
from services.gateway.routes.deps import GatewayDep

router = APIRouter(prefix="/v1", tags=["records"])
MAX_CONFIG_BYTES = 1_000_000  # records' own limit (RECORDS_MAX_BODY_BYTES default)
QUERY = ("date", "lang", "from", "to", "sort", "order", "limit", "before_version", "branch_id")


def _query(request: Request) -> dict[str, str]:
    """The query parameters records understands, passed on as they came (records validates them)."""
    return {k: v for k, v in request.query_params.items() if k in QUERY}


@router.get("/branches/{branch_id}/config", summary="The branch's configuration (records); its version is the ETag")
async def get_config(
    branch_id: BranchPath, request: Request, who: ManagerHeadOfficeService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    headers = dict(who.upstream)
    if "if-none-match" in request.headers:
        headers["If-None-Match"] = request.headers["if-none-match"]
    return await gateway.upstreams.relay("records", "GET", f"/v1/branches/{branch_id}/config", headers)


@router.put("/branches/{branch_id}/config", summary="Replace the branch's configuration (If-Match: its ETag)")
async def put_config(branch_id: BranchPath, request: Request, who: ManagerOnly, gateway: GatewayDep) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    body = await read_body(request, MAX_CONFIG_BYTES)
    headers = dict(who.upstream)
    if "if-match" in request.headers:
        headers["If-Match"] = request.headers["if-match"]
    return await gateway.upstreams.relay(
        "records",
        "PUT",
        f"/v1/branches/{branch_id}/config",
        headers,
        content=body,
        content_type=request.headers.get("content-type", "application/json"),
    )


@router.get("/branches/{branch_id}/config/audit", summary="Who changed the configuration, newest first")
async def config_audit(
    branch_id: BranchPath, request: Request, who: ManagerHeadOfficeService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "records", "GET", f"/v1/branches/{branch_id}/config/audit", who.upstream, params=_query(request)
    )


@router.get("/branches/{branch_id}/reports/daily", summary="One day of the branch (records' rollups)")
async def daily(
    branch_id: BranchPath, request: Request, who: ManagerHeadOfficeService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "records", "GET", f"/v1/branches/{branch_id}/reports/daily", who.upstream, params=_query(request)
    )


@router.get("/branches/{branch_id}/reports/daily.pdf", summary="One day of the branch as a printable PDF")
async def daily_pdf(
    branch_id: BranchPath, request: Request, who: ManagerHeadOfficeService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "records", "GET", f"/v1/branches/{branch_id}/reports/daily.pdf", who.upstream, params=_query(request)
    )


@router.get("/branches/{branch_id}/reports/period", summary="A week or month of the branch, per day")
async def period(
    branch_id: BranchPath, request: Request, who: ManagerHeadOfficeService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "records", "GET", f"/v1/branches/{branch_id}/reports/period", who.upstream, params=_query(request)
    )


@router.get("/reports/branches", summary="Head office: every branch's totals over a range, ranked")
async def branches(request: Request, who: HeadOfficeService, gateway: GatewayDep) -> Response:
    require_network_wide(who)
    return await gateway.upstreams.relay("records", "GET", "/v1/reports/branches", who.upstream, params=_query(request))


@router.get("/reports/branches.csv", summary="Head office: the ranking as CSV")
async def branches_csv(request: Request, who: HeadOfficeService, gateway: GatewayDep) -> Response:
    require_network_wide(who)
    return await gateway.upstreams.relay(
        "records", "GET", "/v1/reports/branches.csv", who.upstream, params=_query(request)
    )


@router.get("/reports/trend", summary="Head office: per-day series of the network or one branch")
async def trend(request: Request, who: HeadOfficeService, gateway: GatewayDep) -> Response:
    branch = request.query_params.get("branch_id")
    if branch:
        check_branch_access(who, branch, gateway.settings)
    else:
        require_network_wide(who)  # the network's trend
    return await gateway.upstreams.relay("records", "GET", "/v1/reports/trend", who.upstream, params=_query(request))
