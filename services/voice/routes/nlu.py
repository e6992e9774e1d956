"""``POST /v1/nlu``: language, intent, confidence and slots of one text (DESIGN.md section 4).

Each device (the caller's API key or JWT subject; a kiosk behind the gateway has its own JWT subject) may
call it ``VOICE_NLU_RATE_LIMIT_PER_MINUTE`` times per minute (fixed window in Redis); past that the answer
is 429 problem+json with ``Retry-After``. :func:`device_limited` is the same check for other routes (the HTTP
dialogue turns); :func:`limiter` gives the same limiter, hence the same budget, to ``WS /v1/dialogue`` text turns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from branchops.state.keys import global_key
from branchops.web import Principal
from branchops.web.problems import problem_response
from branchops.web.roles import KioskTellerManagerService
from services.voice.routes.deps import ComponentsDep, check_text, components

router = APIRouter(prefix="/v1", tags=["nlu"])


@dataclass(frozen=True)
class DeviceRateLimiter:
    """Fixed one-minute window per device: ``bo:voice:rate:<sha256(device)>:<minute>`` (expires after 2 min)."""

    redis: aioredis.Redis
    per_minute: int

    async def hit(self, device: str, now: dt.datetime) -> int | None:
        """Count one call of ``device``; the seconds until the window ends when over the limit, else None."""
        token = hashlib.sha256(device.encode()).hexdigest()[:24]
        key = global_key("voice", "rate", token, now.strftime("%Y%m%d%H%M"))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        return max(1, 60 - now.second) if int(count) > self.per_minute else None


def limiter(connection: HTTPConnection) -> DeviceRateLimiter:
    """The app's limiter, made on first use over the service's Redis (tests may set ``app.state.nlu_limiter``);
    ``connection`` is an HTTP request or a WebSocket of the app."""
    state = connection.app.state
    found: DeviceRateLimiter | None = getattr(state, "nlu_limiter", None)
    if found is None:
        redis = components(connection).dialogue.sessions.redis
        found = DeviceRateLimiter(redis, components(connection).settings.nlu_rate_limit_per_minute)
        state.nlu_limiter = found
    return found


async def device_limited(request: Request, who: Principal) -> JSONResponse | None:
    """429 problem+json with ``Retry-After`` when ``who`` is over its limit, else None."""
    limits = limiter(request)
    wait = await limits.hit(who.subject, dt.datetime.now(dt.UTC))
    if wait is None:
        return None
    return problem_response(
        request,
        429,
        "Too many requests",
        f"at most {limits.per_minute} requests per minute per device",
        headers={"Retry-After": str(wait)},
        reason="rate_limited",
        retry_after_s=wait,
    )


class NluRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="What the customer said or typed")


class NluResponse(BaseModel):
    text: str
    lang: str
    intent: str
    confidence: float
    slots: dict[str, str | int | float]


TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests from this device (problem+json, Retry-After header)"}
}


@router.post("/nlu", response_model=NluResponse, summary="Understand one utterance", responses=TOO_MANY)
async def nlu(
    body: NluRequest, request: Request, who: KioskTellerManagerService, voice: ComponentsDep
) -> NluResponse | JSONResponse:
    text = check_text(body.text, voice.settings.max_text_chars)
    refused = await device_limited(request, who)
    if refused is not None:
        return refused
    return NluResponse.model_validate(voice.dialogue.understand(text).as_dict())
