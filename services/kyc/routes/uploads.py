"""Reading uploads with hard byte limits, the per-caller rate limit, what a caller may see of what was read,
and problem+json for refused images."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import math
from typing import Any

from fastapi import Request

from branchops.web import Principal, Problem, read_body, read_json_body
from services.kyc.domain.disclosure import full_fields_allowed, purpose_of, rate_key
from services.kyc.domain.errors import (
    DocumentError,
    ImageTooLargeError,
    NotAnImageError,
    SessionNotFound,
    SessionStateError,
)
from services.kyc.settings import KycSettings
from services.kyc.usecases.verification import Verification, masked_fields

log = logging.getLogger(__name__)

IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff", "application/octet-stream"}
)


def upload_too_large(limit: int, declared: str | None) -> Problem:
    detail = f"{declared} bytes exceeds the limit of {limit}" if declared is not None else f"more than {limit} bytes"
    return Problem(413, "Upload too large", detail, reason="image_too_large")


def not_json(error: ValueError) -> Problem:
    return Problem(400, "Invalid JSON", "the body is not JSON", reason="not_json")


async def read_image(request: Request, settings: KycSettings) -> bytes:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in IMAGE_TYPES:
        raise Problem(
            415,
            "Unsupported media type",
            f"send the image as the raw body with an image content type, not {media or 'nothing'}",
            reason="not_an_image",
        )
    data = await read_body(request, settings.max_upload_bytes, too_large=upload_too_large)
    if not data:
        raise Problem(400, "Empty upload", "the request body holds no image", reason="not_an_image")
    return data


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise Problem(415, "Unsupported media type", "send application/json", reason="not_json")
    body = await read_json_body(request, limit, too_large=upload_too_large, malformed=not_json)
    if not isinstance(body, dict):
        raise Problem(400, "Invalid JSON", "expected a JSON object", reason="not_json")
    return body


def b64_image(value: object, name: str, limit: int) -> bytes:
    if not isinstance(value, str) or not value:
        raise Problem(422, "Invalid request", f"{name}: expected a base64 string", reason="not_an_image")
    if len(value) > limit * 4 // 3 + 8:
        raise Problem(413, "Upload too large", f"{name}: more than {limit} bytes", reason="image_too_large")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Problem(422, "Invalid request", f"{name}: not valid base64", reason="not_an_image") from None


def problem_for(error: DocumentError) -> Problem:
    if isinstance(error, ImageTooLargeError):
        return Problem(413, "Image too large", str(error), reason=error.reason)
    if isinstance(error, NotAnImageError):
        return Problem(415, "Not an accepted image", str(error), reason=error.reason)
    return Problem(422, "Image refused", str(error), reason=error.reason)


def problem_for_session(error: Exception) -> Problem:
    if isinstance(error, SessionNotFound):
        return Problem(404, "Not Found", "no such KYC session (or it expired)", reason="session_not_found")
    if isinstance(error, SessionStateError):
        return Problem(409, "Conflict", str(error), reason="session_state")
    raise error


def kiosk_of(request: Request, principal: Principal) -> str:
    """The budget a stateless request counts against: the authenticated caller (a service names the kiosk)."""
    return rate_key(principal.role, principal.subject, request.headers.get("x-kiosk-id", "").strip() or None)


def session_rate_key(principal: Principal, session_kiosk: str) -> str:
    """A session's requests count against the caller; a service acting for a kiosk, against the session's kiosk."""
    return rate_key(principal.role, principal.subject, session_kiosk)


def disclosed(result: dict[str, Any], request: Request, principal: Principal) -> dict[str, Any]:
    """What was read, as this caller may see it: masked unless a service states its purpose."""
    purpose = purpose_of(request.headers.get("x-kyc-purpose"))
    if full_fields_allowed(principal.role, purpose):
        log.info("kyc: full document fields to %s for purpose %r", principal.subject, purpose)
        return result
    if not isinstance(result.get("fields"), dict):
        return result
    return {**result, "fields": masked_fields(result["fields"])}


async def enforce_rate_limit(kyc: Verification, settings: KycSettings, kiosk_id: str) -> None:
    wait = await kyc.store.hit_rate_limit(kiosk_id, settings.rate_limit_per_minute, dt.datetime.now(dt.UTC))
    if wait is not None:
        raise Problem(
            429,
            "Too many requests",
            f"at most {settings.rate_limit_per_minute} requests per minute per kiosk",
            reason="rate_limited",
            retry_after_s=wait,
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
