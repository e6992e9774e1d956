"""The customer's phone: the ticket page ``/t/{token}`` and its data, an appointment by its code, booking an
appointment from the phone (``/book/{branch_id}``: a service, a day, a free slot), the QR codes the kiosk slip
and the booking confirmation show, and the kiosk's check-in by appointment code (issue 18 items 3 and 4).

The public relays need no login: the ticket's token or the appointment's code is the credential (booking
needs none: it only takes a free place, which the queue never overbooks). The
gateway calls the queue with its own service credential (a short JWT it mints, as for today's figures),
rate-limits every client address with a token bucket (a miss costs double, so guessing drains it fast) and
answers every unknown, forged, malformed or expired token or code with the same 404, body included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import time
import zoneinfo
from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.clock import platform_clock
from branchops.contracts.enums import ServiceName
from branchops.settings import Role
from branchops.web import BranchPath, Problem, issue_token
from services.gateway.access import KioskTellerManagerService, check_branch_access
from services.gateway.adapters.line_views import Line, LineViews, PageCache
from services.gateway.routes.deps import Gateway, GatewayDep
from services.gateway.routes.pages import _html

router = APIRouter(tags=["phone ticket page"])
TOKEN = re.compile(r"^[A-Za-z0-9_.~-]{8,400}$")
CODE = re.compile(r"^[A-Za-z0-9-]{4,40}$")
# Word for word the framework's own 404 (a token with a "/" in it never reaches a route): every bad token or
# code, whatever is wrong with it, gets the same answer.
NOT_FOUND_TICKET = NOT_FOUND_APPOINTMENT = "Not Found"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
PHONE_PATH = re.compile(r"^/t/[A-Za-z0-9_.~-]{8,400}$")
BOOK_PATH = re.compile(r"^/book/[A-Za-z0-9_.-]{1,64}$")
APPOINTMENT_CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$")  # drawn as is: a kiosk's scanner types it
BOOK_DAYS_AHEAD = 13  # a customer books today up to this many days ahead (a plan must exist for the day)
BRANCH_TZ = "Asia/Shanghai"  # the queue's default branch time zone: "today" of the booking window


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40)


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


_minted: dict[str, tuple[float, dict[str, str]]] = {}


def _service_headers(gateway: Gateway) -> dict[str, str]:
    """The gateway's own service JWT, minted again when half its lifetime is gone (one per lookup would cost
    a signature per phone poll)."""
    now = time.monotonic()
    key = gateway.platform.jwt_secret.get_secret_value()  # a token is good for every gateway with that key
    kept = _minted.get(key)
    if kept is None or kept[0] <= now:
        token = issue_token(gateway.platform, "gateway-public", Role.SERVICE, None)
        kept = (now + gateway.platform.jwt_ttl_s / 2, {"Authorization": f"Bearer {token}"})
        _minted[key] = kept
    return kept[1]


def _admit(request: Request, gateway: Gateway) -> None:
    wait = gateway.public_budget.admit(_address(request), time.monotonic())
    if wait is not None:
        raise Problem(
            429,
            "Too many requests",
            "too many lookups from this address; try again later",
            headers={"Retry-After": str(int(wait + 0.999))},
        )


def _missed(request: Request, gateway: Gateway, detail: str) -> Problem:
    gateway.public_budget.charge(_address(request), time.monotonic(), gateway.settings.public_miss_cost - 1.0)
    return Problem(404, "Not Found", detail)


async def _relay_public(
    request: Request,
    gateway: Gateway,
    method: str,
    path: str,
    key: str,
    pattern: re.Pattern[str],
    missing: str,
    json_body: Any = None,
) -> Response:
    _admit(request, gateway)
    if not pattern.match(key):
        raise _missed(request, gateway, missing)
    got = await gateway.upstreams.call("queue", method, path, _service_headers(gateway), json_body=json_body)
    if got.status_code in (404, 422):  # unknown, forged, expired or malformed: one answer for all
        raise _missed(request, gateway, missing)
    if got.status_code >= 500:
        raise Problem(502, "Upstream unavailable", "the queue service could not answer")
    media = got.headers.get("content-type", "application/json")
    return Response(got.content, got.status_code, media_type=media, headers=NO_STORE)


TokenPath = Annotated[str, Path(description="the ticket's token (from its QR code)")]
CodePath = Annotated[str, Path(description="the appointment's confirmation code")]


ACTIVE = ("issued", "called", "serving")
MAX_WAIT_S = 25.0


def version(body: bytes) -> str:
    """The answer's version (its ETag): a long poll with ``after`` equal to it waits for a change."""
    return hashlib.sha256(body).hexdigest()[:20]


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def _ticket_now(request: Request, gateway: Gateway, token: str) -> dict[str, Any]:
    """The queue's public view of the ticket; the one 404 for anything it does not know."""
    async with gateway.public_lookups:
        got = await gateway.upstreams.call("queue", "GET", f"/v1/public/tickets/{token}", _service_headers(gateway))
    if got.status_code in (404, 422):
        raise _missed(request, gateway, NOT_FOUND_TICKET)
    if got.status_code != 200:
        raise Problem(502, "Upstream unavailable", "the queue service could not answer")
    body: dict[str, Any] = got.json()
    return body


