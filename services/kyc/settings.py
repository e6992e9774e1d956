"""Settings of the kyc service (environment prefix ``KYC_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings


class KycSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KYC_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "kyc"
    default_port: ClassVar[int] = 8003
