"""The officer's merchant-onboarding review (issue 25 item 5b) behind the gateway: the branch's cases, a
case's review sheet (fields in full) and the officer's decision, relayed to the KYC service.

Only managers (the branch's officers) reach these; the KYC service checks the role and the case's branch
again and audits the decision under the manager's name (the gateway forwards the manager's own token).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.web import BranchPath
from services.gateway.access import ManagerOnly, check_branch_access
from services.gateway.routes.deps import GatewayDep

router = APIRouter(prefix="/v1", tags=["merchant review"])
CasePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
DocumentPath = Annotated[Literal["licence", "portrait", "emblem"], Path(description="the licence or an ID card side")]
RELAYED: dict[int | str, dict[str, Any]] = {
    403: {"description": "another branch's case"},
    404: {"description": "reason: case_not_found (relayed from KYC)"},
    409: {"description": "reason: case_decided, case_not_in_review (relayed from KYC)"},
    422: {"description": "reason: reason_required, unknown_field, invalid_correction, blocking_checks_failed"},
}


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "reject", "ask_more"]
    reason: str = Field("", max_length=2000)
    corrections: dict[str, str] = Field(default_factory=dict, max_length=40)


@router.get("/branches/{branch_id}/merchant-cases", summary="The branch's merchant onboarding cases (KYC)")
async def branch_cases(branch_id: BranchPath, who: ManagerOnly, gateway: GatewayDep) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "kyc", "GET", f"/v1/kyc/branches/{branch_id}/merchant-cases", who.upstream, params={"status": "review"}
    )


@router.get("/kyc/merchant-cases/{case_id}/review", summary="A case's review sheet (KYC)", responses=RELAYED)
async def review(case_id: CasePath, who: ManagerOnly, gateway: GatewayDep) -> Response:
    return await gateway.upstreams.relay("kyc", "GET", f"/v1/kyc/merchant-cases/{case_id}/review", who.upstream)


@router.get(
    "/kyc/merchant-cases/{case_id}/documents/{document}",
    summary="A case's document as the officer sees it: straightened, downscaled JPEG (KYC; audited)",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}},
        404: {"description": "reason: case_not_found, images_not_kept, image_not_found (relayed from KYC)"},
        403: RELAYED[403],
    },
)
async def document(case_id: CasePath, document: DocumentPath, who: ManagerOnly, gateway: GatewayDep) -> Response:
    return await gateway.upstreams.relay(
        "kyc", "GET", f"/v1/kyc/merchant-cases/{case_id}/documents/{document}", who.upstream
    )


@router.post(
    "/kyc/merchant-cases/{case_id}/decision", summary="Approve, reject or ask for more (KYC)", responses=RELAYED
)
async def decide(case_id: CasePath, body: Decision, who: ManagerOnly, gateway: GatewayDep) -> Response:
    return await gateway.upstreams.relay(
        "kyc", "POST", f"/v1/kyc/merchant-cases/{case_id}/decision", who.upstream, json_body=body.model_dump()
    )
