"""``WS /v1/asr``: streaming recognition in the vosk-server protocol (see domain/asr/protocol.py)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from services.voice.routes.deps import components
from services.voice.routes.ws_auth import WsAuthError, refuse, websocket_principal
from services.voice.usecases.streaming import StreamOptions

router = APIRouter(prefix="/v1", tags=["asr"])


@router.websocket("/asr")
async def asr(ws: WebSocket, lang: str | None = None) -> None:
    try:
        websocket_principal(ws)
    except WsAuthError as exc:
        await refuse(ws, exc.reason)
        return
    voice = components(ws)
    chosen = lang if lang in ("zh", "en") else voice.settings.asr_default_lang
    await ws.accept()
    await voice.streamer.serve(ws, StreamOptions(lang=chosen))
