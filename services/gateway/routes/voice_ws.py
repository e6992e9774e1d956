"""``WS /v1/dialogue``: the kiosk's talk with the digital employee, relayed to the voice service.

Browsers cannot put headers on a WebSocket: the kiosk's session cookie (same origin only; the Origin
header must match the host, against cross-site WebSocket hijacking) or a ``token`` query parameter.
The gateway opens the voice service's ``/v1/dialogue`` with the kiosk's JWT and relays both ways.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from branchops.settings import Role
from branchops.web.auth import principal_from_token
from branchops.web.roles import KIOSK_TELLER_MANAGER
from services.gateway.access import COOKIE, Caller, check_branch_access
from services.gateway.routes.deps import get_gateway

router = APIRouter(tags=["kiosk"])
POLICY = 1008


def _same_origin(ws: WebSocket) -> bool:
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host", "")


async def _client_to_voice(ws: WebSocket, upstream: ClientConnection) -> None:
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("bytes") is not None:
            await upstream.send(message["bytes"])
        elif message.get("text") is not None:
            await upstream.send(message["text"])


async def _voice_to_client(ws: WebSocket, upstream: ClientConnection) -> None:
    async for message in upstream:
        if isinstance(message, bytes):
            await ws.send_bytes(message)
        else:
            await ws.send_text(message)


@router.websocket("/v1/dialogue")
async def dialogue(
    ws: WebSocket, branch_id: str = "", lang: str = "zh", speak: bool = False, session_id: str = "", token: str = ""
) -> None:
    gateway = get_gateway(ws)
    jwt = token or ws.cookies.get(COOKIE, "")
    try:
        if not _same_origin(ws):
            raise HTTPException(403, "cross-origin WebSocket refused")
        if not jwt:
            raise HTTPException(401, "credential required")
        principal = principal_from_token(gateway.platform, jwt)
        caller = Caller(
            principal, {}, principal.subject.removeprefix("kiosk:") if principal.role is Role.KIOSK else None
        )
        if principal.role not in KIOSK_TELLER_MANAGER:
            raise HTTPException(403, f"role {principal.role.value} may not do this")
        branch = branch_id or principal.branch_id or ""
        check_branch_access(caller, branch, gateway.settings)
    except HTTPException as exc:
        await ws.accept()
        await ws.close(POLICY, str(exc.detail)[:120])
        return
    base = gateway.upstreams.url("voice", "/v1/dialogue").replace("http", "ws", 1)
    params = {"branch_id": branch, "kiosk_id": caller.kiosk_id or "staff", "lang": lang, "speak": str(speak).lower()}
    if session_id:
        params["session_id"] = session_id[:128]
    query = urlencode(params)
    await ws.accept()
    try:
        # The JWT in a header, not the query: servers and proxies log request lines (uvicorn does for
        # WebSockets even without its access log), and a credential must not land in a log.
        async with connect(
            f"{base}?{query}",
            open_timeout=gateway.settings.upstream_timeout_s,
            max_size=2**22,
            additional_headers={"Authorization": f"Bearer {jwt}"},
        ) as upstream:
            tasks = [
                asyncio.create_task(_client_to_voice(ws, upstream)),
                asyncio.create_task(_voice_to_client(ws, upstream)),
            ]
            _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, WebSocketDisconnect, RuntimeError):
                    await task
            code, reason = (upstream.close_code or 1000), (upstream.close_reason or "")
    except (OSError, TimeoutError, WebSocketException):
        code, reason = 1011, "voice service unavailable"
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await ws.close(code if code != 1006 else 1011, reason[:120])
