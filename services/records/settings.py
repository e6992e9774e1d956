"""Settings of the records service (environment prefix ``RECORDS_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings
from services.records.domain.retention import retention_days
from services.records.domain.sandbox_core.limits import limits_from

DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://")


class RecordsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "records"
    default_port: ClassVar[int] = 8005

    database_url: SecretStr = Field(
        SecretStr("postgresql://postgres@127.0.0.1:5432/postgres"),
        description="PostgreSQL to keep the records in (postgresql://user:password@host:port/database); a secret",
    )
    database_pool_size: int = Field(5, ge=1, le=100, description="Connections kept open to PostgreSQL")
    database_max_overflow: int = Field(5, ge=0, le=100, description="Extra connections allowed under load")
    database_timeout_s: float = Field(5.0, gt=0, le=60, description="Connect and statement timeout (s)")
    database_wait_s: float = Field(
        30.0, ge=0, le=600, description="At start, how long to wait for PostgreSQL to answer before giving up (s)"
    )
    max_body_bytes: int = Field(1_000_000, ge=1024, le=20_000_000, description="Largest configuration body accepted")
    outbox_poll_s: float = Field(
        1.0, ge=0.01, le=60, description="Relay the PostgreSQL outbox at least this often (s); commits wake it at once"
    )
    outbox_batch: int = Field(100, ge=1, le=10_000, description="Outbox rows published per relay round")
    history_enabled: bool = Field(True, description="Consume every topic into the history tables and rollups")
    history_batch_max: int = Field(
        5000, ge=1, le=50_000, description="Most events stored per history transaction (one consumer fetch)"
    )
    retention_days: dict[str, int] = Field(
        default_factory=dict,
        description='Days each table keeps, JSON {"<table>": days} over the defaults (raw events 90, '
        "queue forecasts 14, camera status 30, rollups 800, state 7)",
    )
    partitions_ahead_days: int = Field(3, ge=0, le=60, description="Day partitions made ahead of today")
    maintenance_interval_s: float = Field(
        21_600.0, ge=10, le=86_400, description="How often partitions are made ahead and retention applied (s)"
    )
    sandbox_core_seed_branches: list[str] = Field(
        default_factory=list,
        description='SANDBOX core: branches whose demo customers are seeded at start, JSON ["demo-001"] (none: [])',
    )
    sandbox_core_identity_window_s: float = Field(
        900.0, ge=30, le=3600, description="SANDBOX core: how recent an approved KYC result must be for a movement (s)"
    )
    sandbox_core_limits: dict[str, tuple[int, int]] = Field(
        default_factory=dict,
        description='SANDBOX core: kiosk limits (minor units) over the defaults, JSON {"CNY": [per movement, per day]}',
    )

    @field_validator("sandbox_core_limits")
    @classmethod
    def _known_limits(cls, value: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        limits_from(value)  # raises ValueError naming an unknown currency or bad numbers
        return value

    @field_validator("retention_days")
    @classmethod
    def _known_tables(cls, value: dict[str, int]) -> dict[str, int]:
        retention_days(value)  # raises ValueError naming an unknown table or a bad number
        return value

    @property
    def retention(self) -> dict[str, int]:
        """Days kept per table: the defaults with ``retention_days`` applied."""
        return retention_days(self.retention_days)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(DATABASE_SCHEMES):
            raise ValueError("database_url must be a PostgreSQL URL (postgresql://user:password@host:port/database)")
        return value
