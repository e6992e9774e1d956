"""Settings shared by every service (env prefix ``BRANCHOPS_``) and the base of per-service settings.

Every class refuses unknown fields and nonsense values; secrets left at their development default are
refused outside development.
"""

from __future__ import annotations

import json
import socket
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Role(StrEnum):
    """Roles of DESIGN.md section 7."""

    KIOSK = "kiosk"
    TELLER = "teller"
    MANAGER = "manager"
    HEAD_OFFICE = "head_office"
    SERVICE = "service"


class PlatformSettings(BaseSettings):
    """What every service shares: environment, Kafka, auth, logging."""

    model_config = SettingsConfigDict(env_prefix="BRANCHOPS_", extra="forbid", frozen=True)

    env: Environment = Field(Environment.DEVELOPMENT, description="development, test or production")
    kafka_bootstrap: str = Field("127.0.0.1:9092", min_length=3, description="Kafka bootstrap servers")
    kafka_idempotence: bool = Field(
        True, description="Idempotent producer: on for Apache Kafka, off for the tansu dev broker"
    )
    kafka_linger_ms: int = Field(5, ge=0, le=1000, description="Producer batching delay")
    kafka_max_batch_bytes: int = Field(256 * 1024, ge=16 * 1024, le=16 * 1024 * 1024)
    kafka_compression: str | None = Field(None, description="None, gzip, lz4, zstd or snappy")
    kafka_fetch_max_wait_ms: int = Field(100, ge=1, le=5000, description="Consumer long-poll wait")
    kafka_session_timeout_ms: int = Field(
        10_000, ge=1000, le=300_000, description="Consumer group session; tansu waits for it on every rejoin"
    )
    kafka_heartbeat_ms: int = Field(3000, ge=100, le=60_000, description="Consumer heartbeat interval")
    kafka_metadata_max_age_ms: int = Field(
        300_000, ge=1000, le=3_600_000, description="How often clients refresh topic metadata (new partitions)"
    )
    kafka_create_topics: bool = Field(
        False, description="Recreate missing topics every few seconds: for the memory-only dev broker, never production"
    )
    api_keys: dict[str, Role] = Field(
        default_factory=dict, description='JSON object {"<api key>": "<role>"}; keys are secrets'
    )
    jwt_secret: SecretStr = Field(SecretStr(DEV_JWT_SECRET), description="HS256 key for JWTs")
    jwt_ttl_s: int = Field(8 * 3600, ge=60, le=7 * 24 * 3600, description="Lifetime of issued JWTs")
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    instance: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_api_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("kafka_compression")
    @classmethod
    def _check_compression(cls, value: str | None) -> str | None:
        if value not in (None, "gzip", "lz4", "zstd", "snappy"):
            raise ValueError("kafka_compression must be one of gzip, lz4, zstd, snappy or unset")
        return value

    @model_validator(mode="after")
    def _heartbeat_below_session(self) -> PlatformSettings:
        if self.kafka_heartbeat_ms * 3 > self.kafka_session_timeout_ms:
            raise ValueError("kafka_heartbeat_ms must be at most a third of kafka_session_timeout_ms")
        return self

    @model_validator(mode="after")
    def _no_topic_creation_in_production(self) -> PlatformSettings:
        if self.env is Environment.PRODUCTION and self.kafka_create_topics:
            raise ValueError("BRANCHOPS_KAFKA_CREATE_TOPICS is for the dev broker; production topics are managed")
        return self

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> PlatformSettings:
        if self.env is not Environment.DEVELOPMENT and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError(f"BRANCHOPS_JWT_SECRET is left at its development default (env {self.env.value})")
        if self.env is Environment.PRODUCTION:
            if len(self.jwt_secret.get_secret_value()) < 32:
                raise ValueError("BRANCHOPS_JWT_SECRET must be at least 32 characters in production")
            short = [k for k in self.api_keys if len(k) < 24]
            if short:
                raise ValueError("API keys must be at least 24 characters in production")
        return self


class ServiceSettings(BaseSettings):
    """Base of each service's settings; subclasses set ``env_prefix`` (``QUEUE_``, ``STAFFING_``...)."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)
    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8000

    host: str = Field("127.0.0.1", description="Bind address of the HTTP server")
    port: int = Field(0, ge=0, le=65535, description="HTTP port; 0 means the service's default")
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        pattern=r"^(redis|rediss|unix|redis\+cluster|rediss\+cluster)://",
        description="One Redis (redis://host:port/db) or a Redis Cluster (redis+cluster://host:port,host:port)",
    )
    consumer_group: str = Field("", description="Kafka consumer group; empty means branchops-<service>")
    dedup_ttl_s: int = Field(24 * 3600, ge=60, le=30 * 24 * 3600, description="Event-id dedup window")
    handler_retries: int = Field(3, ge=0, le=20, description="Retries of a failing handler before DLQ")
    retry_backoff_ms: int = Field(100, ge=1, le=60_000, description="First retry delay, doubled each try")

    @property
    def http_port(self) -> int:
        return self.port or self.default_port

    @property
    def group_id(self) -> str:
        return self.consumer_group or f"branchops-{self.service_name}"
