"""Settings of the queue service (environment prefix ``QUEUE_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings


class QueueSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUEUE_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "queue"
    default_port: ClassVar[int] = 8001
