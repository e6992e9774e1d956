"""The platform clock: the one "now" every service, the simulator and the pages agree on.

Production reads the wall clock. ``branchops up`` runs a simulated branch on a shared simulated clock:
it sets ``BRANCHOPS_CLOCK_START`` (the simulated time at the real moment ``BRANCHOPS_CLOCK_REAL_START``,
Unix seconds) and ``BRANCHOPS_CLOCK_SPEED`` (simulated seconds per real second) in the environment of
every process it starts, so each computes the same simulated time without talking to the others.

Security clocks stay on the wall: token expiry, rate limits and storage expiries (always relative TTLs).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

ENV_START = "BRANCHOPS_CLOCK_START"
ENV_REAL_START = "BRANCHOPS_CLOCK_REAL_START"
ENV_SPEED = "BRANCHOPS_CLOCK_SPEED"


@dataclass(frozen=True)
class Clock:
    """The wall clock (``start`` None), or simulated time running ``speed`` times as fast from ``start``
    at the real moment ``real_start``."""

    start: dt.datetime | None = None
    real_start: float = 0.0
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.start is not None and self.start.tzinfo is None:
            raise ValueError("the simulated clock's start needs a time zone")
        if not 0 < self.speed <= 10_000:
            raise ValueError(f"clock speed out of range: {self.speed}")

    @property
    def simulated(self) -> bool:
        return self.start is not None

    @property
    def rate(self) -> float:
        """Clock seconds per real second (1 on the wall clock)."""
        return self.speed if self.simulated else 1.0

    def now(self) -> dt.datetime:
        if self.start is None:
            return dt.datetime.now(dt.UTC)
        return (self.start + dt.timedelta(seconds=(time.time() - self.real_start) * self.speed)).astimezone(dt.UTC)

    def env(self) -> dict[str, str]:
        """The environment that gives another process this clock (empty for the wall clock)."""
        if self.start is None:
            return {}
        return {ENV_START: self.start.isoformat(), ENV_REAL_START: repr(self.real_start), ENV_SPEED: repr(self.speed)}

    @classmethod
    def simulated_from(cls, start: dt.datetime, speed: float, real_start: float | None = None) -> Clock:
        return cls(start, time.time() if real_start is None else real_start, speed)


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """The clock the environment describes; the wall clock when it describes none. A simulated clock is
    refused where ``BRANCHOPS_ENV`` is production."""
    env = os.environ if environ is None else environ
    start = env.get(ENV_START)
    if not start:
        return Clock()
    if env.get("BRANCHOPS_ENV", "").lower() == "production":
        raise ValueError(f"{ENV_START} is set: a simulated clock is for development only")
    try:
        return Clock(dt.datetime.fromisoformat(start), float(env[ENV_REAL_START]), float(env.get(ENV_SPEED, "1")))
    except (KeyError, ValueError) as exc:
        raise ValueError(f"bad simulated clock in the environment ({ENV_START}, {ENV_REAL_START}): {exc}") from exc


@cache
def platform_clock() -> Clock:
    """This process's clock, read from the environment once."""
    return clock_from_env()


def now() -> dt.datetime:
    """Now on the platform clock (UTC)."""
    return platform_clock().now()
