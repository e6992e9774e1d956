"""Kiosk-channel limits: per movement and per customer per local day, per currency, in minor units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.money import format_minor


@dataclass(frozen=True)
class Limits:
    per_transaction_minor: int
    per_day_minor: int


DEFAULT_LIMITS: dict[str, Limits] = {
    "CNY": Limits(5_000_000, 20_000_000),  # 50,000.00 a movement, 200,000.00 a day
    "HKD": Limits(5_000_000, 20_000_000),
    "USD": Limits(700_000, 2_800_000),
    "EUR": Limits(650_000, 2_600_000),
    "JPY": Limits(1_000_000, 4_000_000),
}


def limits_from(overrides: Mapping[str, tuple[int, int] | list[int]]) -> dict[str, Limits]:
    """The defaults with ``{"CNY": [per_transaction_minor, per_day_minor]}`` applied (ValueError if bad)."""
    out = dict(DEFAULT_LIMITS)
    for currency, pair in overrides.items():
        if currency not in DEFAULT_LIMITS:
            raise ValueError(f"no limits for unknown currency {currency!r}")
        per_tx, per_day = pair
        if not (0 < per_tx <= per_day):
            raise ValueError(f"limits of {currency}: 0 < per transaction <= per day")
        out[currency] = Limits(int(per_tx), int(per_day))
    return out


def check_limits(limits: Mapping[str, Limits], currency: str, amount_minor: int, used_today_minor: int) -> None:
    """``limit_exceeded`` when the movement is above the per-movement limit or would take the customer's
    movements of the day (in that currency) above the daily limit."""
    limit = limits[currency]
    if amount_minor > limit.per_transaction_minor:
        cap = format_minor(limit.per_transaction_minor, currency)
        raise CoreRefused("limit_exceeded", f"above the kiosk limit of {cap} {currency} per movement")
    if used_today_minor + amount_minor > limit.per_day_minor:
        left = format_minor(max(limit.per_day_minor - used_today_minor, 0), currency)
        raise CoreRefused("limit_exceeded", f"above the kiosk daily limit; {left} {currency} left today")
