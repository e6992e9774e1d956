"""Settings of the gateway service (environment prefix ``GATEWAY_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8000

    replay_capacity: int = Field(1000, ge=10, le=100_000, description="Events kept per branch for reconnects")
    subscriber_queue: int = Field(256, ge=8, le=10_000, description="Items buffered per browser before dropping")
