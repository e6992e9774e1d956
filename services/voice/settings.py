"""Settings of the voice service (environment prefix ``VOICE_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings


class VoiceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VOICE_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "voice"
    default_port: ClassVar[int] = 8004
