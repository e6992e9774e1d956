"""Settings of the records service (environment prefix ``RECORDS_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings

DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://")


class RecordsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "records"
    default_port: ClassVar[int] = 8005

    database_url: SecretStr = Field(
        SecretStr("postgresql://postgres@127.0.0.1:5432/postgres"),
        description="PostgreSQL to keep the records in (postgresql://user:password@host:port/database); a secret")
    database_pool_size: int = Field(5, ge=1, le=100, description="Connections kept open to PostgreSQL")
    database_max_overflow: int = Field(5, ge=0, le=100, description="Extra connections allowed under load")
    database_timeout_s: float = Field(5.0, gt=0, le=60, description="Connect and statement timeout (s)")
    database_wait_s: float = Field(
        30.0, ge=0, le=600, description="At start, how long to wait for PostgreSQL to answer before giving up (s)")
    max_body_bytes: int = Field(1_000_000, ge=1024, le=20_000_000, description="Largest configuration body accepted")
    outbox_poll_s: float = Field(
        1.0, ge=0.01, le=60, description="Relay the PostgreSQL outbox at least this often (s); commits wake it at once")
    outbox_batch: int = Field(100, ge=1, le=10_000, description="Outbox rows published per relay round")

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(DATABASE_SCHEMES):
            raise ValueError("database_url must be a PostgreSQL URL (postgresql://user:password@host:port/database)")
        return value
