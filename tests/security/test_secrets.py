"""Secrets come from settings and are refused when left at a default (or too weak) outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from branchops.settings import DEV_JWT_SECRET, PlatformSettings
from tests.conftest import TEST_JWT_SECRET

STRONG_KEY = "k" * 32


def _platform(**values: object) -> PlatformSettings:
    return PlatformSettings(**{"kafka_bootstrap": "127.0.0.1:9", "instance": "t", **values})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "development default"),
        ({"jwt_secret": "short-secret"}, "at least 32"),
        ({"jwt_secret": TEST_JWT_SECRET, "api_keys": {"short-key": "kiosk"}}, "at least 24"),
    ],
)
def test_production_refuses_weak_secrets(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _platform(env="production", **values)


def test_production_accepts_strong_secrets() -> None:
    _platform(env="production", jwt_secret=TEST_JWT_SECRET, api_keys={STRONG_KEY: "service"})


def test_development_runs_on_defaults() -> None:
    assert _platform(env="development").jwt_secret.get_secret_value() == DEV_JWT_SECRET


def test_secrets_never_show_in_repr() -> None:
    settings = _platform(env="production", jwt_secret=TEST_JWT_SECRET, api_keys={STRONG_KEY: "service"})
    assert TEST_JWT_SECRET not in repr(settings) and TEST_JWT_SECRET not in str(settings.model_dump())


def test_test_environment_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError):
        _platform(env="test")


def test_voice_refuses_an_empty_queue_key_in_production() -> None:
    from services.voice.bootstrap import build_app
    from services.voice.settings import VoiceSettings
    from tests.security.apps import _nlu_engine

    platform = _platform(env="production", jwt_secret=TEST_JWT_SECRET)
    with pytest.raises((ValueError, ValidationError)):
        build_app(VoiceSettings(), platform, engine=_nlu_engine())