async def fetch_line(gateway: Gateway, branch_id: str) -> Line | None:
    """Every waiting ticket of the branch with its place and wait (the queue's branch view), by number."""
    async with gateway.public_lookups:
        got = await gateway.upstreams.call("queue", "GET", f"/v1/branches/{branch_id}/queue", _service_headers(gateway))
    if got.status_code != 200:
        return None
    return {(t["number"], t["issued_at"]): t for t in got.json().get("waiting", [])}


def _page_cache(gateway: Gateway) -> PageCache:
    if gateway.phone_pages is None:
        gateway.phone_pages = PageCache()
    return gateway.phone_pages


def _line_views(gateway: Gateway) -> LineViews:
    if gateway.line_views is None:
        gateway.line_views = LineViews(lambda branch_id: fetch_line(gateway, branch_id))
    return gateway.line_views


def moved(body: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The page's view after its line moved, from the branch view's entry for its ticket; "near" by the
    queue's rule (its people and minutes come with every answer; minutes against the wait range's upper end)."""
    position, wait = entry.get("position"), entry.get("wait")
    near = position is not None and (
        position - 1 <= body["near_people"] or (wait is not None and wait["high_min"] <= body["near_minutes"])
    )
    return {
        **body,
        "status": entry["status"],
        "position": position,
        "wait": wait,
        "window_id": entry.get("window_id"),
        "near": near,
    }


@router.get(
    "/v1/public/tickets/{token}",
    summary="A ticket seen from its QR code (no login; rate-limited); with after and wait: a long poll",
)
async def phone_ticket(
    token: TokenPath,
    request: Request,
    gateway: GatewayDep,
    after: Annotated[str | None, Query(max_length=64, description="the ETag the page has: answer on a change")] = None,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="seconds to wait for a change")] = 0.0,
) -> Response:
    """Without ``after`` the ticket as it is now. With ``after`` (the ETag of the page's last answer) and
    ``wait``, the answer comes when the ticket changes (its line moved, it was called) or when ``wait`` is
    over: a change reaches the phone within moments of the event, and a page costs one request per change.
    When its line moved, the page's new place comes from the branch's line fetched once for every page."""
    _admit(request, gateway)
    if not TOKEN.match(token):
        raise _missed(request, gateway, NOT_FOUND_TICKET)
    watch = gateway.handlers.ticket_watch
    deadline = time.monotonic() + wait
    cache = _page_cache(gateway)
    kept = cache.get(token, time.monotonic()) if after else None
    if kept is not None and version(canonical(kept[1])) == after:
        seq, body = kept  # the page is up to date as of seq: wait from there without asking the queue
    else:
        seq = watch.seq
        body = await _ticket_now(request, gateway, token)
        cache.put(token, time.monotonic(), seq, body)
    while after == version(canonical(body)) and body.get("status") in ACTIVE:
        left = deadline - time.monotonic()
        keys = (body["service"], f"#{body['number']}")  # its line moved, or it changed itself
        if left <= 0 or not await watch.wait(body["branch_id"], keys, seq, left):
            break
        woke, seq = seq, watch.seq
        line = None
        if body["status"] == "issued" and watch.since(body["branch_id"], body["service"], woke):
            line = await _line_views(gateway).line(body["branch_id"], seq, watch.seq)
        entry = line.get((body["number"], body["issued_at"])) if line is not None else None
        if entry is not None and entry.get("status") == "issued":
            body = moved(body, entry)
        else:  # called, done, gone from the line, or the branch view unavailable: ask for the ticket itself
            body = await _ticket_now(request, gateway, token)
        cache.put(token, time.monotonic(), seq, body)
    content = canonical(body)
    headers = {**NO_STORE, "ETag": version(content)}
    return Response(content, 200, media_type="application/json", headers=headers)


@router.post("/v1/public/tickets/{token}/cancel", summary="The customer gives up the ticket (no login)")
async def cancel_phone_ticket(token: TokenPath, request: Request, gateway: GatewayDep) -> Response:
    _page_cache(gateway).forget(token)
    return await _relay_public(
        request, gateway, "POST", f"/v1/public/tickets/{token}/cancel", token, TOKEN, NOT_FOUND_TICKET
    )


class LeaveContact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 -]{5,22}[0-9]$", description="a phone number for the notices")]
    lang: Annotated[str, Field(pattern=r"^(zh|en)$")] = "zh"


@router.put(
    "/v1/public/tickets/{token}/contact",
    status_code=204,
    summary="Leave a number for 'your turn is near' and the calling window (no login; kept until the day ends)",
)
async def leave_contact(token: TokenPath, body: LeaveContact, request: Request, gateway: GatewayDep) -> Response:
    return await _relay_public(
        request,
        gateway,
        "PUT",
        f"/v1/public/tickets/{token}/contact",
        token,
        TOKEN,
        NOT_FOUND_TICKET,
        json_body=body.model_dump(),
    )


@router.delete("/v1/public/tickets/{token}/contact", status_code=204, summary="Take the number back (no login)")
async def forget_contact(token: TokenPath, request: Request, gateway: GatewayDep) -> Response:
    return await _relay_public(
        request, gateway, "DELETE", f"/v1/public/tickets/{token}/contact", token, TOKEN, NOT_FOUND_TICKET
    )


@router.get("/v1/public/appointments/{code}", summary="An appointment by its code (no login; rate-limited)")
async def public_appointment(code: CodePath, request: Request, gateway: GatewayDep) -> Response:
    return await _relay_public(
        request, gateway, "GET", f"/v1/public/appointments/{code.upper()}", code, CODE, NOT_FOUND_APPOINTMENT
    )


@router.post("/v1/public/appointments/{code}/cancel", summary="The customer cancels the appointment (no login)")
async def cancel_public_appointment(code: CodePath, request: Request, gateway: GatewayDep) -> Response:
    return await _relay_public(
        request,
        gateway,
        "POST",
        f"/v1/public/appointments/{code.upper()}/cancel",
        code,
        CODE,
        NOT_FOUND_APPOINTMENT,
    )


def booking_window(today: dt.date, day: dt.date, ahead: int = BOOK_DAYS_AHEAD) -> str | None:
    """Why ``day`` cannot be booked from the phone (None: it can): before today or too far ahead."""
    if day < today:
        return "in_the_past"
    if day > today + dt.timedelta(days=ahead):
        return "too_far_ahead"
    return None


def branch_today() -> dt.date:
    """Today at the branches, on the platform clock (simulated in development)."""
    return platform_clock().now().astimezone(zoneinfo.ZoneInfo(BRANCH_TZ)).date()


def _check_day(day: dt.date) -> None:
    today = branch_today()
    why = booking_window(today, day)
    if why is not None:
        raise Problem(
            422,
            "Invalid request",
            f"appointments are booked from today up to {BOOK_DAYS_AHEAD} days ahead",
            reason=why,
        )


async def _relay_booking(request: Request, gateway: Gateway, method: str, path: str, **kwargs: Any) -> Response:
    """A booking call: the queue's answer as it is (its 409/422 reasons say what to do), a 5xx as a 502."""
    got = await gateway.upstreams.call("queue", method, path, _service_headers(gateway), **kwargs)
    if got.status_code >= 500:
        raise Problem(502, "Upstream unavailable", "the queue service could not answer")
    if got.status_code in (401, 403):  # the gateway's own credential: not the customer's problem
        raise Problem(502, "Upstream unavailable", "the queue service refused the gateway")
    media = got.headers.get("content-type", "application/json")
    return Response(got.content, got.status_code, media_type=media, headers=NO_STORE)


BOOKING_PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"description": "reason: slot_full (pick another slot) or no_plan (the day is not open for booking yet)"},
    422: {"description": "reason: outside_hours, not_a_slot, in_the_past, too_far_ahead; or a malformed body"},
    429: {"description": "too many requests from this address (Retry-After)"},
}


