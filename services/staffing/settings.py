"""Settings of the staffing service (environment prefix ``STAFFING_``)."""

from __future__ import annotations

import zoneinfo
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings


class StaffingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STAFFING_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "staffing"
    default_port: ClassVar[int] = 8002

    # solving
    solve_time_limit_s: float = Field(10.0, gt=0, le=300, description="Budget of a whole-day solve (s)")
    replan_time_limit_s: float = Field(1.0, gt=0, le=60, description="Budget of an intraday re-plan (s)")
    solve_seed: int = Field(0, ge=0, le=2**31 - 1, description="CP-SAT and simulation seed (determinism)")
    solver_processes: int = Field(1, ge=1, le=16, description="Worker processes running CP-SAT solves")
    max_pending_solves: int = Field(4, ge=1, le=100, description="Solves queued at once; more answer 503")
    verify_roster: bool = Field(
        True,
        description="Mixed-skill days (someone or a window serving several services): verify the roster by "
        "simulating who calls whom on the floor, repair it where an interval misses; single-service days never",
    )
    verify_sigma: float = Field(
        0.8, ge=0, le=3, description="Lognormal sigma of a service's handling time without enough history"
    )
    verify_days: int = Field(120, ge=10, le=2000, description="Simulated days a roster is verified on")
    max_body_bytes: int = Field(1_000_000, ge=1024, le=20_000_000, description="Largest instance body accepted")
    timezone: str = Field("Asia/Shanghai", description="IANA zone of the branches' opening hours")
    queue_url: str = Field(
        "", description="Queue service base URL: the day's booked appointments join its plan; empty: not read"
    )
    # intraday
    replan_interval_s: float = Field(
        300.0, ge=1, le=3600, description="Re-plan every branch at least this often by the wall clock (s)"
    )
    replan_every_min: float = Field(
        15.0, gt=0, le=24 * 60, description="Re-plan every branch this often by the branch's (platform) clock (min)"
    )
    replan_min_gap_min: float = Field(
        5.0, ge=0, le=24 * 60, description="At least this long between two re-plans of a branch, platform clock (min)"
    )
    replan_min_change: int = Field(
        4, ge=1, le=10_000, description="Window-intervals a re-plan must change before it is published"
    )
    replan_horizon_min: int = Field(
        120, ge=15, le=24 * 60, description="Window changes count for publishing a re-plan this far ahead (min)"
    )
    replan_min_paid_hours: float = Field(
        1.0, ge=0, le=1000, description="Change of paid hours that alone makes a re-plan worth publishing"
    )
    drift_window_min: float = Field(
        90.0, gt=0, le=24 * 60, description="Service-time drift: services begun this far back count (platform min)"
    )
    drift_min_samples: int = Field(
        12, ge=2, le=10_000, description="Service-time drift: completed tickets of a service before its mean counts"
    )
    drift_threshold: float = Field(
        0.10, gt=0, lt=1, description="Service-time drift: relative change of the mean against the plan that counts"
    )
    plan_grace_min: float = Field(
        5.0,
        ge=0,
        le=120,
        description="After a new plan version, minutes (platform clock) the floor has to follow it before the "
        "alerts point out windows it differs in (waits over target are pointed out at once)",
    )
    forecast_change_fraction: float = Field(
        0.3, gt=0, le=10, description="Relative change of a forecast that triggers a re-plan at once"
    )
    hysteresis_min: int = Field(20, ge=0, le=240, description="No opposite instruction to a window within this")
    alert_expiry_min: int = Field(15, ge=1, le=24 * 60, description="Minutes an intraday alert stays valid")
    escalate_after_s: float = Field(300.0, ge=1, le=24 * 3600, description="Unacknowledged urgent alert escalates")
    alert_tick_s: float = Field(15.0, ge=0.05, le=600, description="How often escalations are checked (s)")
    # the day's plan from the branch configuration (branchops.branch-config.v1) and the ticket history
    plan_tomorrow_at: str = Field(
        "18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local time tomorrow's plan is made (HH:MM)"
    )
    dayplan_tick_s: float = Field(15.0, ge=0.05, le=3600, description="How often the day plans are checked (s)")
    config_debounce_s: float = Field(
        2.0, ge=0, le=600, description="Quiet time after a configuration change before the re-plan (s)"
    )
    config_min_gap_s: float = Field(
        5.0, ge=0, le=3600, description="At least this long between two re-plans of one branch (s)"
    )
    config_solve_time_limit_s: float = Field(
        5.0, gt=0, le=300, description="Budget of a day's solve from the configuration (s)"
    )
    forecast_weeks: int = Field(8, ge=1, le=10, description="Weeks of history the day's forecast averages")
    forecast_prior_per_interval: float = Field(
        2.0, ge=0, le=1000, description="Arrivals per service and interval when there is no history at all"
    )
    default_aht_min: float = Field(6.0, gt=0, le=480, description="Handling time of a service without history")
    aht_min_samples: int = Field(20, ge=1, le=100_000, description="Handling times needed to trust their mean")
    target_fraction: float = Field(0.8, gt=0, lt=1, description="Share of customers served within target")
    # webhook
    webhook_url: str = Field("", description="Receiver of every alert (HMAC-SHA256 signed); empty: off")
    webhook_secret: SecretStr = Field(SecretStr(""), description="HMAC key of the webhook signature")
    webhook_retries: int = Field(5, ge=0, le=20, description="Retries of a failed webhook delivery")
    webhook_backoff_s: float = Field(1.0, ge=0.01, le=60, description="First retry delay, doubled, capped at 60 s")
    webhook_queue_size: int = Field(
        1000, ge=1, le=100_000, description="Alerts waiting for the webhook; more are dropped"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (IANA name, e.g. Asia/Shanghai)") from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("webhook_url must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _secret_with_url(self) -> StaffingSettings:
        if self.webhook_url and len(self.webhook_secret.get_secret_value()) < 16:
            raise ValueError("STAFFING_WEBHOOK_SECRET must be at least 16 characters when a webhook URL is set")
        return self
