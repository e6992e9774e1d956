"""Settings refuse nonsense; credentials and roles gate every endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import ValidationError

from branchops.settings import DEV_JWT_SECRET, PlatformSettings, Role
from branchops.web import Principal, Problem, create_service_app, issue_token, require_roles
from services.queue.settings import QueueSettings

SECRET = "unit-test-secret-0123456789-abcdefghijklmnop"
KEY = "manager-key-0123456789abcdefgh"


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="development default"):
        PlatformSettings(env="production")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="at least 32"):
        PlatformSettings(env="production", jwt_secret="short")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="API keys must be at least 24"):
        PlatformSettings(env="production", jwt_secret=SECRET, api_keys={"abc": "kiosk"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="dev broker"):
        PlatformSettings(env="production", jwt_secret=SECRET, kafka_create_topics=True)  # type: ignore[arg-type]
    ok = PlatformSettings(env="production", jwt_secret=SECRET, api_keys={KEY: "manager"})  # type: ignore[arg-type]
    assert ok.api_keys == {KEY: Role.MANAGER}
    assert PlatformSettings().jwt_secret.get_secret_value() == DEV_JWT_SECRET  # development may use it


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"BRANCHOPS_KAFKA_LINGER_MS": "-1"}, "kafka_linger_ms"),
        ({"BRANCHOPS_KAFKA_COMPRESSION": "rar"}, "kafka_compression"),
        ({"BRANCHOPS_API_KEYS": '{"k": "janitor"}'}, "api_keys"),
        ({"BRANCHOPS_API_KEYS": "not json"}, "api_keys"),
        ({"BRANCHOPS_LOG_LEVEL": "LOUD"}, "log_level"),
        ({"BRANCHOPS_KAFKA_HEARTBEAT_MS": "5000", "BRANCHOPS_KAFKA_SESSION_TIMEOUT_MS": "6000"}, "third"),
        ({"BRANCHOPS_ENV": "staging"}, "env"),
    ],
)
def test_platform_settings_refuse_nonsense(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], reason: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises((ValidationError, ValueError), match=reason):
        PlatformSettings()


def test_service_settings_take_their_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUEUE_REDIS_URL", "redis://redis.internal:6380/2")
    monkeypatch.setenv("QUEUE_PORT", "9001")
    settings = QueueSettings()
    assert settings.redis_url == "redis://redis.internal:6380/2" and settings.http_port == 9001
    assert QueueSettings(port=0).http_port == 8001 and settings.group_id == "branchops-queue"
    with pytest.raises(ValidationError):
        QueueSettings(redis_url="http://nope")
    with pytest.raises(ValidationError):
        QueueSettings(unknown_field=1)  # type: ignore[call-arg]


def _app() -> TestClient:
    platform = PlatformSettings(jwt_secret=SECRET, api_keys={KEY: "manager"}, env="test")  # type: ignore[arg-type]
    router = APIRouter()

    @router.get("/managers-only")
    async def managers_only(who: Principal = Depends(require_roles(Role.MANAGER, Role.HEAD_OFFICE))) -> dict[str, str]:
        return {"subject": who.subject, "role": who.role.value}

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals 320102199001011234")

    @router.get("/conflict")
    async def conflict() -> None:
        raise Problem(409, "Already called", "ticket A023 is with window 3", ticket="A023")

    app = create_service_app("unit", platform, routers=[router])
    return TestClient(app, raise_server_exceptions=False)


def _token(role: Role, *, now: dt.datetime | None = None) -> str:
    platform = PlatformSettings(jwt_secret=SECRET, env="test")  # type: ignore[arg-type]
    return issue_token(platform, "alice", role, now=now)


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "credential required"),
        ({"X-API-Key": "wrong"}, 401, "unknown API key"),
        ({"X-API-Key": KEY}, 200, ""),
        ({"Authorization": f"Bearer {_token(Role.MANAGER)}"}, 200, ""),
        ({"Authorization": f"Bearer {_token(Role.HEAD_OFFICE)}"}, 200, ""),
        ({"Authorization": f"Bearer {_token(Role.KIOSK)}"}, 403, "role kiosk"),
        (
            {"Authorization": f"Bearer {_token(Role.MANAGER, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))}"},
            401,
            "token expired",
        ),
        ({"Authorization": "Bearer not.a.jwt"}, 401, "invalid token"),
        ({"Authorization": "Bearer " + _token(Role.MANAGER)[:-4] + "AAAA"}, 401, "invalid token"),
    ],
    ids=["none", "bad-key", "key", "jwt", "head-office", "wrong-role", "expired", "garbage", "tampered"],
)
def test_roles_and_credentials(headers: dict[str, str], status: int, detail: str) -> None:
    response = _app().get("/managers-only", headers=headers)
    assert response.status_code == status
    if status != 200:
        assert response.headers["content-type"] == "application/problem+json"
        assert detail in response.json()["detail"]


def test_health_and_metrics_need_no_credential_and_errors_are_problems() -> None:
    client = _app()
    assert client.get("/healthz").json() == {"status": "ok", "service": "unit"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["content-type"] == "application/problem+json"
    assert "branchops_http_requests_total" in client.get("/metrics").text
    boom = client.get("/boom", headers={"X-Request-ID": "req-42"})
    assert boom.status_code == 500 and boom.headers["x-request-id"] == "req-42"
    assert "secret internals" not in boom.text
    conflict = client.get("/conflict").json()
    assert conflict == {
        "type": "about:blank",
        "title": "Already called",
        "status": 409,
        "instance": "/conflict",
        "detail": "ticket A023 is with window 3",
        "ticket": "A023",
    }
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["title"] == "Not Found"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
