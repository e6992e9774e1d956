"""``POST /v1/tts``: a WAV of the text, spoken in Mandarin or English."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from branchops.web import Problem
from branchops.web.roles import KioskTellerManagerService
from services.voice.adapters.tts import TtsUnavailable
from services.voice.domain.nlu.normalise import detect_language, normalise
from services.voice.routes.deps import ComponentsDep, check_text

router = APIRouter(prefix="/v1", tags=["tts"])


class TtsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    lang: Literal["zh", "en"] | None = None


@router.post(
    "/tts",
    response_class=Response,
    summary="Speak a text (WAV, PCM16 mono)",
    responses={200: {"content": {"audio/wav": {}}}, 503: {"description": "no TTS engine"}},
)
async def tts(body: TtsRequest, who: KioskTellerManagerService, voice: ComponentsDep) -> Response:
    text = check_text(body.text, voice.settings.max_text_chars, allow_empty=False)
    lang = body.lang or detect_language(normalise(text))
    try:
        wav = await voice.dialogue.speak(text, lang)
    except TtsUnavailable as exc:
        raise Problem(503, "Speech synthesis unavailable", str(exc)) from None
    return Response(wav, media_type="audio/wav", headers={"Content-Language": lang})
