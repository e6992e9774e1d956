"""Stateless endpoints (DESIGN.md section 4): ``POST /v1/ocr/id-card``, ``/v1/ocr/business-licence``,
``/v1/face/verify``. Images come as the raw request body (OCR) or base64 in JSON (verify, two images);
nothing is stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from branchops.web.roles import KioskTellerManagerService
from services.kyc.domain.errors import DocumentError
from services.kyc.routes.deps import KycDep, SettingsDep
from services.kyc.routes.uploads import (
    b64_image,
    disclosed,
    enforce_rate_limit,
    kiosk_of,
    problem_for,
    read_image,
    read_json,
)

router = APIRouter(prefix="/v1", tags=["ocr", "face"])
IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/ocr/id-card", summary="Read one side of a resident ID card", openapi_extra=IMAGE_BODY)
async def ocr_id_card(
    request: Request, who: KioskTellerManagerService, kyc: KycDep, settings: SettingsDep
) -> dict[str, Any]:
    await enforce_rate_limit(kyc, settings, kiosk_of(request, who))
    data = await read_image(request, settings)
    try:
        return disclosed(await kyc.read_id_card(data), request, who)
    except DocumentError as error:
        raise problem_for(error) from None


@router.post("/ocr/business-licence", summary="Read a business licence", openapi_extra=IMAGE_BODY)
async def ocr_licence(
    request: Request, who: KioskTellerManagerService, kyc: KycDep, settings: SettingsDep
) -> dict[str, Any]:
    await enforce_rate_limit(kyc, settings, kiosk_of(request, who))
    data = await read_image(request, settings)
    try:
        return disclosed(await kyc.read_licence(data), request, who)
    except DocumentError as error:
        raise problem_for(error) from None


@router.post(
    "/face/verify",
    summary="Compare the ID portrait with a selfie",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["document", "selfie"],
                        "properties": {
                            "document": {"type": "string", "format": "byte"},
                            "selfie": {"type": "string", "format": "byte"},
                        },
                    }
                }
            },
        }
    },
)
async def face_verify(
    request: Request, who: KioskTellerManagerService, kyc: KycDep, settings: SettingsDep
) -> dict[str, Any]:
    await enforce_rate_limit(kyc, settings, kiosk_of(request, who))
    body = await read_json(request, settings.verify_body_bytes())
    document = b64_image(body.get("document"), "document", settings.max_upload_bytes)
    selfie = b64_image(body.get("selfie"), "selfie", settings.max_upload_bytes)
    try:
        return await kyc.verify_faces(document, selfie)
    except DocumentError as error:
        raise problem_for(error) from None
