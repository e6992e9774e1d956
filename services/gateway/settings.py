"""Settings of the gateway service (environment prefix ``GATEWAY_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8000
