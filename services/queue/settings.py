"""Settings of the queue service (environment prefix ``QUEUE_``)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any, ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from branchops.contracts.enums import Channel, Priority, ServiceName
from branchops.settings import ServiceSettings
from services.queue.domain.routing import DEFAULT_CHANNELS_FOR, DEFAULT_HEAD_START_S, RoutingRules


class QueueSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QUEUE_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "queue"
    default_port: ClassVar[int] = 8001

    timezone: str = Field("Asia/Shanghai", description="Branch local time zone: ticket numbers restart at its midnight")
    priority_head_start_s: dict[Priority, float] = Field(
        default_factory=lambda: dict(DEFAULT_HEAD_START_S),
        description='JSON {"<priority>": seconds}: how far ahead of its arrival a priority ticket is placed',
    )
    priority_channels: dict[Priority, list[Channel]] = Field(
        default_factory=lambda: {p: sorted(c) for p, c in DEFAULT_CHANNELS_FOR.items()},
        description='JSON {"<priority>": ["<channel>", ...]}: channels that may issue that priority',
    )
    secondary_skill_penalty_s: float = Field(
        600.0, ge=0, le=7200, description="A window's other skills wait this much longer before it serves them"
    )
    forecast_interval_s: float = Field(30.0, ge=1, le=300, description="Publish queue.forecast.v1 at least this often")
    forecast_min_gap_s: float = Field(
        2.0,
        ge=0,
        le=60,
        description=(
            "A branch's changes within this many seconds of its last forecast make one forecast at the end of"
            " the gap (a busy branch changes many times a second; its forecast need not)"
        ),
    )
    near_people: int = Field(
        3, ge=0, le=100, description="Phone page: 'your turn is near' with at most this many ahead"
    )
    near_minutes: float = Field(5.0, ge=0, le=120, description="... or at most this many minutes left (upper end)")
    notice_webhook_url: str = Field(
        "", description="The bank's SMS/WeChat gateway for customer notices (signed webhook); empty: log only"
    )
    notice_webhook_secret: SecretStr = Field(SecretStr(""), description="HMAC key of the notices' signature")
    appointment_reminder_min: float = Field(
        60.0, ge=5, le=24 * 60, description="Appointments with a number are reminded this many minutes before"
    )
    notice_webhook_retries: int = Field(5, ge=0, le=20, description="Retries of a failed notice delivery")
    footfall_conversion: float = Field(0.8, ge=0, le=1, description="Share of people in the hall who take a ticket")
    predict_expected_arrivals: bool = Field(
        True,
        description=(
            "Wait predictions count the customers expected to come (the last hour's arrivals per service and"
            " priority) under the windows' routing; off: only the customers present"
        ),
    )
    appointment_walk_in_share: float = Field(
        0.5, ge=0, le=1, description="Appointments: share of the planned windows' time kept for walk-ins"
    )
    appointment_show_share: float = Field(
        0.9, ge=0, le=1, description="Appointments: share of booked customers expected to come (prior; learned)"
    )
    appointment_handling_min: dict[ServiceName, float] = Field(
        default_factory=dict,
        description='JSON {"<service>": minutes}: an appointment\'s handling time (10 for a service not named)',
    )
    appointment_early_min: float = Field(30.0, ge=0, le=240, description="Appointments: check-in opens this early")
    appointment_late_min: float = Field(
        15.0, ge=0, le=120, description="... and closes this late; an appointment not checked in is a no-show"
    )

    @field_validator("priority_head_start_s", "priority_channels", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("priority_head_start_s")
    @classmethod
    def _bounded(cls, value: dict[Priority, float]) -> dict[Priority, float]:
        if any(not 0 <= v <= 4 * 3600 for v in value.values()):
            raise ValueError("head starts must be between 0 and 14400 seconds")
        return value

    @field_validator("appointment_handling_min", mode="before")
    @classmethod
    def _handling_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("appointment_handling_min")
    @classmethod
    def _handling_positive(cls, value: dict[ServiceName, float]) -> dict[ServiceName, float]:
        if any(not 0 < v <= 480 for v in value.values()):
            raise ValueError("appointment handling times must be within 0..480 minutes (above 0)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zoneinfo.ZoneInfo(value)
        return value

    @property
    def tz(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def routing_rules(self) -> RoutingRules:
        return RoutingRules(
            head_start_s=dict(self.priority_head_start_s),
            channels_for={p: frozenset(c) for p, c in self.priority_channels.items()},
            secondary_penalty_s=self.secondary_skill_penalty_s,
        )
