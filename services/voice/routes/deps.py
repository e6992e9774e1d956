"""What the routes reach through ``app.state.voice`` (filled by bootstrap.py, the composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from branchops.web import Problem
from services.voice.adapters.asr_vosk import AsrModels
from services.voice.settings import VoiceSettings
from services.voice.usecases.dialogue import Dialogue
from services.voice.usecases.streaming import AsrStreamer


@dataclass
class VoiceComponents:
    settings: VoiceSettings
    dialogue: Dialogue
    models: AsrModels
    streamer: AsrStreamer


def components(connection: HTTPConnection) -> VoiceComponents:
    voice: VoiceComponents = connection.app.state.voice
    return voice


async def get_components(request: Request) -> VoiceComponents:
    return components(request)


ComponentsDep = Annotated[VoiceComponents, Depends(get_components)]


def check_text(text: str, limit: int, *, allow_empty: bool = True) -> str:
    if len(text) > limit:
        raise Problem(422, "Text too long", f"{len(text)} characters; at most {limit}", type_="about:blank")
    if not allow_empty and not text.strip():
        raise Problem(422, "Text is empty", "give at least one word to speak")
    return text
