"""``POST /v1/nlu``: language, intent, confidence and slots of one text (DESIGN.md section 4)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.voice.routes.deps import Caller, ComponentsDep, check_text

router = APIRouter(prefix="/v1", tags=["nlu"])


class NluRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="What the customer said or typed")


class NluResponse(BaseModel):
    text: str
    lang: str
    intent: str
    confidence: float
    slots: dict[str, str | int | float]


@router.post("/nlu", response_model=NluResponse, summary="Understand one utterance")
async def nlu(body: NluRequest, who: Caller, voice: ComponentsDep) -> NluResponse:
    text = check_text(body.text, voice.settings.max_text_chars)
    return NluResponse.model_validate(voice.handlers.understand(text).as_dict())
