"""Per-device rate limits: NLU (voice) per API key / JWT subject, and the KYC per-kiosk limit's 429."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from branchops.settings import PlatformSettings, Role
from branchops.web import issue_token
from services.voice.routes.nlu import DeviceRateLimiter
from services.voice.settings import VoiceSettings
from tests.conftest import api_key, make_platform
from tests.security.apps import UNREACHABLE_BROKER, build

LIMIT = 3


async def _same_minute() -> None:
    """Start well inside a minute so a fixed window does not reset mid-test."""
    second = dt.datetime.now(dt.UTC).second
    if second > 50:
        await asyncio.sleep(61 - second)


@pytest.fixture
def settings() -> PlatformSettings:
    return make_platform(UNREACHABLE_BROKER)


@pytest.fixture
async def voice(redis_url: str, settings: PlatformSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = build("voice", redis_url, settings)
    app.state.nlu_limiter = DeviceRateLimiter(app.state.voice.dialogue.sessions.redis, LIMIT)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://voice") as http:
        yield app, http
    await app.state.voice.dialogue.sessions.redis.aclose()


def _bearer(settings: PlatformSettings, device: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, device, Role.KIOSK, 'b-rl')}"}


async def test_nlu_is_limited_per_device_with_retry_after(
    voice: tuple[FastAPI, httpx.AsyncClient], settings: PlatformSettings
) -> None:
    _, http = voice
    await _same_minute()
    first, second = (_bearer(settings, f"kiosk:{uuid.uuid4().hex[:8]}") for _ in range(2))
    statuses = [
        (await http.post("/v1/nlu", json={"text": "我要存钱"}, headers=first)).status_code for _ in range(LIMIT)
    ]
    refused = await http.post("/v1/nlu", json={"text": "我要存钱"}, headers=first)
    other = await http.post("/v1/nlu", json={"text": "我要存钱"}, headers=second)
    assert statuses == [200] * LIMIT
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    problem = refused.json()
    assert problem["status"] == 429 and problem["reason"] == "rate_limited" and problem["title"]
    assert problem["retry_after_s"] == int(refused.headers["retry-after"])
    assert other.status_code == 200, "another device has its own budget"


async def test_api_key_devices_count_separately(voice: tuple[FastAPI, httpx.AsyncClient], redis_url: str) -> None:
    app, http = voice
    await _same_minute()
    app.state.nlu_limiter = DeviceRateLimiter(app.state.voice.dialogue.sessions.redis, 10_000)
    kiosk = {"X-API-Key": api_key(Role.KIOSK)}
    assert (await http.post("/v1/nlu", json={"text": "hello"}, headers=kiosk)).status_code == 200
    limiter: DeviceRateLimiter = app.state.nlu_limiter
    now = dt.datetime.now(dt.UTC)
    assert await limiter.hit("key:someone-else", now) is None


async def test_invalid_requests_do_not_spend_the_budget(
    voice: tuple[FastAPI, httpx.AsyncClient], settings: PlatformSettings
) -> None:
    _, http = voice
    await _same_minute()
    device = _bearer(settings, f"kiosk:{uuid.uuid4().hex[:8]}")
    for _ in range(LIMIT + 2):
        assert (await http.post("/v1/nlu", json={"txt": "x"}, headers=device)).status_code == 422
    assert (await http.post("/v1/nlu", json={"text": "hi"}, headers=device)).status_code == 200


def test_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICE_NLU_RATE_LIMIT_PER_MINUTE", raising=False)
    assert VoiceSettings().nlu_rate_limit_per_minute == 60
    monkeypatch.setenv("VOICE_NLU_RATE_LIMIT_PER_MINUTE", "7")
    assert VoiceSettings().nlu_rate_limit_per_minute == 7


async def test_kyc_rate_limit_answers_with_retry_after_header(redis_url: str, settings: PlatformSettings) -> None:
    app = build("kyc", redis_url, settings, rate_limit_per_minute=1)
    kiosk = f"kiosk-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kyc") as http:
        await _same_minute()
        body = {"branch_id": "b-rl", "kiosk_id": kiosk}
        # the budget is the authenticated kiosk's (issue 24): a credential of its own, not the shared test key
        token = issue_token(settings, f"kiosk:{kiosk}", Role.KIOSK, "b-rl")
        statuses = [
            (await http.post("/v1/kyc/sessions", json=body, headers={"Authorization": f"Bearer {token}"}))
            for _ in range(2)
        ]
    assert [r.status_code for r in statuses] == [201, 429]
    assert statuses[1].headers["content-type"] == "application/problem+json"
    assert "retry-after" in statuses[1].headers
