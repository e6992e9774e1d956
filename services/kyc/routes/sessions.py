"""KYC sessions (DESIGN.md section 4): create, add the document, add the selfie frames, read, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict

from branchops.contracts.base import BranchId, Identifier
from branchops.contracts.enums import DocType
from branchops.web import Principal, check_branch
from branchops.web.roles import AnyRole, KioskTellerManagerService
from services.kyc.domain.errors import DocumentError, SessionNotFound, SessionStateError
from services.kyc.routes.deps import KycDep, SettingsDep
from services.kyc.routes.upload_step import UploadStep
from services.kyc.routes.uploads import enforce_rate_limit, problem_for_session, session_rate_key
from services.kyc.settings import KycSettings
from services.kyc.usecases.verification import Verification, public_view

router = APIRouter(prefix="/v1/kyc/sessions", tags=["kyc"])
SessionPath = Annotated[Identifier, Path(description="KYC session id")]


class CreateSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    branch_id: BranchId
    kiosk_id: Identifier
    doc_type: DocType = DocType.ID_CARD


async def _session(kyc: KycDep, session_id: str, who: Principal) -> dict[str, Any]:
    try:
        session = await kyc.session(session_id)
    except SessionNotFound as error:
        raise problem_for_session(error) from None
    check_branch(who, session["branch_id"])
    return session


def _step(kyc: Verification, settings: KycSettings, session: dict[str, Any], who: Principal, name: str) -> UploadStep:
    async def refuse(error: DocumentError) -> None:
        await kyc.refuse(session, name, error)

    return UploadStep(
        kyc, settings, session_rate_key(who, session["kiosk_id"]), refuse, SessionStateError, problem_for_session
    )


@router.post("", status_code=201, summary="Start a KYC session; an ID-card session gets its liveness challenge")
async def create_session(
    body: CreateSession, who: KioskTellerManagerService, kyc: KycDep, settings: SettingsDep
) -> dict[str, Any]:
    check_branch(who, body.branch_id)
    await enforce_rate_limit(kyc, settings, session_rate_key(who, body.kiosk_id))
    session = await kyc.create_session(body.branch_id, body.kiosk_id, body.doc_type)
    return {k: v for k, v in session.items() if k != "portrait_embedding"}


@router.get("/{session_id}", summary="State and decision of a session (masked)")
async def get_session(session_id: SessionPath, who: AnyRole, kyc: KycDep) -> dict[str, Any]:
    return public_view(await _session(kyc, session_id, who))


@router.delete(
    "/{session_id}",
    status_code=204,
    summary="Delete a session and everything kept for it (retained images too, even after the session expired)",
)
async def delete_session(session_id: SessionPath, who: KioskTellerManagerService, kyc: KycDep) -> Response:
    session = await kyc.store.get(session_id)
    branch = session["branch_id"] if session is not None else await kyc.retained_branch(session_id)
    if branch is None:
        raise problem_for_session(SessionNotFound(session_id))
    check_branch(who, branch)
    images_removed = await kyc.delete_session(session_id, branch)
    entry = {
        "session_id": session_id,
        "action": "deleted_on_request",
        "retained_images": "deleted" if images_removed else "none",
    }
    if session is not None:
        entry["kiosk_id"] = session["kiosk_id"]
    await kyc.store.audit(branch, entry)
    return Response(status_code=204)


@router.post(
    "/{session_id}/documents",
    summary="Photo of the ID card (either side) or business licence",
    openapi_extra={
        "requestBody": {"required": True, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
async def add_document(
    session_id: SessionPath, request: Request, who: KioskTellerManagerService, kyc: KycDep, settings: SettingsDep
) -> dict[str, Any]:
    session = await _session(kyc, session_id, who)
    step = _step(kyc, settings, session, who, "document")
    return await step.image(request, who, lambda data: kyc.add_document(session, data))


@router.post(
    "/{session_id}/selfie",
    summary="Liveness frames (the challenge, in order); decides the session",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["frames"],
                        "properties": {
                            "frames": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["image", "t_ms"],
                                    "properties": {
                                        "image": {"type": "string", "format": "byte"},
                                        "t_ms": {"type": "number"},
                                    },
                                },
                            }
                        },
                    }
                }
            },
        }
    },
)
async def add_selfie(
    session_id: SessionPath, request: Request, who: KioskTellerManagerService, kyc: KycDep, settings: SettingsDep
) -> dict[str, Any]:
    session = await _session(kyc, session_id, who)
    return await _step(kyc, settings, session, who, "selfie").frames(
        request, lambda frames: kyc.add_selfie(session, frames)
    )
