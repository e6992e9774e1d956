"""What the predictor learns online, and how it learns it (pure, JSON-serialisable values).

* Service times per service and per (window, service): a robust online estimate of a log-normal
  (location and scale of log minutes), residuals clipped at 2.5 scales so one forgotten "complete"
  (a two-hour service) moves nothing much. A window's own estimate is shrunk toward its service's, by
  the samples it holds (an estimate that forgets holds about ``2 / MIN_ALPHA`` at most).
* Abandonment: a hazard per service (customers who left per waited minute), exponentially forgotten.
* No-shows: the share of calls nobody answers, and how long a window loses on one.
* Calibration: standardised residuals of past predictions (realised minus predicted, over the
  predicted spread); the last few hundred give the bias and the 80% range's quantiles.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace

CLIP = 2.5
FENCE = 2.5
MIN_ALPHA = 0.01
WINDOW_SHRINK_N = 40.0  # a window's samples before its own estimate counts half
DECAY = 0.995
MAX_RESIDUALS = 300


@dataclass(frozen=True)
class RobustLog:
    """Online service-time estimate: log-space location/scale fence outliers; mean and spread are
    estimated on the minutes themselves, winsorised at the fence (a log-normal fit would overstate
    the mean of skewed-left log times such as exponential services)."""

    m: float = math.log(5.0)  # location of log(minutes)
    s: float = 0.8  # scale of log(minutes)
    n: int = 0
    mu: float = 5.0  # mean minutes
    m2: float = 50.0  # mean of squared minutes

    def update(self, minutes: float) -> RobustLog:
        x = math.log(max(minutes, 0.05))
        alpha = max(1.0 / (self.n + 2), MIN_ALPHA)
        bound = CLIP * self.s
        r = min(max(x - self.m, -bound), bound)
        s2 = (1 - alpha) * self.s**2 + alpha * r * r * 1.15  # 1.15: clipping shrinks the spread
        capped = min(max(minutes, 0.0), math.exp(self.m + FENCE * self.s)) if self.n >= 5 else max(minutes, 0.0)
        return RobustLog(
            self.m + alpha * r,
            min(max(math.sqrt(s2), 0.1), 2.0),
            self.n + 1,
            (1 - alpha) * self.mu + alpha * capped,
            (1 - alpha) * self.m2 + alpha * capped * capped,
        )

    @property
    def mean(self) -> float:
        return max(self.mu, 0.05)

    @property
    def cv(self) -> float:
        return math.sqrt(max(self.m2 / self.mean**2 - 1.0, 0.01))

    def residual(self, elapsed: float) -> float:
        """Expected remaining minutes of a service already ``elapsed`` minutes long (log-normal with
        the learned mean and spread)."""
        if elapsed <= 0 or self.cv >= 0.95:  # memoryless (or heavier): the past says little
            return self.mean
        s = math.sqrt(math.log1p(self.cv**2))
        m = math.log(self.mean) - s * s / 2
        z = (math.log(elapsed) - m) / s
        survive = 0.5 * math.erfc(z / math.sqrt(2))
        if survive < 1e-6:
            return 0.5
        tail = self.mean * 0.5 * math.erfc((z - s) / math.sqrt(2))
        return max(0.2, min(tail / survive - elapsed, 3 * self.mean))


def blend(own: RobustLog | None, pooled: RobustLog) -> RobustLog:
    if own is None or own.n == 0:
        return pooled
    n = min(own.n, 2.0 / MIN_ALPHA)  # the estimate forgets: it holds about this many samples at most
    w = n / (n + WINDOW_SHRINK_N)
    return RobustLog(
        w * own.m + (1 - w) * pooled.m,
        w * own.s + (1 - w) * pooled.s,
        own.n + pooled.n,
        w * own.mu + (1 - w) * pooled.mu,
        w * own.m2 + (1 - w) * pooled.m2,
    )


@dataclass(frozen=True)
class Rate:
    """Decayed count of hits over decayed exposure (minutes for a hazard, trials for a share)."""

    hits: float = 0.0
    exposure: float = 0.0

    def add(self, hit: float, exposure: float) -> Rate:
        return Rate(self.hits * DECAY + hit, self.exposure * DECAY + exposure)

    def value(self, prior: float, prior_weight: float) -> float:
        return (self.hits + prior * prior_weight) / (self.exposure + prior_weight)


NO_SHOW_PRIOR = RobustLog(m=0.0, s=0.5, mu=1.0, m2=1.3)


def _log(v: list[float]) -> RobustLog:
    return RobustLog(float(v[0]), float(v[1]), int(v[2]), float(v[3]), float(v[4]))


@dataclass(frozen=True)
class Model:
    service_time: dict[str, RobustLog] = field(default_factory=dict)  # "<service>" or "<window>|<service>"
    abandon: dict[str, Rate] = field(default_factory=dict)  # per service, per waited minute
    no_show: dict[str, Rate] = field(default_factory=dict)  # per service, per call
    no_show_time: RobustLog = NO_SHOW_PRIOR
    residuals: tuple[float, ...] = ()

    # --- reading -----------------------------------------------------------------------------
    def service_dist(self, service: str, window: str | None = None) -> RobustLog:
        pooled = self.service_time.get(service, RobustLog())
        return blend(self.service_time.get(f"{window}|{service}"), pooled) if window else pooled

    def abandon_hazard(self, service: str) -> float:
        return self.abandon.get(service, Rate()).value(0.0, 120.0)

    def no_show_share(self, service: str) -> float:
        return self.no_show.get(service, Rate()).value(0.03, 30.0)

    # --- learning ----------------------------------------------------------------------------
    def learn_service(self, service: str, window: str | None, minutes: float) -> Model:
        times = dict(self.service_time)
        times[service] = times.get(service, RobustLog()).update(minutes)
        if window:
            key = f"{window}|{service}"
            times[key] = times.get(key, RobustLog()).update(minutes)
        shows = dict(self.no_show)
        shows[service] = shows.get(service, Rate()).add(0.0, 1.0)
        return replace(self, service_time=times, no_show=shows)

    def learn_no_show(self, service: str, minutes: float) -> Model:
        shows = dict(self.no_show)
        shows[service] = shows.get(service, Rate()).add(1.0, 1.0)
        return replace(self, no_show=shows, no_show_time=self.no_show_time.update(minutes))

    def learn_wait(self, service: str, waited_min: float, left: bool) -> Model:
        """A wait ended: the customer was called (``left`` False) or gave up (True)."""
        rates = dict(self.abandon)
        rates[service] = rates.get(service, Rate()).add(1.0 if left else 0.0, max(waited_min, 0.0))
        return replace(self, abandon=rates)

    def learn_residual(self, realised_min: float, predicted_min: float, spread_min: float) -> Model:
        z = (realised_min - predicted_min) / (spread_min + 0.5)
        return replace(self, residuals=(*self.residuals, max(-6.0, min(6.0, z)))[-MAX_RESIDUALS:])

    # --- storage -----------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "t": {k: [v.m, v.s, v.n, v.mu, v.m2] for k, v in self.service_time.items()},
                "a": {k: [v.hits, v.exposure] for k, v in self.abandon.items()},
                "ns": {k: [v.hits, v.exposure] for k, v in self.no_show.items()},
                "nst": [
                    self.no_show_time.m,
                    self.no_show_time.s,
                    self.no_show_time.n,
                    self.no_show_time.mu,
                    self.no_show_time.m2,
                ],
                "r": [round(z, 4) for z in self.residuals],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes | None) -> Model:
        if not text:
            return cls()
        raw = json.loads(text)
        return cls(
            service_time={k: _log(v) for k, v in raw.get("t", {}).items()},
            abandon={k: Rate(float(v[0]), float(v[1])) for k, v in raw.get("a", {}).items()},
            no_show={k: Rate(float(v[0]), float(v[1])) for k, v in raw.get("ns", {}).items()},
            no_show_time=_log(raw["nst"]) if "nst" in raw else NO_SHOW_PRIOR,
            residuals=tuple(float(z) for z in raw.get("r", [])),
        )
