"""Credentials on a WebSocket: ``X-API-Key`` or ``Authorization: Bearer`` headers, or (browsers cannot
set headers on a WebSocket) the query parameters ``token`` (a JWT) or ``api_key``."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.websockets import WebSocket

from branchops.settings import PlatformSettings, Role
from branchops.web import Principal
from branchops.web.auth import principal_from_api_key, principal_from_token
from branchops.web.roles import KIOSK_TELLER_MANAGER_SERVICE

CLOSE_POLICY = 1008
WS_ROLES = KIOSK_TELLER_MANAGER_SERVICE


class WsAuthError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def websocket_principal(ws: WebSocket, roles: frozenset[Role] = WS_ROLES) -> Principal:
    settings: PlatformSettings = ws.app.state.platform
    authorization = ws.headers.get("authorization", "")
    token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    token = token or ws.query_params.get("token", "")
    key = ws.headers.get("x-api-key", "") or ws.query_params.get("api_key", "")
    try:
        if token:
            principal = principal_from_token(settings, token)
        elif key:
            principal = principal_from_api_key(settings, key)
        else:
            raise WsAuthError("credential required: X-API-Key header or token query parameter")
    except HTTPException as exc:
        raise WsAuthError(str(exc.detail)) from None
    if principal.role not in roles:
        raise WsAuthError(f"role {principal.role.value} may not do this")
    return principal


async def refuse(ws: WebSocket, reason: str) -> None:
    """Accept only to say why, then close with 1008 (a refused handshake carries no reason)."""
    await ws.accept()
    await ws.close(CLOSE_POLICY, reason[:120])
