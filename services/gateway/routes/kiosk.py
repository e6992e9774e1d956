"""The kiosk's calls: take a ticket and follow it, KYC uploads, turns with the digital employee.

A kiosk authenticates with its device key (or the cookie device login set); the gateway calls the
services with a JWT of role kiosk bound to the kiosk's branch, so a kiosk never reaches another branch.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.contracts.enums import DocType, Priority, ServiceName
from branchops.settings import Role
from branchops.web import BranchPath, Problem, read_body
from services.gateway.access import Caller, KioskTellerManagerService, check_branch_access
from services.gateway.domain.errors import UpstreamError
from services.gateway.domain.speech import speech_state
from services.gateway.routes.deps import GatewayDep

router = APIRouter(tags=["kiosk"])
IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_SELFIE_BYTES = 16 * 1024 * 1024


class TakeTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName
    priority: Priority = Priority.NORMAL


class StartKyc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_type: DocType = DocType.ID_CARD
    branch_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="staff only; kiosks: theirs")


class StartDialogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lang: Literal["zh", "en"] = "zh"
    speak: bool = False


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=500)
    speak: bool = False


def upload_too_large(limit: int, declared: str | None) -> Problem:
    return Problem(413, "Upload too large", f"at most {limit} bytes")


async def read_limited(request: Request, limit: int) -> bytes:
    return await read_body(request, limit, too_large=upload_too_large)


def _kiosk_headers(who: Caller) -> dict[str, str]:
    return {**who.upstream, **({"X-Kiosk-Id": who.kiosk_id} if who.kiosk_id else {})}


@router.post("/v1/branches/{branch_id}/tickets", summary="Take a ticket (queue service)")
async def take_ticket(
    branch_id: BranchPath, body: TakeTicket, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    channel = "kiosk" if who.role is Role.KIOSK else "teller"
    answer = await gateway.upstreams.call(
        "queue",
        "POST",
        f"/v1/branches/{branch_id}/tickets",
        who.upstream,
        json_body={**body.model_dump(mode="json"), "channel": channel},
    )
    if answer.status_code == 201 and who.kiosk_id:
        await gateway.kiosk_tickets.add(branch_id, who.kiosk_id, str(answer.json()["ticket_id"]))
    return Response(answer.content, answer.status_code, media_type=answer.headers.get("content-type"))


@router.get("/v1/branches/{branch_id}/tickets/{ticket_id}", summary="A ticket's place in line and wait range")
async def ticket(
    branch_id: BranchPath, ticket_id: IdPath, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    if who.role is Role.KIOSK and not (
        who.kiosk_id and await gateway.kiosk_tickets.held(branch_id, who.kiosk_id, [ticket_id])
    ):
        raise Problem(404, "Not Found", "this kiosk did not issue that ticket")
    return await gateway.upstreams.relay("queue", "GET", f"/v1/branches/{branch_id}/tickets/{ticket_id}", who.upstream)


@router.post("/v1/kyc/sessions", summary="Start a KYC session (KYC service); returns the liveness challenge")
async def start_kyc(body: StartKyc, who: KioskTellerManagerService, gateway: GatewayDep) -> Response:
    branch = who.principal.branch_id or body.branch_id
    if branch is None:
        raise Problem(422, "Invalid request", "branch_id is required for a credential without a branch")
    check_branch_access(who, branch, gateway.settings)
    kiosk_id = who.kiosk_id or f"staff-{who.principal.subject}"[:64].replace(":", "-")
    return await gateway.upstreams.relay(
        "kyc",
        "POST",
        "/v1/kyc/sessions",
        _kiosk_headers(who),
        json_body={"branch_id": branch, "kiosk_id": kiosk_id, "doc_type": body.doc_type.value},
    )


@router.get("/v1/kyc/sessions/{session_id}", summary="State and decision of a KYC session (masked)")
async def kyc_session(session_id: IdPath, who: KioskTellerManagerService, gateway: GatewayDep) -> Response:
    return await gateway.upstreams.relay("kyc", "GET", f"/v1/kyc/sessions/{session_id}", _kiosk_headers(who))


@router.post("/v1/kyc/sessions/{session_id}/documents", summary="Photo of the document (raw image body)")
async def kyc_document(
    session_id: IdPath, request: Request, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    data = await read_limited(request, MAX_DOCUMENT_BYTES)
    answer = await gateway.upstreams.relay(
        "kyc",
        "POST",
        f"/v1/kyc/sessions/{session_id}/documents",
        _kiosk_headers(who),
        content=data,
        content_type=request.headers.get("content-type", "application/octet-stream"),
    )
    return masked_document_answer(answer)


def masked_document_answer(answer: Response) -> Response:
    """A kiosk stands in a public hall: it gets the fields read from the card only as the KYC service's
    masked copy in the session (``叶**``, ``5101**********7551``), never the full values."""
    if answer.status_code != 200:
        return answer
    try:
        body = json.loads(bytes(answer.body))
        side = body.get("side") or "licence"
        body["fields"] = body["session"]["documents"][side]["fields"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Problem(502, "Bad gateway", "the KYC service's answer could not be masked for a kiosk") from None
    return Response(json.dumps(body, ensure_ascii=False), status_code=200, media_type="application/json")


@router.post("/v1/kyc/sessions/{session_id}/selfie", summary="Liveness frames, in the challenge's order")
async def kyc_selfie(
    session_id: IdPath, request: Request, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    data = await read_limited(request, MAX_SELFIE_BYTES)
    return await gateway.upstreams.relay(
        "kyc",
        "POST",
        f"/v1/kyc/sessions/{session_id}/selfie",
        _kiosk_headers(who),
        content=data,
        content_type="application/json",
    )


@router.post("/v1/branches/{branch_id}/dialogue/sessions", summary="Start a talk with the digital employee")
async def start_dialogue(
    branch_id: BranchPath, body: StartDialogue, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    payload: dict[str, Any] = {"kiosk_id": who.kiosk_id or "staff", "lang": body.lang, "speak": body.speak}
    return await gateway.upstreams.relay(
        "voice", "POST", f"/v1/branches/{branch_id}/dialogue/sessions", who.upstream, json_body=payload
    )


@router.post("/v1/branches/{branch_id}/dialogue/sessions/{session_id}/turns", summary="One turn (text)")
async def dialogue_turn(
    branch_id: BranchPath, session_id: IdPath, body: Turn, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    return await gateway.upstreams.relay(
        "voice",
        "POST",
        f"/v1/branches/{branch_id}/dialogue/sessions/{session_id}/turns",
        who.upstream,
        json_body=body.model_dump(),
    )


class SpeechStatus(BaseModel):
    lang: Literal["zh", "en"]
    voice: Literal["up", "down"] = Field(description="the voice service answered its readiness probe")
    speech: Literal["ready", "not_configured", "voice_down"] = Field(
        description="not_configured: the voice service is up but recognises no speech in this language (text works)"
    )


@router.get(
    "/v1/branches/{branch_id}/dialogue/status",
    response_model=SpeechStatus,
    summary="Whether the digital employee hears speech in a language (else text and touch only)",
)
async def dialogue_status(
    branch_id: BranchPath, who: KioskTellerManagerService, gateway: GatewayDep, lang: Literal["zh", "en"] = "zh"
) -> SpeechStatus:
    check_branch_access(who, branch_id, gateway.settings)
    try:
        got = await gateway.upstreams.call("voice", "GET", "/readyz", {})
        body: Any = got.json() if got.status_code in (200, 503) else None
        reachable = body is not None
    except (UpstreamError, ValueError):
        body, reachable = None, False
    state = speech_state(reachable, body, lang)
    return SpeechStatus(lang=lang, voice="down" if state == "voice_down" else "up", speech=state)
