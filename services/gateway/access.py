"""Who is calling the gateway, and with which credential the gateway calls the services behind it.

Accepted, in this order: ``Authorization: Bearer <JWT>`` and ``X-API-Key`` (the platform's credentials,
forwarded as they are), ``X-Device-Key`` (a kiosk's key, known only to the gateway: the gateway mints a
short JWT with role kiosk and the kiosk's branch for the services behind it), and the ``bo_session``
cookie that login and device login set (a JWT; browsers cannot put headers on an EventSource). A request
that changes state with only the cookie must carry ``X-BranchOps-Request: 1``, which a cross-site form
cannot send (CSRF).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from branchops.settings import PlatformSettings, Role
from branchops.web import Principal, Problem, issue_token, roles
from branchops.web.auth import principal_from_api_key, principal_from_token
from services.gateway.domain.passwords import device_key_digest
from services.gateway.settings import GatewaySettings

COOKIE = "bo_session"
CSRF_HEADER = "X-BranchOps-Request"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    principal: Principal
    upstream: dict[str, str] = field(default_factory=dict)  # headers for the services behind the gateway
    kiosk_id: str | None = None

    @property
    def role(self) -> Role:
        return self.principal.role


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def device_principal(settings: GatewaySettings, key: str) -> tuple[Principal, str]:
    digest = device_key_digest(key)
    for known, entry in settings.device_keys.items():
        if hmac.compare_digest(known, digest):
            return Principal(f"kiosk:{entry.kiosk_id}", Role.KIOSK, entry.branch), entry.kiosk_id
    raise _unauthorized("unknown device key")


def kiosk_token(platform: PlatformSettings, principal: Principal) -> str:
    return issue_token(platform, principal.subject, Role.KIOSK, principal.branch_id)


def _kiosk_id(principal: Principal) -> str | None:
    if principal.role is Role.KIOSK and principal.subject.startswith("kiosk:"):
        return principal.subject.removeprefix("kiosk:")
    return None


def resolve_caller(request: Request) -> Caller:
    platform: PlatformSettings = request.app.state.platform
    settings: GatewaySettings = request.app.state.settings
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        principal = principal_from_token(platform, authorization[7:].strip())
        return Caller(principal, {"Authorization": authorization}, _kiosk_id(principal))
    api_key = request.headers.get("x-api-key")
    if api_key:
        return Caller(principal_from_api_key(platform, api_key), {"X-API-Key": api_key})
    device_key = request.headers.get("x-device-key")
    if device_key:
        principal, kiosk_id = device_principal(settings, device_key)
        return Caller(principal, {"Authorization": f"Bearer {kiosk_token(platform, principal)}"}, kiosk_id)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
            raise HTTPException(403, f"a cookie-authenticated change needs the {CSRF_HEADER} header")
        principal = principal_from_token(platform, cookie)
        return Caller(principal, {"Authorization": f"Bearer {cookie}"}, _kiosk_id(principal))
    raise _unauthorized("credential required: log in, or send Authorization, X-API-Key or X-Device-Key")


def cookie_principal(request: Request) -> Principal | None:
    """The logged-in browser's principal for pages (None: not logged in or the session expired)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    try:
        return principal_from_token(request.app.state.platform, cookie)
    except HTTPException:
        return None


def allow(*roles: Role) -> Callable[..., Coroutine[Any, Any, Caller]]:
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Caller:
        caller = resolve_caller(request)
        if caller.role not in allowed:
            raise HTTPException(403, f"role {caller.role.value} may not do this")
        return caller

    return dependency


def check_branch_access(caller: Caller, branch_id: str, settings: GatewaySettings) -> None:
    """404 for a branch the gateway does not know, 403 for a credential tied to another branch."""
    if settings.branches and branch_id not in settings.branches:
        raise HTTPException(404, f"unknown branch {branch_id}")
    bound = caller.principal.branch_id
    if bound is not None and bound != branch_id:
        raise HTTPException(403, f"credential is limited to branch {bound}")


def visible_branches(caller: Caller, branches: list[str]) -> list[str]:
    """The branches a caller may see of ``branches``: all for a network-wide credential, its own for one tied
    to a branch (a head-office user can be bound to a branch: ``branch`` in GATEWAY_USERS, or the token's
    claim)."""
    bound = caller.principal.branch_id
    return branches if bound is None else [b for b in branches if b == bound]


def require_network_wide(caller: Caller) -> None:
    """403 for a credential tied to one branch on a view across branches (rankings of the network)."""
    bound = caller.principal.branch_id
    if bound is not None:
        raise Problem(
            403,
            "Forbidden",
            f"this credential is limited to branch {bound}: read that branch's reports instead",
            reason="branch_scoped",
        )


# The gateway's callers by the platform's role sets (branchops/web/roles.py), under the same names.
AnyRole = Annotated[Caller, Depends(allow(*roles.ANY_ROLE))]
KioskTellerManagerService = Annotated[Caller, Depends(allow(*roles.KIOSK_TELLER_MANAGER_SERVICE))]
KioskService = Annotated[Caller, Depends(allow(*roles.KIOSK_SERVICE))]
"""The rating pad at a window: a device (or an integration), never the staff being rated."""
TellerManagerHeadOfficeService = Annotated[Caller, Depends(allow(*roles.TELLER_MANAGER_HEAD_OFFICE_SERVICE))]
TellerManagerService = Annotated[Caller, Depends(allow(*roles.TELLER_MANAGER_SERVICE))]
"""Who serves customers at a window (head office watches, it does not call tickets)."""
ManagerOnly = Annotated[Caller, Depends(allow(*roles.MANAGER_ONLY))]
HeadOfficeService = Annotated[Caller, Depends(allow(*roles.HEAD_OFFICE_SERVICE))]
ManagerHeadOfficeService = Annotated[Caller, Depends(allow(*roles.MANAGER_HEAD_OFFICE_SERVICE))]
"""Who reads a branch's configuration and reports (a manager: its own branch only)."""
