"""Settings of the staffing service (environment prefix ``STAFFING_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings


class StaffingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STAFFING_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "staffing"
    default_port: ClassVar[int] = 8002
