"""The pages: manager dashboard ``/``, configuration ``/config`` and reports ``/reports`` (records), teller
console ``/teller``, kiosk ``/kiosk``, rating pad
``/rate/{b}/{w}`` and calling display ``/display/{b}`` (public), head office ``/head-office``, login.

Pages are static HTML; their data comes from the JSON routes and the SSE streams, which check the role.
The dashboard and head office pages need a logged-in browser (else a redirect to the login page).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from branchops.settings import Role
from branchops.web.roles import (
    HEAD_OFFICE_SERVICE,
    MANAGER_HEAD_OFFICE_SERVICE,
    MANAGER_ONLY,
    TELLER_MANAGER_HEAD_OFFICE_SERVICE,
    TELLER_MANAGER_SERVICE,
)
from services.gateway.access import cookie_principal

router = APIRouter(tags=["pages"], include_in_schema=False)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self'; "
    "style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_ID = r"^[A-Za-z0-9_.-]{1,64}$"


@cache
def _page(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _html(name: str, status: int = 200, *, permissions: str | None = None) -> HTMLResponse:
    headers = dict(HEADERS)
    if permissions:
        headers["Permissions-Policy"] = permissions
    return HTMLResponse(_page(name), status_code=status, headers=headers)


def _guarded(request: Request, name: str, roles: frozenset[Role]) -> Response:
    principal = cookie_principal(request)
    if principal is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if principal.role not in roles:
        return _html("forbidden.html", 403)
    return _html(name)


@router.get("/")
async def dashboard(request: Request) -> Response:
    return _guarded(request, "dashboard.html", TELLER_MANAGER_HEAD_OFFICE_SERVICE)


@router.get("/head-office")
async def head_office(request: Request) -> Response:
    return _guarded(request, "head-office.html", HEAD_OFFICE_SERVICE)


@router.get("/config")
async def config(request: Request) -> Response:
    """The branch's configuration (records): managers edit their own branch, head office reads any."""
    return _guarded(request, "config.html", MANAGER_HEAD_OFFICE_SERVICE)


@router.get("/reports")
async def reports(request: Request) -> Response:
    """Daily, weekly and monthly reports of a branch (records)."""
    return _guarded(request, "reports.html", MANAGER_HEAD_OFFICE_SERVICE)


@router.get("/officer")
async def officer(request: Request) -> Response:
    """The officer's review of merchant onboarding cases (managers of the branch)."""
    return _guarded(request, "officer.html", MANAGER_ONLY)


@router.get("/kiosk")
async def kiosk() -> Response:
    return _html("kiosk.html", permissions="camera=(self), microphone=(self)")


@router.get("/rate/{branch_id}/{window_id}")
async def rate(
    branch_id: Annotated[str, PathParam(pattern=_ID)], window_id: Annotated[str, PathParam(pattern=_ID)]
) -> Response:
    """The window's rating pad (public page; its calls need the pad's device key)."""
    return _html("rate.html")


@router.get("/teller")
async def teller(request: Request) -> Response:
    """The teller console of one window (tellers and managers; the window is chosen on the page)."""
    return _guarded(request, "teller.html", TELLER_MANAGER_SERVICE)


@router.get("/display/{branch_id}")
async def display(branch_id: Annotated[str, PathParam(pattern=_ID)]) -> Response:
    """The branch's calling display (public page; its calls need the display's device key). It speaks."""
    return _html("display.html", permissions="autoplay=(self)")


@router.get("/login")
async def login() -> Response:
    return _html("login.html")
