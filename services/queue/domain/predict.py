"""Waiting-time prediction: a mean-field projection of the live queue under the real routing rules.

Every open window becomes free at ``now`` (idle) or after the expected rest of its current service
(the learned log-normal, conditioned on the time already spent). The earliest free window calls, by
:func:`routing.choose_next`, the ticket the real call-next would pick, and is then busy for that
ticket's expected occupancy: its (window, service) service time if the customer is still there, the
no-show time if not, nothing if they left (the abandonment hazard over the projected wait). The
projected call time is the expected wait; its spread adds the variance of the occupancies before it
on the windows that can serve it. Learned residuals then calibrate the centre and the 80% range.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from branchops.contracts.enums import Priority, ServiceName, WindowState
from services.queue.domain.model import Model
from services.queue.domain.routing import Head, RoutingRules, choose_next

Z80 = 1.2816
MODEL_SPREAD = 0.12  # relative uncertainty the projection cannot see (arrivals of priority, staff moves)
MIN_RESIDUALS = 30


@dataclass(frozen=True)
class Waiting:
    ticket_id: str
    service: ServiceName
    joined_at: dt.datetime
    priority: Priority = Priority.NORMAL


@dataclass(frozen=True)
class WindowView:
    window_id: str
    state: WindowState
    skills: tuple[ServiceName, ...]
    service: ServiceName | None = None  # serving now
    busy_since: dt.datetime | None = None


@dataclass(frozen=True)
class Projection:
    mean_min: float
    sd_min: float
    served: bool  # False: no open window can serve it in the projection


@dataclass(frozen=True)
class Estimate:
    mean_min: float
    low_min: float
    high_min: float


def project(waiting: Sequence[Waiting], windows: Sequence[WindowView], model: Model, rules: RoutingRules,
            now: dt.datetime) -> dict[str, Projection]:
    lines: dict[ServiceName, list[tuple[float, float, Waiting]]] = {}
    for w in waiting:
        ready = max((w.joined_at - now).total_seconds() / 60.0, 0.0)
        lines.setdefault(w.service, []).append((rules.score(w.joined_at, w.priority), ready, w))
    for line in lines.values():
        line.sort(key=lambda item: item[0])
    open_windows = [w for w in windows if w.state is WindowState.OPEN and w.skills]
    remaining: list[float | None] = []
    shape: list[float] = []  # squared coefficient of variation of the current service, clipped to 0..1
    for window in open_windows:
        if window.service is not None and window.busy_since is not None:
            dist = model.service_dist(window.service.value, window.window_id)
            elapsed = max((now - window.busy_since).total_seconds() / 60.0, 0.0)
            remaining.append(dist.residual(elapsed))
            shape.append(min(dist.cv**2, 1.0))
        else:
            remaining.append(None)
            shape.append(1.0)
    variance = [0.0] * len(open_windows)
    out: dict[str, Projection] = {}
    left = sum(len(line) for line in lines.values())
    t = 0.0
    while left:
        later = _assign_idle(open_windows, remaining, shape, variance, lines, model, rules, t, out)
        left = sum(len(line) for line in lines.values())
        busy = [i for i, r in enumerate(remaining) if r is not None]
        if not left or (not busy and later is None):
            break
        if not busy:
            t = float(later)  # type: ignore[arg-type]
            continue
        # Next completion: an exponential race (cv = 1) and the deterministic minimum (cv = 0), mixed
        # by the services' spread; memoryless services keep their remaining time, fixed ones use it up.
        rates = sum(1.0 / max(remaining[i] or 0.0, 1e-3) for i in busy)
        first = min(busy, key=lambda i: remaining[i] or 0.0)
        mix = sum(shape[i] for i in busy) / len(busy)
        step = mix / rates + (1 - mix) * (remaining[first] or 0.0)
        if later is not None and t + step > later:
            step = later - t
            first = -1
        for i in busy:
            if i == first:
                remaining[i] = None
            else:
                remaining[i] = max((remaining[i] or 0.0) - (1 - shape[i]) * step, 0.05)
        t += step
    for service, line in lines.items():  # nobody open can serve these: a rough guess, flagged
        dist = model.service_dist(service.value)
        for rank, (_, ready, item) in enumerate(line, start=1):
            out[item.ticket_id] = Projection(ready + rank * dist.mean, rank * dist.mean, False)
    return out


def _assign_idle(windows: Sequence[WindowView], remaining: list[float | None], shape: list[float],
                 variance: list[float], lines: dict[ServiceName, list[tuple[float, float, Waiting]]],
                 model: Model, rules: RoutingRules, t: float, out: dict[str, Projection]) -> float | None:
    """Idle windows call whom the real call-next would; returns the next time an appointment joins."""
    later: float | None = None
    for index, window in enumerate(windows):
        if remaining[index] is not None:
            continue
        heads: list[Head] = []
        for service in window.skills:
            for score, ready, item in lines.get(service, ()):
                if ready <= t + 1e-9:
                    heads.append(Head(service, item.ticket_id, score))
                    break
                later = ready if later is None else min(later, ready)
        chosen = choose_next(heads, window.skills, rules)
        if chosen is None:
            continue
        line = lines[chosen.service]
        position = next(i for i, entry in enumerate(line) if entry[2].ticket_id == chosen.ticket_id)
        _, _, item = line.pop(position)
        capable = [i for i, w in enumerate(windows) if chosen.service in w.skills]
        spread = math.sqrt(sum(variance[i] for i in capable)) / len(capable)
        out[item.ticket_id] = Projection(t, spread, True)
        occupancy, var = _occupancy(model, chosen.service.value, window.window_id, t)
        remaining[index] = occupancy
        shape[index] = min(model.service_dist(chosen.service.value, window.window_id).cv ** 2, 1.0)
        variance[index] += var
    return later


def _occupancy(model: Model, service: str, window: str, t: float) -> tuple[float, float]:
    """Expected minutes a window spends on the next call, and the variance of it."""
    dist = model.service_dist(service, window)
    present = math.exp(-model.abandon_hazard(service) * t)
    shows = present * (1.0 - model.no_show_share(service))
    no_show = present - shows
    mean = shows * dist.mean + no_show * model.no_show_time.mean
    second = shows * dist.mean**2 * (1 + dist.cv**2) + no_show * model.no_show_time.mean**2
    return mean, max(second - mean * mean, 0.0)


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def calibrate(projection: Projection, model: Model) -> Estimate:
    """Centre and 80% range from the learned residuals (normal quantiles until there are enough)."""
    mean = projection.mean_min
    sd = math.sqrt(projection.sd_min**2 + (MODEL_SPREAD * mean) ** 2)
    scale = sd + 0.5
    residuals = model.residuals
    n = len(residuals)
    if n >= MIN_RESIDUALS:
        weight = n / (n + 50.0)
        bias = weight * sum(residuals) / n
        low_z, high_z = _quantile(residuals, 0.10), _quantile(residuals, 0.90)
        if not projection.served:
            low_z, high_z = min(low_z, -Z80), max(high_z, 2 * Z80)
    else:
        bias, low_z, high_z = 0.0, -Z80, Z80 * (1.0 if projection.served else 2.0)
    centre = max(mean + bias * scale, 0.0)
    low = max(mean + low_z * scale, 0.0)
    high = max(mean + high_z * scale, centre)
    return Estimate(centre, min(low, centre), high)