@router.get(
    "/v1/public/branches/{branch_id}/appointments/slots",
    summary="A service's appointment slots of a day with free places, for booking from the phone (no login)",
    responses=BOOKING_PROBLEMS,
)
async def public_slots(
    branch_id: BranchPath,
    request: Request,
    gateway: GatewayDep,
    service: Annotated[ServiceName, Query()],
    date: Annotated[dt.date, Query()],
) -> Response:
    _admit(request, gateway)
    _check_day(date)
    params = {"service": service.value, "date": date.isoformat()}
    return await _relay_booking(request, gateway, "GET", f"/v1/branches/{branch_id}/appointments/slots", params=params)


class PublicBooking(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: ServiceName
    date: dt.date
    start: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="the slot's start, HH:MM")]
    phone: Annotated[
        str | None,
        Field(pattern=r"^\+?[0-9][0-9 -]{5,22}[0-9]$", description="optional: reminders; never shown, masked in logs"),
    ] = None
    lang: Literal["zh", "en"] = "zh"


@router.post(
    "/v1/public/branches/{branch_id}/appointments",
    status_code=201,
    summary="Book a free place in a slot from the phone (no login; rate-limited): the confirmation code",
    responses=BOOKING_PROBLEMS,
)
async def public_book(branch_id: BranchPath, body: PublicBooking, request: Request, gateway: GatewayDep) -> Response:
    _admit(request, gateway)
    _check_day(body.date)
    payload: dict[str, Any] = {
        "service": body.service.value,
        "date": body.date.isoformat(),
        "start": body.start,
        "booked_via": "phone",
    }
    if body.phone:
        payload["contact"] = body.phone
    return await _relay_booking(request, gateway, "POST", f"/v1/branches/{branch_id}/appointments", json_body=payload)


