"""Credentials: device/service API keys (``X-API-Key``) and JWTs (``Authorization: Bearer``) with roles."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from branchops.settings import PlatformSettings, Role

JWT_ALGORITHM = "HS256"
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    branch_id: str | None = None  # None: not tied to one branch (head office, services)


def issue_token(
    settings: PlatformSettings,
    subject: str,
    role: Role,
    branch_id: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> str:
    issued = now or dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role.value,
        "iat": issued,
        "exp": issued + dt.timedelta(seconds=settings.jwt_ttl_s),
    }
    if branch_id:
        claims["branch"] = branch_id
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=JWT_ALGORITHM)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def principal_from_token(settings: PlatformSettings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "role", "exp"]},
        )
        return Principal(str(claims["sub"]), Role(claims["role"]), claims.get("branch"))
    except jwt.ExpiredSignatureError:
        raise _unauthorized("token expired") from None
    except (jwt.InvalidTokenError, ValueError):
        raise _unauthorized("invalid token") from None


def principal_from_api_key(settings: PlatformSettings, key: str) -> Principal:
    for known, role in settings.api_keys.items():
        if hmac.compare_digest(known.encode(), key.encode()):
            return Principal(f"key:{hashlib.sha256(known.encode()).hexdigest()[:12]}", role)
    raise _unauthorized("unknown API key")


async def get_principal(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    settings: PlatformSettings = request.app.state.platform
    if bearer is not None:
        return principal_from_token(settings, bearer.credentials)
    if api_key:
        return principal_from_api_key(settings, api_key)
    raise _unauthorized("credential required: Authorization: Bearer <JWT> or X-API-Key")


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency that lets only ``roles`` through (401 without a credential, 403 with the wrong role)."""
    allowed = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(403, f"role {principal.role.value} may not do this")
        return principal

    return dependency


def check_branch(principal: Principal, branch_id: str) -> None:
    """A principal tied to one branch may only touch that branch."""
    if principal.branch_id is not None and principal.branch_id != branch_id:
        raise HTTPException(403, f"credential is limited to branch {principal.branch_id}")
