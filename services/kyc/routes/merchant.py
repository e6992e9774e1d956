"""Merchant onboarding cases (issue 25 item 5): the applicant's uploads, the officer's review and decision."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.contracts.base import BranchId, Identifier
from branchops.web import BranchPath, Principal, Problem, check_branch
from branchops.web.roles import AnyRole, KioskTellerManagerService, ManagerOnly
from services.kyc.domain.errors import DocumentError
from services.kyc.domain.merchant import CaseStateError, DecisionError
from services.kyc.routes.deps import KycDep, MerchantDep, SettingsDep
from services.kyc.routes.upload_step import UploadStep
from services.kyc.routes.uploads import enforce_rate_limit, session_rate_key
from services.kyc.settings import KycSettings
from services.kyc.usecases.merchant import (
    CaseNotFound,
    DocumentImageUnavailable,
    public_case,
    queue_entry,
    review_view,
)
from services.kyc.usecases.verification import Verification

router = APIRouter(prefix="/v1/kyc/merchant-cases", tags=["kyc merchant onboarding"])
CasePath = Annotated[Identifier, Path(description="merchant case id")]
DocumentPath = Annotated[
    Literal["licence", "portrait", "emblem"], Path(description="the licence or a side of the ID card")
]
IMAGE_BODY = {
    "requestBody": {"required": True, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}
}
UPLOAD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "reason: case_not_found (never opened or expired)"},
    409: {"description": "reason: case_decided, case_in_review, licence_first, id_card_first, no_challenge"},
    413: {"description": "reason: image_too_large"},
    415: {"description": "reason: not_an_image"},
    422: {"description": "reason: no_document_found, no_face, multiple_faces, face_too_small, frame_count, timestamps"},
    429: {"description": "reason: rate_limited"},
}
DECISION_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "reason: case_not_found"},
    409: {"description": "reason: case_decided, case_not_in_review"},
    422: {
        "description": "reason: reason_required, reason_too_long, unknown_field, invalid_correction, "
        "blocking_checks_failed; or a malformed body"
    },
}


class OpenCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    branch_id: BranchId
    kiosk_id: Identifier


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "reject", "ask_more"]
    reason: str = Field("", max_length=2000, description="required for reject and ask_more (at most 500 characters)")
    corrections: dict[str, str] = Field(
        default_factory=dict, description='values the officer typed, by "<document>.<field>", e.g. "licence.name"'
    )


def refusal(case: dict[str, Any], step: str, error: DocumentError) -> dict[str, str]:
    """The audit entry of a refused upload (its reason only; nothing of the upload is kept)."""
    return {
        "case_id": case["case_id"],
        "kiosk_id": case["kiosk_id"],
        "action": f"{step}_refused",
        "reason": error.reason,
    }


def case_problem(error: Exception) -> Problem:
    if isinstance(error, CaseNotFound):
        return Problem(404, "Not Found", "no such merchant case (or it expired)", reason="case_not_found")
    if isinstance(error, CaseStateError):
        return Problem(409, "Conflict", str(error), reason=error.reason)
    if isinstance(error, DecisionError):
        return Problem(422, "Decision refused", str(error), reason=error.reason)
    raise error


async def _case(kyc: MerchantDep, case_id: str, who: Principal) -> dict[str, Any]:
    try:
        case = await kyc.case(case_id)
    except CaseNotFound as error:
        raise case_problem(error) from None
    check_branch(who, case["branch_id"])
    return case


@router.post("", status_code=201, summary="Open a merchant onboarding case (the licence comes first)")
async def open_case(
    body: OpenCase, who: KioskTellerManagerService, kyc: MerchantDep, sessions: KycDep, settings: SettingsDep
) -> dict[str, Any]:
    check_branch(who, body.branch_id)
    await enforce_rate_limit(sessions, settings, session_rate_key(who, body.kiosk_id))
    return public_case(await kyc.open_case(body.branch_id, body.kiosk_id))


branch_router = APIRouter(tags=["kyc merchant onboarding"])


@branch_router.get(
    "/v1/kyc/branches/{branch_id}/merchant-cases", summary="The officer's list of the branch's merchant cases"
)
async def branch_cases(
    branch_id: BranchPath,
    who: ManagerOnly,
    kyc: MerchantDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    check_branch(who, branch_id)
    cases = [queue_entry(c) for c in await kyc.store.of_branch(branch_id) if status is None or c["status"] == status]
    return {"branch_id": branch_id, "cases": cases}


@router.get("/{case_id}", summary="State of a case (masked)", responses={404: UPLOAD_PROBLEMS[404]})
async def get_case(case_id: CasePath, who: AnyRole, kyc: MerchantDep) -> dict[str, Any]:
    return public_case(await _case(kyc, case_id, who))


def _step(sessions: Verification, settings: KycSettings, case: dict[str, Any], who: Principal, name: str) -> UploadStep:
    async def refuse(error: DocumentError) -> None:
        await sessions.store.audit(case["branch_id"], refusal(case, name, error))

    return UploadStep(sessions, settings, session_rate_key(who, case["kiosk_id"]), refuse, CaseStateError, case_problem)


async def _upload(
    kind: str,
    case_id: str,
    request: Request,
    who: Principal,
    kyc: MerchantDep,
    sessions: KycDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    case = await _case(kyc, case_id, who)
    add = kyc.add_licence if kind == "licence" else kyc.add_id_card
    return await _step(sessions, settings, case, who, kind).image(request, who, lambda data: add(case, data))


@router.post(
    "/{case_id}/licence", summary="Photo of the business licence", openapi_extra=IMAGE_BODY, responses=UPLOAD_PROBLEMS
)
async def add_licence(
    case_id: CasePath,
    request: Request,
    who: KioskTellerManagerService,
    kyc: MerchantDep,
    sessions: KycDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    return await _upload("licence", case_id, request, who, kyc, sessions, settings)


@router.post(
    "/{case_id}/id-card",
    summary="Photo of the legal representative's ID card (either side)",
    openapi_extra=IMAGE_BODY,
    responses=UPLOAD_PROBLEMS,
)
async def add_id_card(
    case_id: CasePath,
    request: Request,
    who: KioskTellerManagerService,
    kyc: MerchantDep,
    sessions: KycDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    return await _upload("id_card", case_id, request, who, kyc, sessions, settings)


@router.post(
    "/{case_id}/challenge",
    summary="A fresh liveness challenge when the selfie is due and the last challenge lapsed",
    responses=UPLOAD_PROBLEMS,
)
async def renew_challenge(case_id: CasePath, who: KioskTellerManagerService, kyc: MerchantDep) -> dict[str, Any]:
    case = await _case(kyc, case_id, who)
    try:
        return await kyc.renew_challenge(case)
    except CaseStateError as error:
        raise case_problem(error) from None


@router.post(
    "/{case_id}/selfie",
    summary="The legal representative's liveness frames (the challenge, in order); the case goes to review",
    responses=UPLOAD_PROBLEMS,
)
async def add_selfie(
    case_id: CasePath,
    request: Request,
    who: KioskTellerManagerService,
    kyc: MerchantDep,
    sessions: KycDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    case = await _case(kyc, case_id, who)
    return await _step(sessions, settings, case, who, "selfie").frames(
        request, lambda frames: kyc.add_selfie(case, frames)
    )


@router.get(
    "/{case_id}/review",
    summary="The officer's review sheet: every field in full with its confidence and checks",
    responses={404: UPLOAD_PROBLEMS[404]},
)
async def review(case_id: CasePath, who: ManagerOnly, kyc: MerchantDep) -> dict[str, Any]:
    case = await _case(kyc, case_id, who)
    return {**review_view(case), "document_images": await kyc.document_images(case)}


@router.get(
    "/{case_id}/documents/{document}",
    summary="A straightened, downscaled JPEG of one of the case's documents, for the officer (audited; only when "
    "images are retained)",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "the document, at most 720 px on its long side"},
        404: {"description": "reason: case_not_found, images_not_kept (retention off), image_not_found"},
    },
)
async def document_image(case_id: CasePath, document: DocumentPath, who: ManagerOnly, kyc: MerchantDep) -> Response:
    case = await _case(kyc, case_id, who)
    try:
        crop = await kyc.document_crop(case, document, who.subject)
    except DocumentImageUnavailable as error:
        raise Problem(404, "Not Found", str(error), reason=error.reason) from None
    return Response(crop, media_type="image/jpeg", headers={"Cache-Control": "no-store, private"})


@router.post(
    "/{case_id}/decision",
    summary="The officer approves, rejects or asks for more (audited, published masked)",
    responses=DECISION_PROBLEMS,
)
async def decide(case_id: CasePath, body: Decision, who: ManagerOnly, kyc: MerchantDep) -> dict[str, Any]:
    case = await _case(kyc, case_id, who)
    try:
        decided = await kyc.decide(case, who.subject, body.action, body.reason, body.corrections)
    except (CaseNotFound, CaseStateError, DecisionError) as error:
        raise case_problem(error) from None
    return review_view(decided)
