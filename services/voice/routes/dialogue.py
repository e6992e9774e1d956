"""Dialogue with the digital employee: a turn API over HTTP and ``WS /v1/dialogue`` (text or audio in,
reply text and optionally audio out).

Text turns are limited per device (API key or JWT subject) on both: the HTTP turn answers 429, a WebSocket
text turn over the limit is answered ``{"error": ..., "reason": "rate_limited", "retry_after_s": n}`` and not
run (the connection stays open). Both spend the same per-minute budget as ``POST /v1/nlu``.
When the conversation store (Redis) cannot be reached, the HTTP calls answer 503 and the WebSocket closes with
1013 (try again later) and the reason: the kiosk reconnects; nothing was said yet.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, WebSocket
from pydantic import BaseModel, ConfigDict, Field
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from branchops.contracts.base import Identifier
from branchops.web import BranchPath, Problem, check_branch
from branchops.web.roles import KioskTellerManagerService
from services.voice.adapters.tts import TtsUnavailable
from services.voice.domain.asr.protocol import CLOSE_POLICY, CLOSE_TRY_AGAIN_LATER, ProtocolError
from services.voice.domain.errors import SessionNotFound
from services.voice.routes.deps import ComponentsDep, VoiceComponents, check_text, components
from services.voice.routes.nlu import device_limited, limiter
from services.voice.routes.ws_auth import WsAuthError, refuse, websocket_principal
from services.voice.usecases.dialogue import TurnResult
from services.voice.usecases.streaming import StreamOptions

router = APIRouter(tags=["dialogue"])
IDENTITY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")  # as branchops.contracts.base.Identifier


class StartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kiosk_id: Identifier
    lang: Literal["zh", "en"] = "zh"
    speak: bool = Field(False, description="also return the reply as WAV (base64)")
    identity: Identifier | None = Field(
        None, description="the kiosk's KYC session: its approved result opens the customer's own data"
    )


class PinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_pin: str = Field(max_length=16, description="the new PIN from the kiosk's keypad (six digits); never echoed")
    repeat_pin: str = Field(max_length=16, description="the same PIN entered again")
    speak: bool = False


class TurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    speak: bool = False
    identity: Identifier | None = Field(None, description="the kiosk's KYC session, once the customer verified")


async def _with_audio(voice: VoiceComponents, result: TurnResult, speak: bool) -> dict[str, Any]:
    body = result.as_dict()
    if speak and result.reply:
        try:
            wav = await voice.dialogue.speak(result.reply, result.state.lang)
            body["audio_wav_base64"] = base64.b64encode(wav).decode()
        except TtsUnavailable as exc:
            body["audio_error"] = str(exc)
    return body


@router.post("/v1/branches/{branch_id}/dialogue/sessions", status_code=201, summary="Start a conversation")
async def start(
    branch_id: BranchPath, body: StartRequest, who: KioskTellerManagerService, voice: ComponentsDep
) -> dict[str, Any]:
    check_branch(who, branch_id)
    result = await voice.dialogue.start_session(branch_id, body.kiosk_id, body.lang)
    if body.identity is not None:
        await voice.dialogue.set_identity(branch_id, result.state.session_id, body.identity)
    return await _with_audio(voice, result, body.speak)


@router.post("/v1/branches/{branch_id}/dialogue/sessions/{session_id}/turns", summary="One customer turn")
async def turn(
    request: Request,
    branch_id: BranchPath,
    session_id: Annotated[Identifier, Path()],
    body: TurnRequest,
    who: KioskTellerManagerService,
    voice: ComponentsDep,
) -> Any:
    check_branch(who, branch_id)
    text = check_text(body.text, voice.settings.max_text_chars)
    limited = await device_limited(request, who)
    if limited is not None:
        return limited
    try:
        if body.identity is not None:
            await voice.dialogue.set_identity(branch_id, session_id, body.identity)
        result = await voice.dialogue.turn(branch_id, session_id, text)
    except SessionNotFound:
        raise Problem(404, "Session not found", "the conversation ended or expired; start a new one") from None
    return await _with_audio(voice, result, body.speak)


@router.post(
    "/v1/branches/{branch_id}/dialogue/sessions/{session_id}/pin",
    summary="The new PIN of a PIN change, twice, from the kiosk's keypad (never logged or echoed)",
    responses={404: {"description": "no such conversation"}},
)
async def pin(
    branch_id: BranchPath,
    session_id: Annotated[Identifier, Path()],
    body: PinRequest,
    who: KioskTellerManagerService,
    voice: ComponentsDep,
) -> Any:
    check_branch(who, branch_id)
    try:
        result = await voice.dialogue.submit_pin(branch_id, session_id, body.new_pin, body.repeat_pin)
    except SessionNotFound:
        raise Problem(404, "Session not found", "the conversation ended or expired; start a new one") from None
    return await _with_audio(voice, result, body.speak)


@router.websocket("/v1/dialogue")
async def dialogue(
    ws: WebSocket,
    branch_id: str = "",
    kiosk_id: str = "kiosk",
    lang: str = "zh",
    session_id: str = "",
    speak: bool = False,
) -> None:
    """Query: branch_id, kiosk_id, lang, session_id (resume), speak. Messages in: ``{"text": "..."}`` or
    the vosk-server audio protocol; out: ``{"reply": ...}`` per turn, ``{"partial"}``/``{"result"}`` for audio."""
    try:
        principal = websocket_principal(ws)
        check_branch(principal, branch_id)
        if not branch_id:
            raise WsAuthError("branch_id query parameter required")
    except WsAuthError as exc:
        await refuse(ws, exc.reason)
        return
    except Exception as exc:
        await refuse(ws, getattr(exc, "detail", "forbidden"))
        return
    voice = components(ws)
    await ws.accept()
    dialogue = voice.dialogue
    try:
        if session_id:
            state = await dialogue.load(branch_id, session_id)
            sid = state.session_id
        else:
            started = await dialogue.start_session(branch_id, kiosk_id, lang if lang in ("zh", "en") else "zh")
            sid = started.state.session_id
            await ws.send_json({"reply": await _with_audio(voice, started, speak)})
    except SessionNotFound:
        await ws.close(1008, "session not found or expired")
        return
    except (RedisConnectionError, RedisTimeoutError):  # accepted already: no HTTP answer can follow, say why
        await ws.close(CLOSE_TRY_AGAIN_LATER, "conversation store unavailable; try again shortly")
        return
    phrases: list[tuple[str, ...] | None] = [None]
    session_lang: list[str] = [lang]

    def too_long(text: str) -> dict[str, Any] | None:
        if len(text) > voice.settings.max_text_chars:
            return {"error": f"text too long: at most {voice.settings.max_text_chars} characters"}
        return None

    async def run_turn(text: str, asr_ms: float | None) -> None:
        refused = too_long(text)
        if refused is not None:
            await ws.send_json(refused)
            return
        try:
            result = await dialogue.turn(branch_id, sid, text, asr_ms=asr_ms)
        except SessionNotFound:
            raise ProtocolError(CLOSE_POLICY, "session expired; start a new one") from None
        phrases[0] = result.phrases
        session_lang[0] = result.state.lang
        await ws.send_json({"reply": await _with_audio(voice, result, speak)})

    async def on_text(message: dict[str, Any]) -> bool:
        identity = message.get("identity")
        if isinstance(identity, str) and "text" not in message:  # the kiosk's KYC session, once verified
            if not IDENTITY.fullmatch(identity):
                await ws.send_json({"error": "identity: not a session id", "reason": "bad_identity"})
                return True
            try:
                await dialogue.set_identity(branch_id, sid, identity)
            except SessionNotFound:
                raise ProtocolError(CLOSE_POLICY, "session expired; start a new one") from None
            await ws.send_json({"identity": {"accepted": True}})
            return True
        entered = message.get("pin")
        if isinstance(entered, dict) and "text" not in message:  # the PIN keypad: {"pin": {"new", "repeat"}}
            new, repeat = entered.get("new"), entered.get("repeat")
            if not isinstance(new, str) or not isinstance(repeat, str) or len(new) > 16 or len(repeat) > 16:
                await ws.send_json({"error": "pin: new and repeat are strings of digits", "reason": "bad_pin"})
                return True
            try:
                result = await dialogue.submit_pin(branch_id, sid, new, repeat)
            except SessionNotFound:
                raise ProtocolError(CLOSE_POLICY, "session expired; start a new one") from None
            await ws.send_json({"reply": await _with_audio(voice, result, speak)})
            return True
        text = message.get("text")
        if not isinstance(text, str):
            return False
        if too_long(text) is None:  # a refused text spends no budget, as over HTTP
            device_limiter = limiter(ws)
            wait = await device_limiter.hit(principal.subject, dt.datetime.now(dt.UTC))
            if wait is not None:
                await ws.send_json(
                    {
                        "error": f"too many requests: at most {device_limiter.per_minute} text turns or NLU calls per"
                        f" minute per device; try again in {wait} s",
                        "reason": "rate_limited",
                        "retry_after_s": wait,
                    }
                )
                return True
        await run_turn(text, None)
        return True

    async def on_final(result: dict[str, Any], asr_ms: float) -> None:
        await run_turn(str(result.get("text", "")), asr_ms)

    options = StreamOptions(
        lang=session_lang[0], phrases=lambda: phrases[0], on_final=on_final, on_text=on_text, reserve_on_connect=False
    )
    await voice.streamer.serve(ws, options)