@router.post(
    "/v1/branches/{branch_id}/appointments/check-in",
    status_code=201,
    summary="Check in by appointment code at the kiosk or counter: the appointment's ticket (with its token)",
)
async def check_in(
    branch_id: BranchPath, body: CheckIn, who: KioskTellerManagerService, gateway: GatewayDep
) -> Response:
    check_branch_access(who, branch_id, gateway.settings)
    code = body.code.strip().upper()
    if not CODE.match(code):
        raise Problem(404, "Not Found", NOT_FOUND_APPOINTMENT)
    answer = await gateway.upstreams.call(
        "queue", "POST", f"/v1/branches/{branch_id}/appointments/check-in", who.upstream, json_body={"code": code}
    )
    if answer.status_code == 201 and who.kiosk_id:
        await gateway.kiosk_tickets.add(branch_id, who.kiosk_id, str(answer.json()["ticket"]["ticket_id"]))
    return Response(answer.content, answer.status_code, media_type=answer.headers.get("content-type"))


@router.get(
    "/v1/qr",
    summary="The QR code of a phone page of this site or of an appointment code, as SVG (any other data: 422)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, 422: {"description": "not a /t/ or /book/ path, nor a code"}},
)
async def qr(request: Request, gateway: GatewayDep, data: Annotated[str, Query(max_length=500)]) -> Response:
    """A phone ticket page (``/t/...``) or the booking page (``/book/{branch}``) as this site's URL; an
    appointment code as the code itself (the kiosk's scanner types it into the check-in keys)."""
    if APPOINTMENT_CODE.match(data):
        svg = qr_svg(data)
    elif PHONE_PATH.match(data) or BOOK_PATH.match(data):
        svg = qr_svg(phone_url(request, gateway, data))
    else:
        raise Problem(422, "Invalid request", "only this site's phone pages (/t/..., /book/...) and codes are drawn")
    headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(svg, media_type="image/svg+xml", headers=headers)


def qr_svg(url: str) -> bytes:
    """The QR code of ``url`` as a standalone SVG document (black on a white quiet zone)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="svg", scale=6, border=2, dark="#000", light="#fff", xmldecl=False)
    return out.getvalue()


def phone_url(request: Request, gateway: Gateway, path: str) -> str:
    base = gateway.settings.public_url or str(request.base_url).rstrip("/")
    return base + path


@router.get("/t/{token}", include_in_schema=False)
async def phone_page(token: str) -> Response:
    """The customer's ticket page (public; its data comes from the rate-limited relay above)."""
    return _html("phone.html")


@router.get("/book/{branch_id}", include_in_schema=False)
async def booking_page(branch_id: BranchPath) -> Response:
    """The customer's booking page (public; slots and booking through the rate-limited relays above)."""
    return _html("book.html")
