"""KYC_RETENTION_TTL_S / KYC_RETENTION_KEY: off by default, a valid 32-byte key required when on, never echoed."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import ValidationError

from services.kyc.settings import KycSettings

GOOD = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var.startswith("KYC_"):
            monkeypatch.delenv(var)


def test_off_by_default_and_needs_no_key() -> None:
    settings = KycSettings()
    assert settings.retention_ttl_s == 0
    assert settings.retention_key.get_secret_value() == ""
    assert settings.retention_key_bytes() is None
    assert KycSettings(retention_key="whatever, unused").retention_key_bytes() is None  # off: not looked at


def test_on_with_a_valid_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYC_RETENTION_TTL_S", "86400")
    monkeypatch.setenv("KYC_RETENTION_KEY", GOOD)
    settings = KycSettings()
    assert settings.retention_ttl_s == 86400
    assert settings.retention_key_bytes() == bytes(range(32))
    assert GOOD not in repr(settings) and GOOD not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "KYC_RETENTION_KEY is required"),
        (base64.b64encode(b"k" * 16).decode(), "32 bytes, got 16"),
        (base64.b64encode(b"k" * 31).decode(), "32 bytes, got 31"),
        ("%%% not base64 %%%", "not valid base64"),
    ],
)
def test_on_refuses_a_missing_or_wrong_key(monkeypatch: pytest.MonkeyPatch, key: str, message: str) -> None:
    monkeypatch.setenv("KYC_RETENTION_TTL_S", "3600")
    monkeypatch.setenv("KYC_RETENTION_KEY", key)
    with pytest.raises(ValidationError) as caught:
        KycSettings()
    assert message in str(caught.value)
    if key:
        assert key not in str(caught.value)  # a refused key is not echoed into logs


def test_ttl_bounds() -> None:
    with pytest.raises(ValidationError):
        KycSettings(retention_ttl_s=-1)
    with pytest.raises(ValidationError):
        KycSettings(retention_ttl_s=91 * 24 * 3600, retention_key=GOOD)
    assert KycSettings(retention_ttl_s=1, retention_key=GOOD).retention_ttl_s == 1
