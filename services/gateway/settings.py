"""Settings of the gateway service (environment prefix ``GATEWAY_``)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import SettingsConfigDict

from branchops.settings import Role, ServiceSettings

_BRANCH = r"^[A-Za-z0-9_.-]{1,64}$"
_BRANCH_RE = re.compile(_BRANCH)


class UserEntry(BaseModel):
    """A person who logs in: a scrypt/pbkdf2 hash (``python -m services.gateway.passwords``), never a password."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    password: str = Field(pattern=r"^(scrypt|pbkdf2)\$")
    role: Role
    branch: str | None = Field(None, pattern=_BRANCH)

    @field_validator("role")
    @classmethod
    def _human_role(cls, role: Role) -> Role:
        if role in (Role.KIOSK, Role.SERVICE):
            raise ValueError("kiosks use device keys and services API keys, not a login")
        return role


class DeviceEntry(BaseModel):
    """A kiosk: bound to one branch; keyed by the SHA-256 (hex) of its device key, never the key itself.

    ``kind``: a kiosk or rating pad (default) sees only its own tickets on the stream; a calling display
    sees every call (numbers and windows, nothing personal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    branch: str = Field(pattern=_BRANCH)
    kiosk_id: str = Field(pattern=_BRANCH)
    kind: Literal["kiosk", "display"] = "kiosk"


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="forbid", frozen=True, env_ignore_empty=True)
    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8000

    replay_capacity: int = Field(1000, ge=10, le=100_000, description="Events kept per branch for reconnects")
    subscriber_queue: int = Field(256, ge=8, le=10_000, description="Items buffered per browser before dropping")
    queue_url: str = Field("http://127.0.0.1:8001", pattern=r"^https?://", description="Queue service base URL")
    staffing_url: str = Field("http://127.0.0.1:8002", pattern=r"^https?://", description="Staffing service URL")
    kyc_url: str = Field("http://127.0.0.1:8003", pattern=r"^https?://", description="KYC service base URL")
    voice_url: str = Field("http://127.0.0.1:8004", pattern=r"^https?://", description="Voice service base URL")
    records_url: str = Field(
        "http://127.0.0.1:8005", pattern=r"^https?://", description="Records service URL (configuration, reports)"
    )
    records_seed_timeout_s: float = Field(
        3.0, gt=0, le=60, description="How long a page waits for records' today figures before painting without them"
    )
    upstream_timeout_s: float = Field(15.0, gt=0, le=120, description="Timeout of a proxied call")
    users: dict[str, UserEntry] = Field(
        default_factory=dict, description='JSON {"<login>": {"password": "<scrypt hash>", "role", "branch"}}'
    )
    device_keys: dict[str, DeviceEntry] = Field(
        default_factory=dict, description='JSON {"<sha256 hex of device key>": {"branch", "kiosk_id"}}'
    )
    branches: list[str] = Field(default_factory=list, description='JSON ["b1", ...]: known branch ids; empty: any')
    cookie_secure: bool = Field(True, description="Session cookie only over HTTPS (off for plain-HTTP dev)")
    timezone: str = Field("Asia/Shanghai", description="Local day of the branches (today's KPIs)")
    service_level_min: float = Field(10.0, gt=0, le=240, description="Target wait: called within N minutes")
    rating_window_min: float = Field(
        15.0, gt=0, le=24 * 60, description="A window's pad offers a ticket for rating up to N minutes after service"
    )

    login_rate_per_address: float = Field(
        1.0, gt=0, le=1000, description="Logins a second one client address may start (after its burst)"
    )
    login_burst_per_address: float = Field(10.0, ge=1, le=10_000, description="Logins one address may start at once")
    login_rate_global: float = Field(
        8.0, gt=0, le=1000, description="Logins a second all clients together may start (after the burst)"
    )
    login_burst_global: float = Field(20.0, ge=1, le=10_000, description="Logins all clients may start at once")
    login_hash_workers: int = Field(2, ge=1, le=32, description="Threads that check passwords (scrypt)")
    login_hash_pending: int = Field(
        4, ge=1, le=1000, description="Password checks in flight (running or waiting) before logins get 429"
    )

    public_rate_per_min: float = Field(
        90.0,
        gt=0,
        le=100_000,
        description="Phone page lookups a minute one client address may make after its burst (a page polls every"
        " 2 s: 30 a minute; a few phones share an address behind a carrier or Wi-Fi NAT)",
    )
    public_burst: float = Field(20.0, ge=1, le=100_000, description="Phone page lookups one address may make at once")
    public_miss_cost: float = Field(
        2.0, ge=1, le=100, description="What a lookup of an unknown ticket or code costs of the bucket (guessing)"
    )
    public_url: str = Field(
        "",
        pattern=r"^(https?://[^/?#]+)?$",
        description="The origin customers' phones reach (QR codes, short links); empty: the request's own",
    )

    def is_display(self, kiosk_id: str | None, branch_id: str | None) -> bool:
        """Whether the device ``kiosk_id`` of ``branch_id`` is a calling display."""
        return kiosk_id is not None and any(
            e.kind == "display" and e.kiosk_id == kiosk_id and e.branch == branch_id for e in self.device_keys.values()
        )

    @field_validator("device_keys")
    @classmethod
    def _hashed_keys(cls, value: dict[str, DeviceEntry]) -> dict[str, DeviceEntry]:
        for digest in value:
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError("device_keys are keyed by the lowercase SHA-256 hex digest of the key")
        return value

    @field_validator("branches")
    @classmethod
    def _branch_ids(cls, value: list[str]) -> list[str]:
        if any(not _BRANCH_RE.match(b) for b in value):
            raise ValueError("branch ids: letters, digits, '_', '.', '-' (1-64)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value
