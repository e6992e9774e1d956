"""Login (managers, tellers, head office), device login (kiosks), logout, and who am I."""

from __future__ import annotations

import math
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from branchops.settings import Role
from branchops.web import Problem, issue_token
from services.gateway.access import COOKIE, AnyRole, device_principal, kiosk_token
from services.gateway.adapters.hashing import HasherBusy
from services.gateway.domain.redirects import safe_next
from services.gateway.routes.deps import GatewayDep

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    next: str | None = Field(None, max_length=4096, description="Where the login page came from (a path)")


def _set_cookie(response: Response, token: str, max_age: int, secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=max_age, httponly=True, secure=secure, samesite="strict", path="/")


@router.post("/login", summary="Log in with name and password; sets the session cookie, returns the JWT")
async def login(body: Login, request: Request, response: Response, gateway: GatewayDep) -> dict[str, Any]:
    now = time.monotonic()
    wait = gateway.throttle.retry_after(body.username, now)
    if wait is not None:
        raise Problem(
            429,
            "Too many failed logins",
            f"try again in {int(wait)} s",
            retry_after_s=int(wait),
            headers={"Retry-After": str(int(wait))},
        )
    # Password checks cost ~150 ms of CPU each: a budget per client address and for all clients, then a
    # bounded thread pool, so a flood of logins (fresh names each) is refused fast and the loop stays free.
    wait = gateway.login_budget.admit(request.client.host if request.client else "?", now)
    if wait is not None:
        raise Problem(
            429,
            "Too many logins",
            f"try again in {math.ceil(wait)} s",
            retry_after_s=math.ceil(wait),
            headers={"Retry-After": str(math.ceil(wait))},
        )
    user = gateway.settings.users.get(body.username)
    try:
        ok = await gateway.passwords.verify(body.password, user.password if user else None)
    except HasherBusy:
        raise Problem(
            429,
            "Too many logins",
            "the gateway is busy checking passwords; try again",
            retry_after_s=1,
            headers={"Retry-After": "1"},
        ) from None
    if not ok or user is None:
        gateway.throttle.failed(body.username, now)
        raise Problem(401, "Unauthorized", "wrong name or password")
    gateway.throttle.succeeded(body.username)
    token = issue_token(gateway.platform, body.username, user.role, user.branch)
    _set_cookie(response, token, gateway.platform.jwt_ttl_s, gateway.settings.cookie_secure)
    return {
        "access_token": token,
        "token_type": "bearer",
        "role": user.role.value,
        "branch_id": user.branch,
        "expires_in": gateway.platform.jwt_ttl_s,
        # where the login page goes next: the page it came from when that is a path of this site
        "next": safe_next(body.next) or ("/head-office" if user.role is Role.HEAD_OFFICE else "/"),
    }


@router.post("/device", summary="A kiosk trades its X-Device-Key for a session cookie bound to its branch")
async def device_login(request: Request, response: Response, gateway: GatewayDep) -> dict[str, Any]:
    key = request.headers.get("x-device-key", "")
    if not key:
        raise Problem(401, "Unauthorized", "X-Device-Key header required")
    principal, kiosk_id = device_principal(gateway.settings, key)
    _set_cookie(
        response, kiosk_token(gateway.platform, principal), gateway.platform.jwt_ttl_s, gateway.settings.cookie_secure
    )
    return {"role": Role.KIOSK.value, "branch_id": principal.branch_id, "kiosk_id": kiosk_id}


@router.post("/logout", status_code=204, summary="Forget the session cookie")
async def logout() -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", summary="The caller's role and branch")
async def me(who: AnyRole) -> dict[str, Any]:
    return {
        "subject": who.principal.subject,
        "role": who.role.value,
        "branch_id": who.principal.branch_id,
        "kiosk_id": who.kiosk_id,
    }
